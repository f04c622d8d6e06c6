# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Web service switches, protocols and external services, read and written on either backend."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError, MoodleError
from ansible_collections.moodleops.auth.plugins.module_utils.pages import query_of
from ansible_collections.moodleops.auth.plugins.module_utils.services import ExternalServices

SWITCHES_SECTION = "optionalsubsystems"
PROTOCOLS_SECTION = "webserviceprotocols"
PROTOCOLS_PATH = "admin/webservice/protocols.php"
ENABLE_KEY = "enablewebservices"
MOBILE_KEY = "enablemobilewebservice"
PROTOCOLS_KEY = "webserviceprotocols"
MOBILE_SERVICE = "moodle_mobile_app"


def as_bool(value):
    return str(value).strip() in ("1", "true", "True", "yes", "on")


class HttpWebServices:
    """Through the admin pages of a logged-in site administrator."""

    def __init__(self, client, settings):
        self.client = client
        self.settings = settings
        self.external_services = ExternalServices(client)

    def switches(self):
        values = self.settings.read(SWITCHES_SECTION, [ENABLE_KEY, MOBILE_KEY])
        return as_bool(values[ENABLE_KEY]), as_bool(values[MOBILE_KEY]) if values[MOBILE_KEY] is not None else None

    def set_switches(self, changes):
        self.settings.write(SWITCHES_SECTION, changes)

    def protocols(self):
        """{name: enabled} from the enable/disable links of the protocols table."""
        page = self.client.page("admin/settings.php", params={"section": PROTOCOLS_SECTION})
        self.client.require_element(page, "admin/settings.php", "webserviceprotocols",
                                    "the table of protocols (table#webserviceprotocols)")
        found = {}
        for link in page.links_matching(r"/admin/webservice/protocols\.php\?"):
            query = query_of(link.href)
            if query.get("webservice") and query.get("action") in ("enable", "disable"):
                found[query["webservice"]] = query["action"] == "disable"
        return found

    def set_protocol(self, name, enabled):
        response = self.client.get(PROTOCOLS_PATH, write=True, follow=False, params={
            "sesskey": self.client.sesskey, "action": "enable" if enabled else "disable", "webservice": name})
        if response.status not in (200, 303):
            raise MoodleError("Switching protocol %s answered HTTP %s." % (name, response.status))

    def services(self):
        """Every external service with its shortname and settings."""
        return self.external_services.all()

    def set_service_enabled(self, service, enabled):
        self.external_services.save(service.id, {"enabled": enabled})

    def forget(self):
        self.external_services.forget()
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
