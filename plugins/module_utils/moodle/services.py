# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""External services, the Moodle side: the admin list (admin/settings.php?section=externalservices), the edit form
(admin/webservice/service.php), the functions (service_functions.php) and the authorised users (service_users.php)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.moodleops.auth.plugins.module_utils.errors import MoodleError
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import Page, id_param, query_of

LIST_SECTION = "externalservices"
SERVICE_PATH = "admin/webservice/service.php"
FUNCTIONS_PATH = "admin/webservice/service_functions.php"
USERS_PATH = "admin/webservice/service_users.php"
NO_CAPABILITY = "norequiredcapability"
FORM_FLAGS = ("enabled", "restrictedusers", "downloadfiles", "uploadfiles")


class ExternalService:
    """One external service as the list shows it, with its shortname and settings once its edit form is read."""

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
        """What names the service to people: its shortname, or its name when it has none."""
        return self.shortname or self.name

    def as_dict(self):
        """The service as a plain dict (id, name, shortname, enabled, builtin, component)."""
        return {"id": self.id, "name": self.name, "shortname": self.shortname, "enabled": self.enabled,
                "builtin": self.builtin, "component": self.component}


class ExternalServices:
    """The page driver of external services: reads the list and the forms, writes through the forms."""

    def __init__(self, client):
        self.client = client
        self._services = None

    def forget(self):
        """Read the services anew on the next call (after a write)."""
        self._services = None

    def all(self):
        """Every service with its shortname and settings (read from each edit form: the list shows neither)."""
        if self._services is None:
            page = self.client.page("admin/settings.php", params={"section": LIST_SECTION})
            self.client.require_element(page, "admin/settings.php", "builtinservices",
                                        "the table of built-in services (table#builtinservices)")
            services = parse_service_list(page)
            for service in services:
                self.read_form(service)
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
        """The sorted labels of every service (for hints that list what the site has)."""
        return sorted(service.label for service in self.all())

    def edit_form(self, service_id):
        """The edit form of a service (id 0: the add form)."""
        page = self.client.page(SERVICE_PATH, params={"id": service_id})
        return self.client.require_form(page, SERVICE_PATH, field="_qf__external_service_form",
                                        what="the external service form")

    def read_form(self, service):
        """Complete ``service`` from its edit form: shortname, settings and the capabilities the form offers."""
        service.shortname, service.settings, service.capabilities = parse_service_form(self.edit_form(service.id))
        service.enabled = service.settings["enabled"]

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
        response = self.client.post(SERVICE_PATH, dedupe_flags(data))
        self.forget()
        if not response.is_redirect:
            page = Page(response.text)
            problems = page.alerts + page.error_messages + parse_form_errors(response.text)
            raise MoodleError("Moodle did not save the external service (HTTP %s): %s" % (
                response.status, "; ".join(problems) or "the form came back"),
                hint="Names and shortnames must be unique on the site.")
        location = response.location or ""
        if "service_functions.php" in location:
            return id_param(location, "id") or 0
        return service_id

    def delete(self, service):
        """Delete a service (the confirm page, then the confirmed POST)."""
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
        return parse_service_functions(page)

    def addable_functions(self, service):
        """{function name: id} that can be added (the add form lists only those not in the service)."""
        page = self.client.page(FUNCTIONS_PATH, params={"sesskey": self.client.sesskey, "id": service.id,
                                                        "action": "add"})
        form = self.client.require_form(page, FUNCTIONS_PATH, field="fids[]",
                                        what="the add-functions form (select fids[])")
        return parse_addable_functions(form)

    def add_functions(self, service, function_ids):
        """Add the functions (by id) to the service."""
        data = [("id", service.id), ("action", "add"), ("sesskey", self.client.sesskey),
                ("_qf__external_service_functions_form", "1"), ("mform_isexpanded_id_addfunction", "1"),
                ("fids", "_qf__force_multiselect_submission")]
        data.extend(("fids[]", function_id) for function_id in function_ids)
        data.append(("submitbutton", "Add functions"))
        response = self.client.post(FUNCTIONS_PATH, data)
        if not response.is_redirect:
            raise MoodleError("Moodle did not add the functions to '%s' (HTTP %s)." % (service.name, response.status))

    def remove_function(self, service, function_id):
        """Remove one function (by its id in the service) from the service."""
        response = self.client.post(FUNCTIONS_PATH, [("id", service.id), ("fid", function_id), ("action", "delete"),
                                                     ("confirm", "1"), ("sesskey", self.client.sesskey)])
        if not response.is_redirect:
            raise MoodleError("Moodle did not remove function %s from '%s' (HTTP %s)." % (
                function_id, service.name, response.status))

    # -- authorised users --------------------------------------------------------------------------------------
    def authorised_user_ids(self, service):
        """The ids of the service's authorised users."""
        page = self.client.page(USERS_PATH, params={"id": service.id})
        form = self.client.require_form(page, USERS_PATH, field="removeselect[]",
                                        what="the authorised users selector (select removeselect[])")
        # An empty selector holds one disabled <option>&nbsp;</option>: only ids count.
        return set(user_id for user_id, _label in form.control("removeselect[]").id_choices())

    def change_users(self, service, add=(), remove=()):
        """Add and remove authorised users (by id) through the two selectors of service_users.php."""
        for button, field, ids in (("add", "addselect[]", add), ("remove", "removeselect[]", remove)):
            if not ids:
                continue
            data = [("sesskey", self.client.sesskey), (button, "1")]
            data.extend((field, user_id) for user_id in sorted(ids))
            response = self.client.post(USERS_PATH, data, params={"id": service.id})
            if response.status != 200:
                raise MoodleError("Moodle did not %s authorised users of '%s' (HTTP %s)." % (
                    button, service.name, response.status))


