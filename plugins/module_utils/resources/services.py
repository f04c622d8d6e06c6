# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""moodle_external_service: an external service (settings, functions, authorised users) as a converge resource, and
its options."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.moodleops.auth.plugins.module_utils.converge import Resource
from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError, WriteNotAppliedError
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.services import NO_CAPABILITY, ExternalServices
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.users import Users
from ansible_collections.moodleops.auth.plugins.module_utils.site.section import Section

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
        self.service = None

    def check_options(self):
        if not (self.params["name"] or self.params["shortname"]):
            raise InvalidInputError("Give name or shortname to say which service.")

    @property
    def services(self):
        """The external services' page driver (made on first use: the client is not needed before ``read``)."""
        return self.driver(ExternalServices)

    @property
    def users(self):
        """Users by username and id (made on first use, like ``services``)."""
        return self.driver(Users)

    # -- reading -------------------------------------------------------------------------------------------------
    def find(self):
        """The service the options name (shortname first, then name), or None."""
        return self.services.find(shortname=self.params["shortname"], name=self.params["name"])

    def lock_name(self):
        return "service", self.params["shortname"] or self.params["name"]

    def read(self):
        """The service the options name (see state_of), or None; keeps it for check and the writes."""
        self.service = self.find()
        return self.state_of(self.service)

    def state_of(self, service):
        """The state of ``service`` (None: absent), with its functions and authorised users read from the site."""
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
        """None for state absent; else the service with the options applied (functions and users appended or exact)."""
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
        """Creation (with functions and users) or deletion, else one line per changed setting, function and user."""
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
        """Delete the service, or save its changed settings, then its functions and authorised users."""
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
        """The service with this id, read anew."""
        return [item for item in self.services.all() if item.id == service_id][0]

    def apply_functions(self, service, before, after):
        """Add the functions ``after`` has and the service lacks; without append, remove the others."""
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
        """A deleted service must be gone; otherwise the service read back by id must equal the plan (id aside)."""
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


# -- the site description's section ---------------------------------------------------------------------------------
SECTION = Section("services", order=40, role="webservices", module="moodle_external_service", options=SERVICE_OPTIONS,
                  resource=ServiceResource, label=lambda entry: "%s" % (entry.get("shortname") or entry.get("name")),
                  account_options=("authorised_users",), pending_lists=("authorised_users",),
                  creates=("service", "service", ("shortname", "name")))
