# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""External services through the admin pages: list, edit form, functions, authorised users, create, delete."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re


from ansible_collections.moodleops.auth.plugins.module_utils.converge import Resource
from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    InvalidInputError,
    MoodleError,
    WriteNotAppliedError,
)
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import Page, id_param, query_of
from ansible_collections.moodleops.auth.plugins.module_utils.users import Users

LIST_SECTION = "externalservices"
SERVICE_PATH = "admin/webservice/service.php"
FUNCTIONS_PATH = "admin/webservice/service_functions.php"
USERS_PATH = "admin/webservice/service_users.php"
NO_CAPABILITY = "norequiredcapability"
FORM_FLAGS = ("enabled", "restrictedusers", "downloadfiles", "uploadfiles")


class ExternalService:
    def __init__(self, service_id, name, enabled, builtin, shortname=None, component=None):
        self.id = service_id
        self.name = name
        self.enabled = enabled
        self.builtin = builtin
        self.shortname = shortname
        self.component = component
        self.settings = {}

    @property
    def label(self):
        return self.shortname or self.name

    def as_dict(self):
        return {"id": self.id, "name": self.name, "shortname": self.shortname, "enabled": self.enabled,
                "builtin": self.builtin, "component": self.component}


class ExternalServices:
    def __init__(self, client):
        self.client = client
        self._services = None

    def forget(self):
        self._services = None

    def all(self):
        """Every service with its shortname and settings (read from each edit form: the list shows neither)."""
        if self._services is None:
            page = self.client.page("admin/settings.php", params={"section": LIST_SECTION})
            self.client.require_element(page, "admin/settings.php", "builtinservices",
                                        "the table of built-in services (table#builtinservices)")
            services = []
            for row in page.table_rows("builtinservices") + page.table_rows("customservices"):
                ids = [id_param(link.href, "id") for link in row.links
                       if re.search(r"/admin/webservice/service\.php\?", link.href)]
                ids = [service_id for service_id in ids if service_id is not None]
                if not ids or not row.cells[0]:
                    continue
                builtin = row.table_id == "builtinservices"
                services.append(ExternalService(ids[0], row.cells[0], not row.dimmed, builtin,
                                                component=(row.cells[1] or None) if builtin and len(row.cells) > 1
                                                else None))
            for service in services:
                self._read_form(service)
            self._services = services
        return self._services

    def find(self, shortname=None, name=None):
        """By shortname first, then by name (services without a shortname, e.g. auth_userkey's)."""
        for service in self.all():
            if shortname and service.shortname == shortname:
                return service
        for service in self.all():
            if (name and service.name == name) or (shortname and not name and service.name == shortname):
                return service
        return None

    def labels(self):
        return sorted(service.label for service in self.all())

    def edit_form(self, service_id):
        page = self.client.page(SERVICE_PATH, params={"id": service_id})
        return self.client.require_form(page, SERVICE_PATH, field="_qf__external_service_form",
                                        what="the external service form")

    def _read_form(self, service):
        form = self.edit_form(service.id)
        shortname = form.control("shortname")
        service.shortname = (shortname.value or None) if shortname is not None else None
        values = form.current_values(include_disabled=True)
        service.settings = {
            "enabled": values.get("enabled") == "1",
            "restrictedusers": values.get("restrictedusers") == "1",
            "downloadfiles": values.get("downloadfiles") == "1",
            "uploadfiles": values.get("uploadfiles") == "1",
            "requiredcapability": _capability(form),
        }
        service.enabled = service.settings["enabled"]
        capability = form.control("requiredcapability")
        service.capabilities = set(value for value, _label, _sel in (capability.options if capability else ()))

    def save(self, service_id, changes):
        """Submit the edit form (id 0: the add form) as a browser would, with ``changes`` applied."""
        form = self.edit_form(service_id)
        data = []
        for name, value in form.browser_submission():
            if name in changes:
                continue
            data.append((name, value))
        for name, value in changes.items():
            if name in FORM_FLAGS:
                data.append((name, "1" if value else "0"))
            else:
                data.append((name, value))
        data.append(("submitbutton", "Add service" if not service_id else "Save changes"))
        response = self.client.post(SERVICE_PATH, _dedupe_flags(data))
        self.forget()
        if not response.is_redirect:
            page = Page(response.text)
            problems = page.alerts + page.error_messages + _form_errors(response.text)
            raise MoodleError("Moodle did not save the external service (HTTP %s): %s" % (
                response.status, "; ".join(problems) or "the form came back"),
                hint="Names and shortnames must be unique on the site.")
        location = response.location or ""
        if "service_functions.php" in location:
            return id_param(location, "id") or 0
        return service_id

    def delete(self, service):
        self.client.get(SERVICE_PATH, params={"action": "delete", "sesskey": self.client.sesskey, "id": service.id})
        response = self.client.post(SERVICE_PATH, [("id", service.id), ("action", "delete"), ("confirm", "1"),
                                                   ("sesskey", self.client.sesskey)])
        self.forget()
        if not response.is_redirect:
            raise MoodleError("Moodle did not delete the external service '%s' (HTTP %s)." % (service.name, response.status))

    # -- functions ---------------------------------------------------------------------------------------------
    def functions(self, service):
        """{function name: function id} of the service."""
        page = self.client.page(FUNCTIONS_PATH, params={"id": service.id})
        # A service without functions has no table, only the "Add functions" link (built-in services: no link).
        if not page.rows and not page.links_matching(r"service_functions\.php\?.*action=add"):
            raise self.client.unexpected(FUNCTIONS_PATH, "the table of the service's functions or its Add link", page)
        found = {}
        for row in page.rows:
            if not row.cells or not re.match(r"^[a-z][a-z0-9_]+$", row.cells[0]):
                continue
            fid = None
            for link in row.links:
                if query_of(link.href).get("action") == "delete" and id_param(link.href, "fid") is not None:
                    fid = id_param(link.href, "fid")
            found[row.cells[0]] = fid
        return found

    def addable_functions(self, service):
        """{function name: id} that can be added (the add form lists only those not in the service)."""
        page = self.client.page(FUNCTIONS_PATH, params={"sesskey": self.client.sesskey, "id": service.id,
                                                        "action": "add"})
        form = self.client.require_form(page, FUNCTIONS_PATH, field="fids[]",
                                        what="the add-functions form (select fids[])")
        # The select starts with a placeholder <option value="">No selection</option>: only ids count.
        found = {}
        for function_id, label in form.control("fids[]").id_choices():
            name = label.split(":", 1)[0].strip()
            if name:
                found[name] = function_id
        return found

    def add_functions(self, service, function_ids):
        data = [("id", service.id), ("action", "add"), ("sesskey", self.client.sesskey),
                ("_qf__external_service_functions_form", "1"), ("mform_isexpanded_id_addfunction", "1"),
                ("fids", "_qf__force_multiselect_submission")]
        data.extend(("fids[]", function_id) for function_id in function_ids)
        data.append(("submitbutton", "Add functions"))
        response = self.client.post(FUNCTIONS_PATH, data)
        if not response.is_redirect:
            raise MoodleError("Moodle did not add the functions to '%s' (HTTP %s)." % (service.name, response.status))

    def remove_function(self, service, function_id):
        response = self.client.post(FUNCTIONS_PATH, [("id", service.id), ("fid", function_id), ("action", "delete"),
                                                     ("confirm", "1"), ("sesskey", self.client.sesskey)])
        if not response.is_redirect:
            raise MoodleError("Moodle did not remove function %s from '%s' (HTTP %s)." % (
                function_id, service.name, response.status))

    # -- authorised users --------------------------------------------------------------------------------------
    def authorised_user_ids(self, service):
        page = self.client.page(USERS_PATH, params={"id": service.id})
        form = self.client.require_form(page, USERS_PATH, field="removeselect[]",
                                        what="the authorised users selector (select removeselect[])")
        # An empty selector holds one disabled <option>&nbsp;</option>: only ids count.
        return set(user_id for user_id, _label in form.control("removeselect[]").id_choices())

    def change_users(self, service, add=(), remove=()):
        for button, field, ids in (("add", "addselect[]", add), ("remove", "removeselect[]", remove)):
            if not ids:
                continue
            data = [("sesskey", self.client.sesskey), (button, "1")]
            data.extend((field, user_id) for user_id in sorted(ids))
            response = self.client.post(USERS_PATH, data, params={"id": service.id})
            if response.status != 200:
                raise MoodleError("Moodle did not %s authorised users of '%s' (HTTP %s)." % (
                    button, service.name, response.status))


