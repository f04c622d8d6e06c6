# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Web service switches, protocols and external services, read and written on either backend."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.moodleops.auth.plugins.module_utils.converge import Resource
from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    InvalidInputError,
    MoodleError,
    WriteNotAppliedError,
)
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import query_of
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


# -- moodle_webservice_enable as a converge resource ---------------------------------------------------------------

MOBILE_SIDE_EFFECTS = [
    "web services enabled",
    "protocol rest enabled",
    "service moodle_mobile_app enabled",
    "webservice/rest:use allowed for the Authenticated user role",
]


def on_off(value):
    return "on" if value else "off"


class WebServiceSwitches(Resource):
    """The master switch, the mobile switch, the protocols and some external services' enabled flags."""

    name = "web_services"

    def __init__(self, moodle):
        Resource.__init__(self, moodle)
        self.http = moodle.transport == "http"
        self.validate_options()
        self.backend = HttpWebServices(moodle.client, moodle.settings) if self.http else CliWebServices(moodle.settings)

    def validate_options(self):
        params = self.params
        if params["state"] == "absent" and (params["mobile"] or params["services"]):
            raise InvalidInputError("state=absent switches web services off; it cannot also turn on mobile or services.",
                                    hint="Remove mobile: true / services, or use state: present.")
        if not self.http and params["services"]:
            raise InvalidInputError("services needs transport: http (external services are not config settings "
                                    "that admin/cli/cfg.php can change).", hint="Remove services or use transport: http.")
        bad = [name for name in params["protocols"] if not name or not name.isalnum()]
        if bad:
            raise InvalidInputError("protocols holds invalid names: %s." % ", ".join(repr(b) for b in bad),
                                    hint="Use protocol plugin names such as rest or soap.")

    def lock_name(self):
        return "web_services", "site settings"

    def read(self):
        enabled, mobile = self.backend.switches()
        state = {"enabled": enabled, "mobile": mobile, "protocols": sorted(
            name for name, on in self.backend.protocols().items() if on)}
        if self.params["services"]:
            state["services"] = [self.find_service(name).as_dict() for name in self.params["services"]]
        return state

    def find_service(self, wanted):
        services = self.backend.services()
        for service in services:
            if service.shortname == wanted:
                return service
        for service in services:
            if service.name == wanted:
                return service
        known = ", ".join(sorted(service.shortname or service.name for service in services)) or "none"
        raise InvalidInputError("External service '%s' does not exist on the site." % wanted,
                                hint="Give a shortname, or the name of a service without one. The site has: %s." % known)

    def desired(self, before):
        params = self.params
        after = dict(before, protocols=list(before["protocols"]))
        after["enabled"] = params["state"] == "present"
        if params["mobile"] is not None:
            after["mobile"] = params["mobile"]
        if self.mobile_turns_on(before, after) and self.http:
            after["protocols"] = sorted(set(after["protocols"]) | {"rest"})
        if not after["enabled"] and after["mobile"] and self.http:
            after["mobile"] = False  # Moodle shows the mobile service off while web services are off
        if params["state"] == "present":
            wanted = set(params["protocols"])
            kept = [name for name in before["protocols"] if name in wanted or not params["exclusive"]]
            after["protocols"] = sorted(set(kept) | wanted)
            if params["services"]:
                after["services"] = [dict(service, enabled=True) for service in before["services"]]
        return after

    def check(self, before, after):
        if not self.http or self.params["state"] != "present":
            return
        known = self.backend.protocols()
        unknown = [name for name in self.params["protocols"] if name not in known]
        if unknown:
            raise InvalidInputError("Unknown web service protocols: %s." % ", ".join(unknown),
                                    hint="This site has: %s." % ", ".join(sorted(known)))

    def describe(self, before, after):
        changes = []
        if before["enabled"] != after["enabled"]:
            changes.append("enablewebservices: %s -> %s" % (on_off(before["enabled"]), on_off(after["enabled"])))
        if after["mobile"] is not None and before["mobile"] != after["mobile"]:
            changes.append("enablemobilewebservice: %s -> %s" % (on_off(before["mobile"]), on_off(after["mobile"])))
        for name in sorted(set(before["protocols"]) | set(after["protocols"])):
            was, will = name in before["protocols"], name in after["protocols"]
            if was != will:
                changes.append("protocol %s: %s -> %s" % (name, "enabled" if was else "disabled",
                                                          "enabled" if will else "disabled"))
        for old, new in zip(before.get("services", []), after.get("services", [])):
            if old["enabled"] != new["enabled"]:
                changes.append("service %s: disabled -> enabled" % (old["shortname"] or old["name"]))
        if changes and self.mobile_turns_on(before, after) and not self.http:
            self.moodle.warn("transport: cli stores enablemobilewebservice only: admin/cli/cfg.php does not "
                                    "enable the moodle_mobile_app service or grant webservice/rest:use.")
        return changes

    def apply(self, plan):
        before, after = plan.before, plan.after
        switches = {}
        if before["enabled"] != after["enabled"]:
            switches[ENABLE_KEY] = after["enabled"]
        if self.params["mobile"] is not None and before["mobile"] != self.params["mobile"]:
            switches[MOBILE_KEY] = self.params["mobile"]
        if switches:
            self.backend.set_switches(switches)
            self.backend.forget()
        if self.params["state"] == "present":
            current = self.backend.protocols()
            for name in sorted(set(current) | set(after["protocols"])):
                should = name in after["protocols"]
                if bool(current.get(name)) != should:
                    self.backend.set_protocol(name, should)
            for service in self.params["services"]:
                found = self.find_service(service)
                if not found.enabled:
                    self.backend.set_service_enabled(found, True)
        self.backend.forget()
        if self.mobile_turns_on(before, after) and self.http:
            for effect in MOBILE_SIDE_EFFECTS:
                plan.effect("mobile side effect: %s" % effect)

    def verify(self, plan):
        wanted, found = plan.after, self.read()
        problems = []
        if found["enabled"] != wanted["enabled"]:
            problems.append("enablewebservices is %s" % on_off(found["enabled"]))
        if self.params["mobile"] is not None and found["mobile"] != wanted["mobile"]:
            problems.append("enablemobilewebservice is %s" % on_off(found["mobile"]))
        if self.params["state"] == "present":
            missing = sorted(set(wanted["protocols"]) - set(found["protocols"]))
            extra = sorted(set(found["protocols"]) - set(wanted["protocols"])) if self.params["exclusive"] else []
            problems.extend("protocol %s is still disabled" % name for name in missing)
            problems.extend("protocol %s is still enabled" % name for name in extra)
        for service in found.get("services", []):
            if not service["enabled"]:
                problems.append("service %s is still disabled" % (service["shortname"] or service["name"]))
        if problems:
            raise WriteNotAppliedError(
                "Moodle accepted the changes but reading back shows: %s." % "; ".join(problems),
                hint="A setting may be forced in config.php, or another process changed it at the same time.")
        return found

    def diff(self, plan):
        after = dict(plan.after)
        if self.mobile_turns_on(plan.before, plan.after) and self.http:
            after["side_effects"] = MOBILE_SIDE_EFFECTS
        return plan.before, after

    @staticmethod
    def mobile_turns_on(before, after):
        return bool(after.get("mobile")) and not before.get("mobile")


WEBSERVICE_OPTIONS = dict(
    state=dict(type="str", default="present", choices=["present", "absent"]),
    protocols=dict(type="list", elements="str", default=["rest"]),
    exclusive=dict(type="bool", default=False),
    mobile=dict(type="bool"),
    services=dict(type="list", elements="str", default=[]),
)
