# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One LTI 1.3 platform registration of Moodle as a tool (enrol_lti), with auth_lti and frame embedding on: what
moodle_lti_platform and moodle_site's lti_platforms section converge."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from urllib.parse import parse_qs, urlsplit
except ImportError:  # pragma: no cover
    from urlparse import parse_qs, urlsplit

from ansible_collections.moodleops.auth.plugins.module_utils.authplugins import HttpAuthPlugins
from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError, MoodleError
from ansible_collections.moodleops.auth.plugins.module_utils.lti import (
    FIELDS,
    PLATFORM_OPTIONS,
    URL_OPTIONS,
    LtiTool,
)

FRAME_KEY = "allowframembedding"
FRAME_SECTION = "httpsecurity"

LTI_PLATFORM_OPTIONS = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    platform_id=dict(type="str"),
    client_id=dict(type="str"),
    authentication_request_url=dict(type="str"),
    jwks_url=dict(type="str"),
    access_token_url=dict(type="str", no_log=False),   # a URL, not a secret
    enable_plugins=dict(type="bool", default=True),
)


class LtiPlatform:
    def __init__(self, moodle):
        self.moodle = moodle
        self.params = moodle.params
        self.changes = []

    def validate(self):
        params = self.params
        if not (params.get("name") or "").strip():
            raise InvalidInputError("name must not be empty.", hint="Give the platform's name.")
        given = [option for option in PLATFORM_OPTIONS if params.get(option)]
        if given and len(given) != len(PLATFORM_OPTIONS) and params["state"] == "present":
            missing = [option for option in PLATFORM_OPTIONS if option not in given]
            raise InvalidInputError(
                "The platform details form needs all five platform fields; missing: %s." % ", ".join(missing),
                hint="Give platform_id, client_id, authentication_request_url, jwks_url and access_token_url "
                     "together, or only name for a pending registration.")
        for option in URL_OPTIONS:
            value = params.get(option)
            if value and (urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc):
                raise InvalidInputError("%s must be a complete http(s) URL, not %r." % (option, value),
                                        hint="Copy it from the platform's tool configuration.")

    def desired(self):
        values = {"name": self.params["name"].strip()}
        for option in PLATFORM_OPTIONS:
            if self.params.get(option):
                values[option] = self.params[option].strip()
        return values

    def find(self, registrations):
        name = self.params["name"].strip()
        for reg in registrations:
            if reg["name"] == name:
                return reg
        issuer, client_id = self.params.get("platform_id"), self.params.get("client_id")
        if issuer and client_id:
            for reg in registrations:
                if reg["platform_id"] == issuer and reg["client_id"] == client_id:
                    return reg
        return None

    # -- plugins ---------------------------------------------------------------------------------------------
    def read_plugins(self, tool):
        auth = HttpAuthPlugins(self.moodle.client).read()
        frame = self.moodle.settings.read(FRAME_SECTION, [FRAME_KEY])[FRAME_KEY]
        return {"enrol_lti": tool.enrol_lti_enabled(), "auth_lti": "lti" in auth["enabled"],
                "allowframembedding": frame == "1"}

    def ensure_plugins(self, tool, before):
        if not self.params["enable_plugins"] or self.params["state"] != "present":
            return before
        todo = [key for key in ("enrol_lti", "auth_lti", "allowframembedding") if not before[key]]
        if not todo:
            return before
        self.changes.extend("%s: enabled" % key for key in todo)
        if self.moodle.check_mode:
            return dict(before, **dict((key, True) for key in todo))
        if "enrol_lti" in todo:
            tool.set_enrol_lti(True)
        if "auth_lti" in todo:
            HttpAuthPlugins(self.moodle.client).set_enabled("lti", True)
        if "allowframembedding" in todo:
            self.moodle.settings.write(FRAME_SECTION, {FRAME_KEY: "1"})
            self.moodle.settings.forget()
        after = self.read_plugins(tool)
        failed = [key for key in todo if not after[key]]
        if failed:
            raise MoodleError("Moodle did not switch on %s (read back after the change)." % ", ".join(failed),
                              hint="Check that the account is a site administrator and retry.")
        return after

    # -- the registration -----------------------------------------------------------------------------------
    def run(self):
        self.validate()
        tool = LtiTool(self.moodle.client)
        plugins_before = self.read_plugins(tool)
        plugins = self.ensure_plugins(tool, plugins_before)
        registrations = tool.registrations()
        before = self.find(registrations)
        after = before
        if self.params["state"] == "absent":
            if before is not None:
                self.changes.append("registration %s: deleted" % before["name"])
                if not self.moodle.check_mode:
                    tool.delete(before["id"])
                    if self.find(tool.registrations()) is not None:
                        raise MoodleError("Moodle did not delete the registration %s (read back)." % before["name"])
                after = None
        else:
            desired = self.desired()
            if before is None:
                self.changes.append("registration %s: created" % desired["name"])
                after = None
                if not self.moodle.check_mode:
                    regid = tool.create(desired["name"])
                    if len(desired) > 1:
                        tool.update(regid, desired)
                    after = tool.registration(regid)
            else:
                differ = [option for option, value in desired.items() if before.get(option) != value]
                if differ:
                    self.changes.append("registration %s: %s" % (before["name"], ", ".join(sorted(differ))))
                    if self.moodle.check_mode:
                        after = dict(before, **desired)
                    else:
                        values = dict((option, before.get(option)) for option, _field, _label in FIELDS)
                        values.update(desired)
                        tool.update(before["id"], values)
                        after = tool.registration(before["id"])
            if after is not None and not self.moodle.check_mode:
                wrong = [option for option, value in desired.items() if after.get(option) != value]
                if wrong:
                    raise MoodleError("Moodle did not store %s of the registration %s (read back)." % (
                        ", ".join(wrong), desired["name"]))
        if after and after["tool"].get("registration_url"):
            # the dynamic registration URL's token is the registration's public unique id (also in login_url's
            # id=), not a secret: kept in the result although it looks like token=...
            token = parse_qs(urlsplit(after["tool"]["registration_url"]).query).get("token", [""])[0]
            self.moodle.reveal(token)
        result = {
            "changed": bool(self.changes),
            "changes": self.changes,
            "registration": _public(after),
            "tool": after.get("tool") if after else None,
            "plugins": plugins,
        }
        if self.moodle.diff_wanted:
            result["diff"] = {"before": {"plugins": plugins_before, "registration": _public(before)},
                              "after": {"plugins": plugins, "registration": _public(after)}}
        return result


def _public(reg):
    if reg is None:
        return None
    return dict((key, value) for key, value in reg.items() if key != "tool")
