# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Web service switches, protocols and external services, read and written on either backend."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:
    from urllib.parse import parse_qs, urlsplit
except ImportError:  # pragma: no cover
    from urlparse import parse_qs, urlsplit

from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError, MoodleError

SWITCHES_SECTION = "optionalsubsystems"
PROTOCOLS_SECTION = "webserviceprotocols"
SERVICES_SECTION = "externalservices"
PROTOCOLS_PATH = "admin/webservice/protocols.php"
SERVICE_PATH = "admin/webservice/service.php"
ENABLE_KEY = "enablewebservices"
MOBILE_KEY = "enablemobilewebservice"
PROTOCOLS_KEY = "webserviceprotocols"
MOBILE_SERVICE = "moodle_mobile_app"


def _query(href):
    return dict((key, values[0]) for key, values in parse_qs(urlsplit(href).query).items())


def as_bool(value):
    return str(value).strip() in ("1", "true", "True", "yes", "on")


class ExternalService:
    def __init__(self, service_id, name, enabled, builtin, shortname=None, component=None):
        self.id = service_id
        self.name = name
        self.enabled = enabled
        self.builtin = builtin
        self.shortname = shortname
        self.component = component

    def as_dict(self):
        return {"id": self.id, "name": self.name, "shortname": self.shortname, "enabled": self.enabled,
                "builtin": self.builtin, "component": self.component}


class HttpWebServices:
    """Through the admin pages of a logged-in site administrator."""

    def __init__(self, client, settings):
        self.client = client
        self.settings = settings
        self._services = None

    def switches(self):
        values = self.settings.read(SWITCHES_SECTION, [ENABLE_KEY, MOBILE_KEY])
        return as_bool(values[ENABLE_KEY]), as_bool(values[MOBILE_KEY]) if values[MOBILE_KEY] is not None else None

    def set_switches(self, changes):
        self.settings.write(SWITCHES_SECTION, changes)

    def protocols(self):
        """{name: enabled} from the enable/disable links of the protocols table."""
        page = self.client.page("admin/settings.php", params={"section": PROTOCOLS_SECTION})
        found = {}
        for link in page.links_matching(r"/admin/webservice/protocols\.php\?"):
            query = _query(link.href)
            if query.get("webservice") and query.get("action") in ("enable", "disable"):
                found[query["webservice"]] = query["action"] == "disable"
        return found

    def set_protocol(self, name, enabled):
        response = self.client.get(PROTOCOLS_PATH, write=True, follow=False, params={
            "sesskey": self.client.sesskey, "action": "enable" if enabled else "disable", "webservice": name})
        if response.status not in (200, 303):
            raise MoodleError("Switching protocol %s answered HTTP %s." % (name, response.status))

    def services(self):
        """Every external service with its shortname (read from each edit form: the list does not show it)."""
        if self._services is None:
            page = self.client.page("admin/settings.php", params={"section": SERVICES_SECTION})
            services = []
            for row in page.table_rows("builtinservices") + page.table_rows("customservices"):
                edit = [link for link in row.links if re.search(r"/admin/webservice/service\.php\?id=\d+", link.href)]
                if not edit:
                    continue
                service_id = int(_query(edit[0].href)["id"])
                builtin = row.table_id == "builtinservices"
                services.append(ExternalService(service_id, row.cells[0], not row.dimmed, builtin,
                                                component=row.cells[1] if builtin and len(row.cells) > 1 else None))
            for service in services:
                form = self._edit_form(service.id)
                shortname = form.control("shortname")
                service.shortname = (shortname.value or None) if shortname is not None else None
            self._services = services
        return self._services

    def _edit_form(self, service_id):
        page = self.client.page(SERVICE_PATH, params={"id": service_id})
        form = page.form_with_field("_qf__external_service_form")
        if form is None:
            raise MoodleError("%s?id=%s has no service form." % (SERVICE_PATH, service_id))
        return form

    def set_service_enabled(self, service, enabled):
        form = self._edit_form(service.id)
        data = [(name, value) for name, value in form.browser_submission() if name != "enabled"]
        data.append(("enabled", "1" if enabled else "0"))
        data.append(("submitbutton", "Save changes"))
        response = self.client.post(SERVICE_PATH, data)
        self._services = None
        if not response.is_redirect:
            raise MoodleError("Moodle did not save external service '%s' (HTTP %s, the form came back)." % (
                service.name, response.status))

    def forget(self):
        self._services = None
        self.settings.forget()


class CliWebServices:
    """Through admin/cli/cfg.php on the Moodle host: config values only, without the admin page's side effects."""

    def __init__(self, settings):
        self.settings = settings

    def switches(self):
        values = self.settings.read(SWITCHES_SECTION, [ENABLE_KEY, MOBILE_KEY])
        return as_bool(values[ENABLE_KEY]), as_bool(values[MOBILE_KEY])

    def set_switches(self, changes):
        self.settings.write(SWITCHES_SECTION, changes)

    def protocols(self):
        value = self.settings.read(PROTOCOLS_SECTION, [PROTOCOLS_KEY])[PROTOCOLS_KEY] or ""
        return dict((name.strip(), True) for name in value.split(",") if name.strip())

    def set_protocol(self, name, enabled):
        current = list(self.protocols())
        if enabled and name not in current:
            current.append(name)
        if not enabled:
            current = [item for item in current if item != name]
        self.settings.write(PROTOCOLS_SECTION, {PROTOCOLS_KEY: ",".join(current)})

    def services(self):
        raise InvalidInputError(
            "External services are database records, not config settings: admin/cli/cfg.php cannot read or "
            "change them.", hint="Use transport: http for services.")

    def forget(self):
        self.settings.forget()