def parse_service_list(page):
    """The services of the admin list (table#builtinservices, then table#customservices): id, name, enabled (a
    dimmed row is disabled), built-in or not and the defining component; without shortname and settings (the list
    shows neither)."""
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
    return services


def parse_service_form(form):
    """(shortname, settings, capabilities offered) from a service's edit form; settings are the four flags and
    requiredcapability."""
    shortname = form.control("shortname")
    values = form.current_values(include_disabled=True)
    settings = {
        "enabled": values.get("enabled") == "1",
        "restrictedusers": values.get("restrictedusers") == "1",
        "downloadfiles": values.get("downloadfiles") == "1",
        "uploadfiles": values.get("uploadfiles") == "1",
        "requiredcapability": parse_capability(form),
    }
    capability = form.control("requiredcapability")
    capabilities = set(value for value, _label, _sel in (capability.options if capability else ()))
    return (shortname.value or None) if shortname is not None else None, settings, capabilities


def parse_capability(form):
    """The required capability chosen in a service form (None for none)."""
    control = form.control("requiredcapability")
    if control is None:
        return None
    chosen = [value for value, _label, selected in control.options if selected]
    value = chosen[0] if chosen else None
    return None if value in (None, "", NO_CAPABILITY) else value


def parse_service_functions(page):
    """{function name: function id in the service} from a service's function list (the delete links' fid)."""
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


def parse_addable_functions(form):
    """{function name: id} from the add-functions form (select fids[])."""
    # The select starts with a placeholder <option value="">No selection</option>: only ids count.
    found = {}
    for function_id, label in form.control("fids[]").id_choices():
        name = label.split(":", 1)[0].strip()
        if name:
            found[name] = function_id
    return found


def dedupe_flags(pairs):
    """Advcheckboxes post a hidden 0 and a checkbox 1; keep one value per flag (the last)."""
    last = {}
    for index, (name, _value) in enumerate(pairs):
        if name in FORM_FLAGS:
            last[name] = index
    return [pair for index, pair in enumerate(pairs) if pair[0] not in FORM_FLAGS or last[pair[0]] == index]


def parse_form_errors(html):
    """The field errors (invalid-feedback) of a form Moodle sent back."""
    return [" ".join(text.split()) for text in re.findall(r'class="[^"]*invalid-feedback[^"]*"[^>]*>([^<]+)<', html)
            if text.strip()]
