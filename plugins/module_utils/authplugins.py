# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication plugins: which are installed, which are enabled and in what order; switching and moving them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib

from ansible_collections.moodleops.auth.plugins.module_utils.converge import Resource
from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    InvalidInputError,
    MoodleError,
    PluginNotInstalledError,
    WriteNotAppliedError,
)
from ansible_collections.moodleops.auth.plugins.module_utils.input_checks import boolean_control_problem
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.facts import PAGELESS_SETTINGS, is_secret_setting
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import query_of
from ansible_collections.moodleops.auth.plugins.module_utils.redact import MASK
from ansible_collections.moodleops.auth.plugins.module_utils.settings import field_name, moodle_value

MANAGE_SECTION = "manageauths"
AUTH_PATH = "admin/auth.php"
# Always on and never listed in $CFG->auth.
ALWAYS_ENABLED = ("manual", "nologin")


def _toggle_links(page):
    for link in page.links_matching(r"(^|/)auth\.php\?"):
        query = query_of(link.href)
        if query.get("auth") and query.get("action") in ("enable", "disable"):
            yield query["auth"], query["action"]


class HttpAuthPlugins:
    """Site administration > Plugins > Authentication > Manage authentication, and its admin/auth.php links.
    The links redirect the same way whether they worked or not: callers read back."""

    def __init__(self, client):
        self.client = client

    def read(self):
        """{'enabled': [in auth order], 'available': [installed, not enabled]}."""
        page = self.client.page("admin/settings.php", params={"section": MANAGE_SECTION})
        self.client.require_element(page, "admin/settings.php", "manageauthtable",
                                    "the table of authentication plugins (table#manageauthtable)")
        enabled, available = [], []
        for name, action in _toggle_links(page):
            (enabled if action == "disable" else available).append(name)
        return {"enabled": enabled, "available": available}

    def installed(self):
        state = self.read()
        return set(state["enabled"]) | set(state["available"]) | set(ALWAYS_ENABLED)

    def _action(self, name, action):
        response = self.client.get(AUTH_PATH, write=True, follow=False,
                                   params={"sesskey": self.client.sesskey, "action": action, "auth": name})
        if response.status not in (200, 303):
            raise MoodleError("admin/auth.php?action=%s&auth=%s answered HTTP %s." % (action, name, response.status))

    def set_enabled(self, name, enabled):
        self._action(name, "enable" if enabled else "disable")

    def set_order(self, order):
        """Move plugins one step at a time until the enabled order equals ``order``."""
        for _attempt in range(len(order) * len(order) + 1):
            current = self.read()["enabled"]
            if current == order:
                return
            for index, name in enumerate(order):
                if current[index] != name:
                    self._action(name, "up")
                    break
        raise MoodleError("Moving authentication plugins did not reach the order %s." % ", ".join(order))


class CliAuthPlugins:
    """$CFG->auth through admin/cli/cfg.php (installed = the plugin has a version in config_plugins)."""

    def __init__(self, settings):
        self.settings = settings

    def read(self):
        value = self.settings.read(MANAGE_SECTION, ["auth"])["auth"] or ""
        return {"enabled": [name for name in value.split(",") if name], "available": None}

    def installed(self):
        return None  # answered per plugin by is_installed

    def is_installed(self, name):
        return name in ALWAYS_ENABLED or self.settings.read(None, ["auth_%s/version" % name])["auth_%s/version" % name] is not None

    def set_order(self, order):
        self.settings.write(MANAGE_SECTION, {"auth": ",".join(order)})


# -- moodle_auth_plugin as a converge resource -----------------------------------------------------------------------

SIDE_EFFECTS = {
    ("userkey", "updateuser", "1"): "userkey updateuser=1 switches every user it updates to the userkey auth method "
                                    "(they can no longer log in with their password).",
}


