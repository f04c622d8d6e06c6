# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""moodle_auth_plugin: one authentication plugin (enabled or not, its place in the auth order, its settings) as a
converge resource, and its options."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.moodleops.auth.plugins.module_utils.converge import Resource
from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    InvalidInputError,
    PluginNotInstalledError,
    WriteNotAppliedError,
)
from ansible_collections.moodleops.auth.plugins.module_utils.input_checks import boolean_control_problem, did_you_mean
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.admin_settings import field_name, moodle_value
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.auth_plugins import (
    ALWAYS_ENABLED,
    CliAuthPlugins,
    HttpAuthPlugins,
)
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.facts import PAGELESS_SETTINGS, is_secret_setting
from ansible_collections.moodleops.auth.plugins.module_utils.redact import MASK
from ansible_collections.moodleops.auth.plugins.module_utils.site.section import Section

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
        self.wanted = dict((key, moodle_value(value)) for key, value in self.params["settings"].items())
        for key, value in self.wanted.items():
            if is_secret_setting(key):
                moodle.redact.add(value)
        self.cli = moodle.transport == "cli"
        self._plugins = None
        self.section = "authsetting%s" % self.name
        self.component = "auth_%s" % self.name

    def check_options(self):
        if self.params["position"] is not None:
            if self.params["state"] != "enabled":
                raise InvalidInputError("position needs state: enabled.")
            if self.params["position"] < 1:
                raise InvalidInputError("position counts from 1 (the first plugin of the auth order).")

    @property
    def plugins(self):
        """The auth plugins' driver of the transport (made on first use: check_options runs before the client
        exists)."""
        if self._plugins is None:
            self._plugins = CliAuthPlugins(self.moodle.settings) if self.cli else HttpAuthPlugins(self.moodle.client)
        return self._plugins

    def key(self, setting):
        """The full setting name of one of the plugin's settings (auth_<name>/<setting>)."""
        return "%s/%s" % (self.component, setting)

    def lock_name(self):
        """One lock for every auth plugin: ("auth_plugins", "order")."""
        # One lock for every auth plugin: enabling or moving any of them rewrites the one auth order setting.
        return "auth_plugins", "order"

    # -- reading -------------------------------------------------------------------------------------------------
    def read(self):
        """The auth order and the settings asked for, both checked; disabling a missing plugin only warns."""
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
        """Whether the plugin is installed (``order``: what the driver read)."""
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
        """Raise PluginNotInstalledError when the plugin is not installed."""
        if not self.is_installed(order):
            raise PluginNotInstalledError(
                "The authentication plugin auth_%s is not installed on the site." % self.name,
                hint="Install it (its code in auth/%s, then the upgrade), or check name." % self.name)

    def read_settings(self):
        """{setting: stored value} of the settings asked for, after checking that the plugin has them."""
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
        return "settings.%s%s" % (name, did_you_mean(name, valid))

    def valid_settings(self):
        """The names of the plugin's settings: its settings page's fields (http), or its stored config values and
        the page-less ones (cli)."""
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
        """The order with the plugin out (disabled) or in it, at position or appended (enabled); the settings."""
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
        """{setting: wanted value} of the settings that differ from ``before``."""
        return dict((name, value) for name, value in self.wanted.items() if before["settings"][name] != value)

    def check(self, before, after):
        """Warn about setting changes with side effects (SIDE_EFFECTS); raises nothing."""
        changes = self.setting_changes(before)
        for (plugin, name, value), warning in SIDE_EFFECTS.items():
            if plugin == self.name and changes.get(name) == value:
                self.moodle.warn(warning)

    def describe(self, before, after):
        """Enabled/disabled or the new auth order, then one line per changed setting (secrets masked)."""
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
        """Write the changed settings, then the order (http: enabling or disabling the plugin first)."""
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
        """Read back the auth order and the changed settings (settings read anew) and compare them with the plan."""
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
        """The plugin as the module returns it (name, enabled, position, settings with secrets masked)."""
        order = state["order"]
        enabled = self.name in order or self.name in ALWAYS_ENABLED
        position = order.index(self.name) + 1 if self.name in order else None
        settings = dict((name, MASK if is_secret_setting(name) and value not in (None, "") else value)
                        for name, value in state["settings"].items())
        return {"name": self.name, "enabled": enabled, "position": position, "settings": settings}

    def result(self, plan):
        """The plugin as state_of shows it, and the auth order."""
        return {"plugin": self.state_of(plan.after), "auth_order": plan.after["order"]}

    def diff(self, plan):
        """The plugin before and after as state_of shows it (secrets masked)."""
        return self.state_of(plan.before), self.state_of(plan.after)


AUTH_PLUGIN_OPTIONS = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", choices=["enabled", "disabled"]),
    position=dict(type="int"),
    settings=dict(type="dict", default={}, no_log=False),
)


# -- the site description's section ---------------------------------------------------------------------------------
def plugin_name(entry):
    """The plugin name of a description entry, without its auth_ prefix."""
    return re.sub("^auth_", "", "%s" % entry.get("name"))


def auth_plugin_entry(entries, index):
    """The description's reading of an auth_plugins entry: absent means disabled; manual and nologin are always on
    (no state, no place); an enabled entry without position gets its place among the enabled ones."""
    entry = dict(entries[index])
    state = entry.get("state")
    if state == "absent":
        entry["state"] = "disabled"
    elif state == "enabled" and plugin_name(entry) in ALWAYS_ENABLED:
        entry.pop("state")
    if entry.get("position") is None and entry.get("state") == "enabled":
        entry["position"] = len([other for other in entries[:index + 1] if other.get("state") == "enabled"
                                 and plugin_name(other) not in ALWAYS_ENABLED])
    return entry


SECTION = Section("auth_plugins", order=60, role="sso", module="moodle_auth_plugin", options=AUTH_PLUGIN_OPTIONS,
                  resource=AuthPluginResource, label=lambda entry: "%s" % entry.get("name"), transport=True,
                  prepare=auth_plugin_entry)
