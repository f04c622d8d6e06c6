#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: moodle_webservice_enable
short_description: Switch Moodle web services, their protocols, the mobile service and external services on or off
version_added: 0.1.0
description:
  - Ensures Moodle's web services master switch (C(enablewebservices)), the enabled protocols (REST, SOAP),
    optionally the mobile web service (C(enablemobilewebservice)) and a list of external services are as desired.
  - Reads first and writes only what differs; every write is verified by reading the state back, because
    Moodle's protocol links redirect the same way whether they worked or not.
  - A second run changes nothing and makes no write request. Check mode only reads.
author:
  - moodleops.auth contributors (@moodleops)
extends_documentation_fragment:
  - moodleops.auth.connection
  - moodleops.auth.connection.TRANSPORT
attributes:
  check_mode:
    support: full
    description: Reads the site and reports what would change; writes nothing.
  diff_mode:
    support: full
    description: Shows the switches, protocols and services before and after.
options:
  state:
    description:
      - V(present) turns web services on, V(absent) turns them off (only the master switch, and the mobile
        service when O(mobile=false); protocols and services are left as they are).
    type: str
    choices: [present, absent]
    default: present
  protocols:
    description:
      - Web service protocols to enable (C(rest), C(soap)). Protocols not listed are left alone unless
        O(exclusive=true). Ignored with O(state=absent).
      - REST answers only when both web services and C(rest) are on.
    type: list
    elements: str
    default: [rest]
  exclusive:
    description:
      - Disable every enabled protocol that O(protocols) does not list.
    type: bool
    default: false
  mobile:
    description:
      - Ensure the mobile web service (C(enablemobilewebservice)) is on (V(true)) or off (V(false)); omitted
        leaves it untouched.
      - "With O(transport=http), switching it on the way Moodle's admin page does has side effects: Moodle also
        enables web services, adds C(rest) to the protocols, enables the C(moodle_mobile_app) service and grants
        C(webservice/rest:use) to the Authenticated user role, so every user can call REST with a mobile token.
        The diff shows these effects under C(side_effects)."
      - With O(transport=cli), C(cfg.php) only stores the value; none of those side effects happen (a warning says so).
    type: bool
  services:
    description:
      - External services to ensure enabled, by shortname (for example C(moodle_mobile_app)), or by name for
        services that have none (auth_userkey's built-in C(User key authentication web service)).
      - Needs O(transport=http); unknown services fail before any write, listing the site's services.
    type: list
    elements: str
    default: []
notes:
  - Needs a site administrator account (O(auth_method=password)); a token cannot change admin settings.
seealso:
  - module: moodleops.auth.moodle_info
"""

EXAMPLES = r"""
- name: Turn on web services and REST
  moodleops.auth.moodle_webservice_enable:
    url: https://moodle.example.edu
    username: admin
    password: "{{ moodle_admin_password }}"

- name: REST only (SOAP off), and the services our integrations use
  moodleops.auth.moodle_webservice_enable:
    url: https://moodle.example.edu
    username: admin
    password: "{{ moodle_admin_password }}"
    protocols: [rest]
    exclusive: true
    services:
      - moodle_mobile_app
      - User key authentication web service

- name: On the Moodle host itself, through admin/cli/cfg.php
  moodleops.auth.moodle_webservice_enable:
    transport: cli
    moodle_root: /var/www/moodle
  become: true
  become_user: www-data

- name: Switch web services off
  moodleops.auth.moodle_webservice_enable:
    url: https://moodle.example.edu
    username: admin
    password: "{{ moodle_admin_password }}"
    state: absent
"""

RETURN = r"""
web_services:
  description: The state after the task (in check mode, the state the task would leave).
  returned: success
  type: dict
  contains:
    enabled:
      description: Whether web services are on (C(enablewebservices)).
      type: bool
      sample: true
    mobile:
      description: Whether the mobile web service is on; null when it could not be read.
      type: bool
      sample: false
    protocols:
      description: Enabled protocols.
      type: list
      elements: str
      sample: [rest]
    services:
      description: The services named in O(services), with their state.
      type: list
      elements: dict
      sample: [{"id": 1, "name": "Moodle mobile web service", "shortname": "moodle_mobile_app", "enabled": true}]
changes:
  description: What the task changed (or would change in check mode), one line each.
  returned: success
  type: list
  elements: str
  sample: ["enablewebservices: off -> on", "protocol rest: disabled -> enabled"]
debug:
  description: Request counts of this task.
  returned: always
  type: dict
  sample: {"http_requests": 7, "http_writes": 0, "transport": "http"}
"""

from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError, WriteNotAppliedError
from ansible_collections.moodleops.auth.plugins.module_utils.module import MoodleModule
from ansible_collections.moodleops.auth.plugins.module_utils.webservice import (
    ENABLE_KEY,
    MOBILE_KEY,
    CliWebServices,
    HttpWebServices,
)

MOBILE_SIDE_EFFECTS = [
    "web services enabled",
    "protocol rest enabled",
    "service moodle_mobile_app enabled",
    "webservice/rest:use allowed for the Authenticated user role",
]


class WebServiceEnable:
    def __init__(self, moodle):
        self.moodle = moodle
        self.params = moodle.params
        self.validate_options()
        if moodle.transport == "cli":
            self.backend = CliWebServices(moodle.settings)
        else:
            self.backend = HttpWebServices(moodle.client, moodle.settings)

    def validate_options(self):
        params = self.params
        if params["state"] == "absent" and (params["mobile"] or params["services"]):
            raise InvalidInputError("state=absent switches web services off; it cannot also turn on mobile or services.",
                                    hint="Remove mobile: true / services, or use state: present.")
        if self.moodle.transport == "cli" and params["services"]:
            raise InvalidInputError("services needs transport: http (external services are not config settings "
                                    "that admin/cli/cfg.php can change).", hint="Remove services or use transport: http.")
        bad = [name for name in params["protocols"] if not name or not name.isalnum()]
        if bad:
            raise InvalidInputError("protocols holds invalid names: %s." % ", ".join(repr(b) for b in bad),
                                    hint="Use protocol plugin names such as rest or soap.")

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
        if self.mobile_turns_on(before, after) and self.moodle.transport == "http":
            after["protocols"] = sorted(set(after["protocols"]) | {"rest"})
        if not after["enabled"] and after["mobile"] and self.moodle.transport == "http":
            after["mobile"] = False  # Moodle shows the mobile service off while web services are off
        if params["state"] == "present":
            wanted = set(params["protocols"])
            kept = [name for name in before["protocols"] if name in wanted or not params["exclusive"]]
            after["protocols"] = sorted(set(kept) | wanted)
            if params["services"]:
                after["services"] = [dict(service, enabled=True) for service in before["services"]]
        return after

    def check_protocols_exist(self):
        if self.moodle.transport == "cli" or self.params["state"] != "present":
            return
        known = self.backend.protocols()
        unknown = [name for name in self.params["protocols"] if name not in known]
        if unknown:
            raise InvalidInputError("Unknown web service protocols: %s." % ", ".join(unknown),
                                    hint="This site has: %s." % ", ".join(sorted(known)))

    def apply(self, before, after):
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

    def verify(self, wanted, found):
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

    def run(self):
        before = self.read()
        self.check_protocols_exist()
        after = self.desired(before)
        changes = describe_changes(before, after)
        if changes and self.mobile_turns_on(before, after) and self.moodle.transport == "cli":
            self.moodle.module.warn("transport: cli stores enablemobilewebservice only: admin/cli/cfg.php does not "
                                    "enable the moodle_mobile_app service or grant webservice/rest:use.")
        if changes and not self.moodle.check_mode:
            self.apply(before, after)
            found = self.read()
            self.verify(after, found)
            after = found
        result = {"changed": bool(changes), "changes": changes, "web_services": after}
        diff_after = dict(after)
        if self.mobile_turns_on(before, after) and self.moodle.transport == "http":
            diff_after["side_effects"] = MOBILE_SIDE_EFFECTS
            if not self.moodle.check_mode:
                result["changes"] = changes + ["mobile side effect: %s" % effect for effect in MOBILE_SIDE_EFFECTS]
        self.moodle.add_diff(result, before, diff_after)
        return result

    @staticmethod
    def mobile_turns_on(before, after):
        return bool(after.get("mobile")) and not before.get("mobile")


def on_off(value):
    return "on" if value else "off"


def describe_changes(before, after):
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
    return changes


def main():
    moodle = MoodleModule(dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        protocols=dict(type="list", elements="str", default=["rest"]),
        exclusive=dict(type="bool", default=False),
        mobile=dict(type="bool"),
        services=dict(type="list", elements="str", default=[]),
    ), transport=True)
    moodle.run(lambda: WebServiceEnable(moodle).run())


if __name__ == "__main__":
    main()