def _capability(form):
    control = form.control("requiredcapability")
    if control is None:
        return None
    chosen = [value for value, _label, selected in control.options if selected]
    value = chosen[0] if chosen else None
    return None if value in (None, "", NO_CAPABILITY) else value


def _dedupe_flags(pairs):
    """Advcheckboxes post a hidden 0 and a checkbox 1; keep one value per flag (the last)."""
    last = {}
    for index, (name, _value) in enumerate(pairs):
        if name in FORM_FLAGS:
            last[name] = index
    return [pair for index, pair in enumerate(pairs) if pair[0] not in FORM_FLAGS or last[pair[0]] == index]


def _form_errors(html):
    return [" ".join(text.split()) for text in re.findall(r'class="[^"]*invalid-feedback[^"]*"[^>]*>([^<]+)<', html)
            if text.strip()]


def require_known(kind, wanted, known):
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise InvalidInputError("Unknown %s: %s." % (kind, ", ".join(unknown)),
                                hint="Check the names; nothing was changed.")


# -- moodle_external_service as a converge resource ----------------------------------------------------------------

SETTING_FIELDS = (  # module option -> service form field
    ("enabled", "enabled"),
    ("restricted_users", "restrictedusers"),
    ("can_download_files", "downloadfiles"),
    ("can_upload_files", "uploadfiles"),
)


