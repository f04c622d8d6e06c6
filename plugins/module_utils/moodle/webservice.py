# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Web service switches, the Moodle side: the master and mobile switches (optionalsubsystems), the protocols
(webserviceprotocols, admin/webservice/protocols.php) and the services' enabled flags, on either backend."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError, MoodleError
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.services import ExternalServices
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import toggle_links

SWITCHES_SECTION = "optionalsubsystems"
PROTOCOLS_SECTION = "webserviceprotocols"
PROTOCOLS_PATH = "admin/webservice/protocols.php"
ENABLE_KEY = "enablewebservices"
MOBILE_KEY = "enablemobilewebservice"
PROTOCOLS_KEY = "webserviceprotocols"
MOBILE_SERVICE = "moodle_mobile_app"


def as_bool(value):
    """A stored setting value as a boolean ('1', 'true', 'yes', 'on' are true)."""
    return str(value).strip() in ("1", "true", "True", "yes", "on")


class HttpWebServices:
    """Through the admin pages of a logged-in site administrator."""

    def __init__(self, client, settings):
        self.client = client
        self.settings = settings
        self.external_services = ExternalServices(client)

    def switches(self):
        """(web services on, mobile web services on or None when the page does not show the switch)."""
        values = self.settings.read(SWITCHES_SECTION, [ENABLE_KEY, MOBILE_KEY])
        return as_bool(values[ENABLE_KEY]), as_bool(values[MOBILE_KEY]) if values[MOBILE_KEY] is not None else None

    def set_switches(self, changes):
        """Write the switches ({setting: value}) on the optionalsubsystems page."""
        self.settings.write(SWITCHES_SECTION, changes)

    def protocols(self):
        """{name: enabled} from the enable/disable links of the protocols table."""
        page = self.client.page("admin/settings.php", params={"section": PROTOCOLS_SECTION})
        self.client.require_element(page, "admin/settings.php", "webserviceprotocols",
                                    "the table of protocols (table#webserviceprotocols)")
        return parse_protocols(page)

    def set_protocol(self, name, enabled):
        """Enable or disable one protocol through its protocols.php link."""
        response = self.client.get(PROTOCOLS_PATH, write=True, follow=False, params={
            "sesskey": self.client.sesskey, "action": "enable" if enabled else "disable", "webservice": name})
        if response.status not in (200, 303):
            raise MoodleError("Switching protocol %s answered HTTP %s." % (name, response.status))

    def services(self):
        """Every external service with its shortname and settings."""
        return self.external_services.all()

    def set_service_enabled(self, service, enabled):
        """Switch one external service on or off through its edit form."""
        self.external_services.save(service.id, {"enabled": enabled})

    def forget(self):
        """Read everything anew on the next call (after a write)."""
        self.external_services.forget()
        self.settings.forget()


class CliWebServices:
    """Through admin/cli/cfg.php on the Moodle host: config values only, without the admin page's side effects."""

    def __init__(self, settings):
        self.settings = settings

    def switches(self):
        """(web services on, mobile web services on) from the stored config values."""
        values = self.settings.read(SWITCHES_SECTION, [ENABLE_KEY, MOBILE_KEY])
        return as_bool(values[ENABLE_KEY]), as_bool(values[MOBILE_KEY])

    def set_switches(self, changes):
        """Write the switches ({setting: value}) as config values."""
        self.settings.write(SWITCHES_SECTION, changes)

    def protocols(self):
        """{name: True} for each protocol listed in $CFG->webserviceprotocols."""
        value = self.settings.read(PROTOCOLS_SECTION, [PROTOCOLS_KEY])[PROTOCOLS_KEY] or ""
        return dict((name.strip(), True) for name in value.split(",") if name.strip())

    def set_protocol(self, name, enabled):
        """Add the protocol to $CFG->webserviceprotocols or take it out."""
        current = list(self.protocols())
        if enabled and name not in current:
            current.append(name)
        if not enabled:
            current = [item for item in current if item != name]
        self.settings.write(PROTOCOLS_SECTION, {PROTOCOLS_KEY: ",".join(current)})

    def services(self):
        """External services cannot be read this way: always raises InvalidInputError."""
        raise InvalidInputError(
            "External services are database records, not config settings: admin/cli/cfg.php cannot read or "
            "change them.", hint="Use transport: http for services.")

    def forget(self):
        """Read the config values anew on the next call."""
        self.settings.forget()


def parse_protocols(page):
    """{protocol name: enabled} from the enable/disable links of the protocols table (a "disable" link: enabled)."""
    return dict((name, action == "disable")
                for name, action in toggle_links(page, r"/admin/webservice/protocols\.php\?", "webservice"))
