# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""moodle_webservice_enable: the web service switches, protocols and some services' enabled flags as a converge
resource, and its options."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.moodleops.auth.plugins.module_utils.converge import Resource
from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError, WriteNotAppliedError
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.webservice import (
    ENABLE_KEY,
    MOBILE_KEY,
    CliWebServices,
    HttpWebServices,
)
from ansible_collections.moodleops.auth.plugins.module_utils.site.section import Section

MOBILE_SIDE_EFFECTS = [
    "web services enabled",
    "protocol rest enabled",
    "service moodle_mobile_app enabled",
    "webservice/rest:use allowed for the Authenticated user role",
]


def on_off(value):
    """A switch as the changes lines show it: on or off."""
    return "on" if value else "off"


class WebServiceSwitches(Resource):
    """The master switch, the mobile switch, the protocols and some external services' enabled flags."""

    name = "web_services"

    def __init__(self, moodle):
        Resource.__init__(self, moodle)
        self.http = moodle.transport == "http"
        self._backend = None

    @property
    def backend(self):
        """The switches' driver of the transport (made on first use: check_options runs before the client
        exists)."""
        if self._backend is None:
            moodle = self.moodle
            self._backend = (HttpWebServices(moodle.client, moodle.settings) if self.http
                             else CliWebServices(moodle.settings))
        return self._backend

    def check_options(self):
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
        """The switches, enabled protocols and the services asked for (InvalidInputError if unknown)."""
        enabled, mobile = self.backend.switches()
        state = {"enabled": enabled, "mobile": mobile, "protocols": sorted(
            name for name, on in self.backend.protocols().items() if on)}
        if self.params["services"]:
            state["services"] = [self.find_service(name).as_dict() for name in self.params["services"]]
        return state

    def find_service(self, wanted):
        """The external service with this shortname (or name, for a service without one); InvalidInputError if
        none."""
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
        """Switches, protocols, services as asked; over http mobile on adds rest, web services off sets mobile off."""
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
        """One line per switch, protocol and service that changes; warns what transport: cli leaves out for mobile."""
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
        """Set the switches, then (state present) the protocols and services; notes the mobile side effects (http)."""
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
        """Read back and name what did not stick: switches, protocols (extra ones only with exclusive), services."""
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
        """Before and after; after lists the mobile side effects when mobile turns on over http."""
        after = dict(plan.after)
        if self.mobile_turns_on(plan.before, plan.after) and self.http:
            after["side_effects"] = MOBILE_SIDE_EFFECTS
        return plan.before, after

    @staticmethod
    def mobile_turns_on(before, after):
        """Whether the run turns the mobile switch on."""
        return bool(after.get("mobile")) and not before.get("mobile")


WEBSERVICE_OPTIONS = dict(
    state=dict(type="str", default="present", choices=["present", "absent"]),
    protocols=dict(type="list", elements="str", default=["rest"]),
    exclusive=dict(type="bool", default=False),
    mobile=dict(type="bool"),
    services=dict(type="list", elements="str", default=[]),
)


# -- the site description's section ---------------------------------------------------------------------------------
def webservice_entries(value):
    """The webservices mapping as one moodle_webservice_enable run: ``enabled`` becomes ``state``."""
    if value is None:
        return []
    entry = dict(value)
    entry["state"] = "present" if boolean(entry.pop("enabled", True), strict=False) else "absent"
    return [entry]


def webservice_label(entry):
    """``enabled (rest, soap)`` or ``disabled``."""
    if entry.get("state") == "absent":
        return "disabled"
    protocols = entry.get("protocols")
    return "enabled%s" % (" (%s)" % ", ".join("%s" % protocol for protocol in protocols)
                          if isinstance(protocols, list) and protocols else "")


SECTION = Section("webservices", order=10, role="webservices", module="moodle_webservice_enable",
                  options=WEBSERVICE_OPTIONS, resource=WebServiceSwitches, label=webservice_label, transport=True,
                  single=True, entries=webservice_entries)
