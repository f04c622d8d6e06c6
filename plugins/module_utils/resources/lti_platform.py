# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One LTI 1.3 platform registration of Moodle as a tool (enrol_lti), with auth_lti and frame embedding on: what
moodle_lti_platform and moodle_site's lti_platforms section converge (the pages: moodle/lti.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from urllib.parse import parse_qs, urlsplit
except ImportError:  # pragma: no cover
    from urlparse import parse_qs, urlsplit

from ansible_collections.moodleops.auth.plugins.module_utils.converge import Resource
from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError, MoodleError
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.auth_plugins import HttpAuthPlugins
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.lti import (
    FIELDS,
    PLATFORM_OPTIONS,
    URL_OPTIONS,
    LtiTool,
)
from ansible_collections.moodleops.auth.plugins.module_utils.site.section import Section

FRAME_KEY = "allowframembedding"
FRAME_SECTION = "httpsecurity"
PLUGINS = ("enrol_lti", "auth_lti", "allowframembedding")   # in the order their change lines come

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


class LtiPlatform(Resource):
    """The plugins LTI needs and one platform registration. The state is {"plugins": {plugin: on?},
    "registration": the registration (with its tool URLs under "tool") or None}."""

    name = "registration"

    def __init__(self, moodle):
        Resource.__init__(self, moodle)
        self._regid = None          # the registration apply created or updated (verify reads it back)
        self._plugins_found = None  # the plugins as read back right after switching them on

    @property
    def tool(self):
        """The LTI tool pages of the site (moodle/lti.py), on the run's client."""
        return self.driver(LtiTool)

    # -- the protocol ------------------------------------------------------------------------------------------
    def check_options(self):
        """A name, all five platform fields or none of them, complete http(s) URLs."""
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

    def read(self):
        """The plugins' switches and the registration of this name (or issuer + client ID), or None."""
        return {"plugins": self.read_plugins(), "registration": self.find(self.tool.registrations())}

    def desired(self, before):
        """The plugins switched on (enable_plugins, state present); the registration with the given values (a new
        one: only those values), or None for state absent."""
        plugins = dict(before["plugins"])
        if self.params["enable_plugins"] and self.params["state"] == "present":
            plugins.update((key, True) for key in PLUGINS)
        registration = None
        if self.params["state"] == "present":
            current = before["registration"]
            registration = dict(current or {}, **self.wanted_values())
            self.reveal_token(registration if current is not None else None)
        return {"plugins": plugins, "registration": registration}

    def action(self, before, after):
        """"create", "delete" or "update" of the registration ("update" also when only plugins are switched on)."""
        found, wanted = before["registration"], after["registration"]
        if found is None and wanted is not None:
            return "create"
        if found is not None and wanted is None:
            return "delete"
        return "update" if self.describe(before, after) else None

    def describe(self, before, after):
        """"<plugin>: enabled" for each plugin switched on, then "registration <name>: created / deleted / <the
        fields that change>"."""
        lines = ["%s: enabled" % key for key in PLUGINS if after["plugins"][key] and not before["plugins"][key]]
        found, wanted = before["registration"], after["registration"]
        if found is None and wanted is not None:
            lines.append("registration %s: created" % wanted["name"])
        elif found is not None and wanted is None:
            lines.append("registration %s: deleted" % found["name"])
        elif found is not None and fields_changed(found, wanted):
            lines.append("registration %s: %s" % (found["name"], ", ".join(fields_changed(found, wanted))))
        return lines

    def apply(self, plan):
        """Switch the plugins on (read back at once: a registration is not touched when that failed), then create,
        update or delete the registration."""
        todo = [key for key in PLUGINS if plan.after["plugins"][key] and not plan.before["plugins"][key]]
        if todo:
            self.switch_on(todo)
        found, wanted = plan.before["registration"], plan.after["registration"]
        if wanted is None:
            if found is not None:
                self.tool.delete(found["id"])
        elif found is None:
            values = self.wanted_values()
            self._regid = self.tool.create(values["name"])
            if len(values) > 1:
                self.tool.update(self._regid, values)
        elif fields_changed(found, wanted):
            values = dict((option, found.get(option)) for option, _field, _label in FIELDS)
            values.update(self.wanted_values())
            self.tool.update(found["id"], values)
            self._regid = found["id"]

    def verify(self, plan):
        """The registration as read back (created, updated or gone), MoodleError naming what did not stick."""
        found, wanted = plan.before["registration"], plan.after["registration"]
        registration = found
        if wanted is None:
            if found is not None and self.find(self.tool.registrations()) is not None:
                raise MoodleError("Moodle did not delete the registration %s (read back)." % found["name"])
            registration = None
        elif self._regid is not None:
            registration = self.tool.registration(self._regid)
            values = self.wanted_values()
            wrong = [option for option, value in values.items() if registration.get(option) != value]
            if wrong:
                raise MoodleError("Moodle did not store %s of the registration %s (read back)." % (
                    ", ".join(wrong), values["name"]))
            self.reveal_token(registration)
        plugins = self._plugins_found if self._plugins_found is not None else plan.before["plugins"]
        return {"plugins": plugins, "registration": registration}

    def result(self, plan):
        """registration (without its URLs), tool (its URLs) and plugins after the run."""
        registration = shown(plan)
        return {
            "registration": public(registration),
            "tool": registration.get("tool") if registration else None,
            "plugins": plan.after["plugins"],
        }

    def diff(self, plan):
        """The plugins and the registration (without its URLs) before and after."""
        return ({"plugins": plan.before["plugins"], "registration": public(plan.before["registration"])},
                {"plugins": plan.after["plugins"], "registration": public(shown(plan))})

    # -- helpers ---------------------------------------------------------------------------------------------
    def wanted_values(self):
        """{option: value} the options give for the registration: name and the platform fields set."""
        values = {"name": self.params["name"].strip()}
        for option in PLATFORM_OPTIONS:
            if self.params.get(option):
                values[option] = self.params[option].strip()
        return values

    def find(self, registrations):
        """The registration of this name, else the one of this issuer and client ID (renamed then), else None."""
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

    def read_plugins(self):
        """{"enrol_lti", "auth_lti", "allowframembedding": on?} as the site has them."""
        auth = HttpAuthPlugins(self.moodle.client).read()
        frame = self.moodle.settings.read(FRAME_SECTION, [FRAME_KEY])[FRAME_KEY]
        return {"enrol_lti": self.tool.enrol_lti_enabled(), "auth_lti": "lti" in auth["enabled"],
                "allowframembedding": frame == "1"}

    def switch_on(self, todo):
        """Switch on the plugins in ``todo`` and read them back; MoodleError when one stayed off."""
        if "enrol_lti" in todo:
            self.tool.set_enrol_lti(True)
        if "auth_lti" in todo:
            HttpAuthPlugins(self.moodle.client).set_enabled("lti", True)
        if "allowframembedding" in todo:
            self.moodle.settings.write(FRAME_SECTION, {FRAME_KEY: "1"})
            self.moodle.settings.forget()
        self._plugins_found = self.read_plugins()
        failed = [key for key in todo if not self._plugins_found[key]]
        if failed:
            raise MoodleError("Moodle did not switch on %s (read back after the change)." % ", ".join(failed),
                              hint="Check that the account is a site administrator and retry.")

    def reveal_token(self, registration):
        """The dynamic registration URL's token is the registration's public unique id (also in login_url's id=),
        not a secret: kept in the result although it looks like token=..."""
        url = ((registration or {}).get("tool") or {}).get("registration_url")
        if url:
            self.moodle.reveal(parse_qs(urlsplit(url).query).get("token", [""])[0])


def fields_changed(found, wanted):
    """The registration's options (sorted) whose values differ between two states of it."""
    return sorted(option for option, _field, _label in FIELDS if found.get(option) != wanted.get(option))


def shown(plan):
    """The registration the result shows: None for one not created yet (check mode: its id and URLs are unknown)."""
    registration = plan.after["registration"]
    if registration is not None and "id" not in registration:
        return None
    return registration


def public(registration):
    """A registration without its tool URLs (those are returned apart, as tool)."""
    if registration is None:
        return None
    return dict((key, value) for key, value in registration.items() if key != "tool")


# -- the site description's section ---------------------------------------------------------------------------------
SECTION = Section("lti_platforms", order=80, role="sso", module="moodle_lti_platform", options=LTI_PLATFORM_OPTIONS,
                  resource=LtiPlatform, label=lambda entry: "%s" % entry.get("name"))