class ServiceResource(Resource):
    """An external service: settings, functions (exact or appended) and authorised users; or its absence."""

    name = "service"

    def __init__(self, moodle):
        Resource.__init__(self, moodle)
        if not (self.params["name"] or self.params["shortname"]):
            raise InvalidInputError("Give name or shortname to say which service.")
        self.services = ExternalServices(moodle.client)
        self.users = Users(moodle.client)
        self.service = None

    # -- reading -------------------------------------------------------------------------------------------------
    def find(self):
        return self.services.find(shortname=self.params["shortname"], name=self.params["name"])

    def lock_name(self):
        return "service", self.params["shortname"] or self.params["name"]

    def read(self):
        self.service = self.find()
        return self.state_of(self.service)

    def state_of(self, service):
        if service is None:
            return None
        functions = self.services.functions(service)
        user_ids = self.services.authorised_user_ids(service) if service.settings["restrictedusers"] else set()
        return {
            "id": service.id, "name": service.name, "shortname": service.shortname, "builtin": service.builtin,
            "enabled": service.settings["enabled"], "restricted_users": service.settings["restrictedusers"],
            "required_capability": service.settings["requiredcapability"],
            "can_download_files": service.settings["downloadfiles"],
            "can_upload_files": service.settings["uploadfiles"],
            "functions": sorted(functions), "authorised_users": sorted(self.users.usernames_for(user_ids).values()),
        }

    # -- desired state ---------------------------------------------------------------------------------------------
    def desired(self, before):
        params = self.params
        if params["state"] == "absent":
            return None
        after = dict(before) if before else {
            "id": None, "name": params["name"], "shortname": params["shortname"], "builtin": False,
            "enabled": True, "restricted_users": False, "required_capability": None,
            "can_download_files": False, "can_upload_files": False, "functions": [], "authorised_users": []}
        if params["name"]:
            after["name"] = params["name"]
        for option, _field in SETTING_FIELDS:
            if params[option] is not None:
                after[option] = params[option]
        if params["required_capability"] is not None:
            after["required_capability"] = params["required_capability"] or None
        if params["functions"] is not None:
            wanted = set(params["functions"])
            after["functions"] = sorted(wanted | set(after["functions"])) if params["append"] else sorted(wanted)
        if params["authorised_users"] is not None:
            wanted = set(name.strip().lower() for name in params["authorised_users"])
            after["authorised_users"] = sorted(wanted | set(after["authorised_users"])) if params["append"] \
                else sorted(wanted)
        return after

    def check(self, before, after):
        params, service = self.params, self.service
        if after is None:
            if service is not None and service.builtin:
                raise InvalidInputError("'%s' is a built-in service (defined by %s) and cannot be deleted." % (
                    service.name, service.component or "a plugin"), hint="Disable it with enabled: false instead.")
            return
        if before is None and not params["name"]:
            raise InvalidInputError("No service with shortname '%s' exists, and creating one needs its name."
                                    % params["shortname"], hint="Add name (the site has: %s)." % ", ".join(self.services.labels()))
        if before and before["builtin"]:
            frozen = [key for key in ("name", "restricted_users", "required_capability", "functions")
                      if before[key] != after[key]]
            if frozen:
                raise InvalidInputError(
                    "'%s' is a built-in service (defined by %s): its %s cannot be changed." % (
                        before["name"], service.component or "a plugin", ", ".join(frozen)),
                    hint="Built-in services can only be enabled or disabled and get authorised users.")
        if before and params["shortname"] and before["shortname"] != params["shortname"]:
            raise InvalidInputError("The shortname of '%s' is %s; Moodle does not let it change." % (
                before["name"], before["shortname"] or "empty"), hint="Remove shortname or create another service.")
        if after["authorised_users"] and not after["restricted_users"]:
            raise InvalidInputError("authorised_users needs a restricted service.", hint="Add restricted_users: true.")
        if after["required_capability"]:
            known = service.capabilities if service else self._new_form_capabilities()
            if after["required_capability"] not in known:
                raise InvalidInputError("required_capability %s is not a capability of this site." % after["required_capability"])
        if params["authorised_users"]:
            self.users.ids_for(after["authorised_users"], option="authorised_users")
        present = set(before["functions"]) if before and before.get("functions") else set()
        wanted = set(after["functions"]) - present if params["functions"] is not None else set()
        known = self._function_catalogue(service) if wanted else None      # functions in the service exist
        if known is not None:
            missing = sorted(wanted - known)
            if missing:
                raise InvalidInputError("Unknown web service functions: %s." % ", ".join(missing),
                                        hint="Check the names (Site administration > Server > Web services > "
                                             "API Documentation); nothing was changed.")

    def _function_catalogue(self, service):
        """Every function name the site has, from an add-functions form (None when no custom service exists yet:
        built-in services have no such form)."""
        if self.params["functions"] is None:
            return None
        source = service if service is not None and not service.builtin else None
        if source is None:
            custom = [item for item in self.services.all() if not item.builtin]
            source = custom[0] if custom else None
        if source is None:
            return None
        return set(self.services.functions(source)) | set(self.services.addable_functions(source))

    def _new_form_capabilities(self):
        control = self.services.edit_form(0).control("requiredcapability")
        return set(value for value, _label, _sel in (control.options if control else ()))

    def describe(self, before, after):
        if after is None:
            return ["service %s: deleted" % self.service.label] if before is not None else []
        if before is None:
            return ["service %s: created" % (after["shortname"] or after["name"])] + [
                "function %s: added" % name for name in after["functions"]] + [
                "authorised user %s: added" % name for name in after["authorised_users"]]
        changes = []
        for key in ("name", "enabled", "restricted_users", "required_capability", "can_download_files",
                    "can_upload_files"):
            if before[key] != after[key]:
                changes.append("%s: %s -> %s" % (key, before[key], after[key]))
        for key, label in (("functions", "function"), ("authorised_users", "authorised user")):
            changes.extend("%s %s: added" % (label, name) for name in after[key] if name not in before[key])
            changes.extend("%s %s: removed" % (label, name) for name in before[key] if name not in after[key])
        return changes

    # -- writing ---------------------------------------------------------------------------------------------------
    def apply(self, plan):
        before, after, service = plan.before, plan.after, self.service
        if after is None:
            self.services.delete(service)
            return
        form_changes = {}
        if before is None or before["name"] != after["name"]:
            form_changes["name"] = after["name"]
        if before is None and after["shortname"]:
            form_changes["shortname"] = after["shortname"]
        for option, field in SETTING_FIELDS:
            if before is None or before[option] != after[option]:
                form_changes[field] = after[option]
        if before is None or before["required_capability"] != after["required_capability"]:
            form_changes["requiredcapability"] = after["required_capability"] or NO_CAPABILITY
        if service is not None and service.builtin:
            form_changes.pop("name", None)
        if form_changes:
            service_id = self.services.save(service.id if service else 0, form_changes)
        else:
            service_id = service.id
        service = self.by_id(service_id)
        if before is None or before["functions"] != after["functions"]:
            self.apply_functions(service, before, after)
        if before is None or before["authorised_users"] != after["authorised_users"]:
            ids = self.users.ids_for(after["authorised_users"], option="authorised_users") if after["authorised_users"] else {}
            current = self.services.authorised_user_ids(service)
            self.services.change_users(service, add=set(ids.values()) - current,
                                       remove=current - set(ids.values()) if not self.params["append"] else ())
        self.services.forget()
        self.service_id = service_id

    def by_id(self, service_id):
        return [item for item in self.services.all() if item.id == service_id][0]

    def apply_functions(self, service, before, after):
        current = self.services.functions(service)
        addable = self.services.addable_functions(service)
        unknown = sorted(set(after["functions"]) - set(current) - set(addable))
        if unknown:
            if before is None:  # created just now: nothing could be checked earlier
                self.services.delete(service)
            raise InvalidInputError("Unknown web service functions: %s." % ", ".join(unknown),
                                    hint="Check the names%s." % ("; the new service was deleted again" if before is None else ""))
        to_add = [addable[name] for name in after["functions"] if name not in current]
        if to_add:
            self.services.add_functions(service, to_add)
        if not self.params["append"]:
            for name, function_id in current.items():
                if name not in after["functions"]:
                    self.services.remove_function(service, function_id)

    def verify(self, plan):
        if plan.after is None:
            if self.find() is not None:
                raise WriteNotAppliedError("Moodle answered the deletion of '%s' normally, but the service is still "
                                           "there." % self.service.name)
            return None
        found = self.state_of(self.by_id(self.service_id))
        wrong = [key for key in plan.after if key != "id" and plan.after[key] != found[key]]
        if wrong:
            raise WriteNotAppliedError("Moodle accepted the changes to '%s' but reading back shows different %s." % (
                plan.after["name"], ", ".join(wrong)))
        return found


SERVICE_OPTIONS = dict(
    name=dict(type="str"),
    shortname=dict(type="str"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    enabled=dict(type="bool"),
    functions=dict(type="list", elements="str"),
    append=dict(type="bool", default=False),
    restricted_users=dict(type="bool"),
    authorised_users=dict(type="list", elements="str"),
    required_capability=dict(type="str"),
    can_download_files=dict(type="bool"),
    can_upload_files=dict(type="bool"),
)