class AuthPluginResource(Resource):
    """One auth plugin: enabled or not, its place in the auth order, its settings (http or cfg.php).
    States are {"order": [enabled plugins in order], "settings": {name: stored value}}."""

    def __init__(self, moodle):
        Resource.__init__(self, moodle)
        self.name = self.params["name"].strip()
        if self.name.startswith("auth_"):
            self.name = self.name[len("auth_"):]
        if self.params["position"] is not None:
            if self.params["state"] != "enabled":
                raise InvalidInputError("position needs state: enabled.")
            if self.params["position"] < 1:
                raise InvalidInputError("position counts from 1 (the first plugin of the auth order).")
        self.wanted = dict((key, moodle_value(value)) for key, value in self.params["settings"].items())
        for key, value in self.wanted.items():
            if is_secret_setting(key):
                moodle.redact.add(value)
        self.cli = moodle.transport == "cli"
        self.plugins = CliAuthPlugins(moodle.settings) if self.cli else HttpAuthPlugins(moodle.client)
        self.section = "authsetting%s" % self.name
        self.component = "auth_%s" % self.name

    def key(self, setting):
        return "%s/%s" % (self.component, setting)

    def lock_name(self):
        # One lock for every auth plugin: enabling or moving any of them rewrites the one auth order setting.
        return "auth_plugins", "order"

    # -- reading -------------------------------------------------------------------------------------------------
    def read(self):
        order = self.plugins.read()
        if self.params["state"] == "disabled" and not self.wanted and not self.is_installed(order):
            # Nothing to disable: a plugin that is not installed (auth_cas on Moodle 5.x) is never enabled.
            self.moodle.warn("auth_%s is not installed on the site: it is not enabled, nothing to do." % self.name)
            return {"order": order["enabled"], "settings": {}}
        self.check_installed(order)
        if self.name in ALWAYS_ENABLED:
            self.check_always_enabled()
        settings = self.read_settings()
        self.check_choices()
        return {"order": order["enabled"], "settings": settings}

    def is_installed(self, order):
        if self.cli:
            return self.plugins.is_installed(self.name)
        return self.name in set(order["enabled"]) | set(order["available"]) | set(ALWAYS_ENABLED)

    def check_always_enabled(self):
        """manual and nologin are always on and never part of the auth order ($CFG->auth)."""
        if self.params["state"] == "disabled":
            raise InvalidInputError("auth_%s is always enabled in Moodle and cannot be disabled." % self.name,
                                    hint="Leave state out (or enabled) for %s; only its settings can change." % self.name)
        if self.params["position"] is not None:
            raise InvalidInputError("auth_%s is always enabled and has no place in the auth order: drop position."
                                    % self.name)

    def check_installed(self, order):
        if not self.is_installed(order):
            raise PluginNotInstalledError(
                "The authentication plugin auth_%s is not installed on the site." % self.name,
                hint="Install it (its code in auth/%s, then the upgrade), or check name." % self.name)

    def read_settings(self):
        if not self.wanted:
            return {}
        if not self.cli and self.name in PAGELESS_SETTINGS:
            raise InvalidInputError(
                "auth_%s has no settings page on Moodle 4.2 and later: %s can only be set with transport: cli." % (
                    self.name, ", ".join(PAGELESS_SETTINGS[self.name])),
                hint="Run the task on the Moodle host with transport: cli and moodle_root (become_user: the web "
                     "server user).")
        valid = self.valid_settings()
        unknown = sorted(set(self.wanted) - set(valid))
        if unknown:
            raise InvalidInputError("Unknown settings of auth_%s: %s." % (
                self.name, "; ".join(self.unknown_setting(name, valid) for name in unknown)),
                hint="Valid settings: %s. Nothing was written." % ", ".join(sorted(valid)))
        values = self.moodle.settings.read(self.section, [self.key(name) for name in self.wanted])
        return dict((name, values[self.key(name)]) for name in self.wanted)

    def unknown_setting(self, name, valid):
        """settings.<name>, not a setting of the plugin, with the closest valid name when there is one."""
        close = difflib.get_close_matches(name, list(valid), n=1, cutoff=0.6)
        return "settings.%s%s" % (name, " (did you mean %s?)" % close[0] if close else "")

    def valid_settings(self):
        if self.cli:
            stored = set(self.moodle.settings.available(component=self.component)) - {"version"}
            return stored | set(PAGELESS_SETTINGS.get(self.name, ()))
        prefix = field_name(self.key(""))
        return [name[len(prefix):] for name in self.moodle.settings.available(self.section) if name.startswith(prefix)]

    def check_choices(self):
        """Each value against its control on the settings page (http), before any write: a boolean (YAML's reading
        of an unquoted yes/no/on/off/true/false) only for a checkbox or a select of 0 and 1; a select's value one
        of its options."""
        if self.cli or not self.wanted:  # no settings asked for: no settings page to read (apilogin has none)
            return
        form = self.moodle.settings.section_form(self.section)
        problems = []
        for name in sorted(self.wanted):
            field = field_name(self.key(name))
            given = self.params["settings"][name]
            problem = boolean_control_problem(form, field, given, name)
            if problem:
                problems.append("settings.%s %s" % (name, problem))
                continue
            control = form.control(field)
            value = self.wanted[name]
            if control is not None and control.tag == "select" and not control.multiple:
                options = [option for option, _label, _selected in control.options]
                if value not in options:
                    problems.append("settings.%s must be one of %s, not %s" % (name, ", ".join(options), value))
        if problems:
            raise InvalidInputError("Settings of auth_%s that its settings page cannot take: %s." % (
                self.name, "; ".join(problems)), hint="Nothing was written.")

    # -- desired ---------------------------------------------------------------------------------------------------
    def desired(self, before):
        order = before["order"]
        if self.name in ALWAYS_ENABLED:
            return {"order": list(order), "settings": dict(before["settings"], **self.setting_changes(before))}
        enabled = [name for name in order if name != self.name]
        if self.params["state"] == "disabled":
            new_order = enabled
        elif self.params["state"] == "enabled" or self.name in order:
            if self.params["position"] is not None:
                enabled.insert(min(self.params["position"], len(enabled) + 1) - 1, self.name)
            elif self.name in order:
                enabled = list(order)
            else:
                enabled.append(self.name)
            new_order = enabled
        else:
            new_order = enabled
        return {"order": new_order, "settings": dict(before["settings"], **self.setting_changes(before))}

    def setting_changes(self, before):
        return dict((name, value) for name, value in self.wanted.items() if before["settings"][name] != value)

    def check(self, before, after):
        changes = self.setting_changes(before)
        for (plugin, name, value), warning in SIDE_EFFECTS.items():
            if plugin == self.name and changes.get(name) == value:
                self.moodle.warn(warning)

    def describe(self, before, after):
        changes = []
        old_order, new_order = before["order"], after["order"]
        was, will = self.name in old_order, self.name in new_order
        if was != will:
            changes.append("auth_%s: %s" % (self.name, "enabled" if will else "disabled"))
        elif will and old_order != new_order:
            changes.append("auth order: %s -> %s" % (",".join(old_order), ",".join(new_order)))
        setting_changes = self.setting_changes(before)
        for name in sorted(setting_changes):
            old = MASK if is_secret_setting(name) and before["settings"][name] else before["settings"][name]
            new = MASK if is_secret_setting(name) else setting_changes[name]
            changes.append("%s: %s -> %s" % (self.key(name), old, new))
        return changes

    # -- writing ---------------------------------------------------------------------------------------------------
    def apply(self, plan):
        old_order, new_order = plan.before["order"], plan.after["order"]
        setting_changes = self.setting_changes(plan.before)
        if setting_changes:
            self.moodle.settings.write(self.section, dict((self.key(name), value) for name, value in setting_changes.items()))
        if old_order == new_order:
            return
        if self.cli:
            self.plugins.set_order(new_order)
            return
        if self.name in old_order and self.name not in new_order:
            self.plugins.set_enabled(self.name, False)
        elif self.name not in old_order and self.name in new_order:
            self.plugins.set_enabled(self.name, True)
        self.plugins.set_order(new_order)

    def verify(self, plan):
        order_found = self.plugins.read()
        self.moodle.settings.forget()
        found_settings = self.read_settings()
        setting_changes = self.setting_changes(plan.before)
        wrong = [name for name in setting_changes if found_settings[name] != setting_changes[name]]
        if order_found["enabled"] != plan.after["order"] or wrong:
            raise WriteNotAppliedError(
                "Moodle answered normally but reading back shows %s." % "; ".join(
                    (["auth order %s" % ",".join(order_found["enabled"])]
                     if order_found["enabled"] != plan.after["order"] else [])
                    + ["%s not saved" % name for name in wrong]),
                hint="A setting may be forced in config.php ($CFG->auth or forced_plugin_settings).")
        return {"order": order_found["enabled"], "settings": found_settings}

    # -- reporting -------------------------------------------------------------------------------------------------
    def state_of(self, state):
        order = state["order"]
        enabled = self.name in order or self.name in ALWAYS_ENABLED
        position = order.index(self.name) + 1 if self.name in order else None
        settings = dict((name, MASK if is_secret_setting(name) and value not in (None, "") else value)
                        for name, value in state["settings"].items())
        return {"name": self.name, "enabled": enabled, "position": position, "settings": settings}

    def result(self, plan):
        return {"plugin": self.state_of(plan.after), "auth_order": plan.after["order"]}

    def diff(self, plan):
        return self.state_of(plan.before), self.state_of(plan.after)


AUTH_PLUGIN_OPTIONS = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", choices=["enabled", "disabled"]),
    position=dict(type="int"),
    settings=dict(type="dict", default={}, no_log=False),
)
