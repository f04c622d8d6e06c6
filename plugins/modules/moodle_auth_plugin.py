#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: moodle_auth_plugin
short_description: Enable, order and configure a Moodle authentication plugin
version_added: 0.1.0
description:
  - Ensures an authentication plugin (C(userkey), C(apilogin), C(cas), C(lti), C(email), ...) is enabled or disabled,
    at a given place in the site's authentication order, with the given settings.
  - Only settings that differ are written, compared the way Moodle stores them (booleans as C(1)/C(0), numbers as
    text). Unknown setting names fail before any write, listing the valid ones read from the site. A plugin that
    is not installed fails naming it.
  - >-
    The enable/disable/move links of Moodle's admin page redirect the same way whether they worked or not: every
    write is verified by reading back.
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
    description: Shows state, position and settings before and after; secret settings are masked.
options:
  name:
    description: The plugin's name without C(auth_), for example C(userkey).
    type: str
    required: true
  state:
    description: V(enabled) or V(disabled). Omitted leaves it as it is (settings only).
    type: str
    choices: [enabled, disabled]
  position:
    description:
      - Place in the order of enabled plugins, 1 being the first. Needs O(state=enabled).
    type: int
  settings:
    description:
      - The plugin's settings by name (the part after C(auth_<name>/)), for example for C(userkey)
        C(mappingfield), C(keylifetime), C(iprestriction), C(ipwhitelist), C(redirecturl), C(ssourl),
        C(createuser), C(updateuser).
      - Secret settings (C(apikey), C(bind_pw), anything named like a password or secret) are never shown.
      - "auth_apilogin has no settings page on Moodle 4.2 and later: its C(apikey) and C(allowipaddr) can only be
        set with O(transport=cli)."
      - "Side effects to know: userkey's C(updateuser=1) switches every user it updates to the C(userkey) auth
        method (they can then no longer log in with their password); userkey's C(ssourl) sends the login page to that
        address (Moodle's own login stays at C(/login/index.php?enrolkey_skipsso=1))."
    type: dict
    default: {}
notes:
  - With O(transport=http) it needs a site administrator account (O(auth_method=password)).
seealso:
  - module: moodleops.auth.moodle_info
"""

EXAMPLES = r"""
- name: auth_userkey, first in the order, mapping users by username
  moodleops.auth.moodle_auth_plugin:
    name: userkey
    state: enabled
    position: 1
    settings:
      mappingfield: username
      keylifetime: 60
      iprestriction: false
      createuser: false
      updateuser: false

- name: auth_apilogin's secret, on the Moodle host (it has no settings page)
  moodleops.auth.moodle_auth_plugin:
    name: apilogin
    state: enabled
    transport: cli
    moodle_root: /var/www/moodle
    settings:
      apikey: "{{ vault_apilogin_secret }}"
      allowipaddr: 192.0.2.10
  become: true
  become_user: www-data
"""

RETURN = r"""
plugin:
  description: The plugin after the task (in check mode, as it would be).
  returned: success
  type: dict
  contains:
    name:
      description: Name.
      type: str
    enabled:
      description: Enabled.
      type: bool
    position:
      description: Place in the enabled order (1 = first); null when disabled.
      type: int
    settings:
      description: The settings named in O(settings), as Moodle stores them; secrets masked.
      type: dict
  sample: {"name": "userkey", "enabled": true, "position": 1, "settings": {"mappingfield": "username"}}
auth_order:
  description: The enabled plugins in order, after the task.
  returned: success
  type: list
  elements: str
changes:
  description: What changed (or would change), one line each.
  returned: success
  type: list
  elements: str
debug:
  description: Request counts of this task.
  returned: always
  type: dict
"""

import re

from ansible_collections.moodleops.auth.plugins.module_utils.authplugins import CliAuthPlugins, HttpAuthPlugins
from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    InvalidInputError,
    PluginNotInstalledError,
    WriteNotAppliedError,
)
from ansible_collections.moodleops.auth.plugins.module_utils.module import MoodleModule
from ansible_collections.moodleops.auth.plugins.module_utils.settings import field_name, moodle_value

MASK = "********"
SECRET_NAME = re.compile(r"(^|_)(apikey|secret|password|passwd|pw|bind_pw|token)$")
# Settings of plugins whose settings pages do not exist: what cfg.php can set.
PAGELESS_SETTINGS = {"apilogin": ("apikey", "allowipaddr")}
SIDE_EFFECTS = {
    ("userkey", "updateuser", "1"): "userkey updateuser=1 switches every user it updates to the userkey auth method "
                                    "(they can no longer log in with their password).",
}


def is_secret(name):
    return bool(SECRET_NAME.search(name))


class AuthPluginTask:
    def __init__(self, moodle):
        self.moodle = moodle
        self.params = moodle.params
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
            if is_secret(key):
                moodle.redact.add(value)
        if moodle.transport == "cli":
            self.plugins = CliAuthPlugins(moodle.settings)
        else:
            self.plugins = HttpAuthPlugins(moodle.client)
        self.section = "authsetting%s" % self.name
        self.component = "auth_%s" % self.name

    def key(self, setting):
        return "%s/%s" % (self.component, setting)

    def check_installed(self, order):
        if self.moodle.transport == "cli":
            installed = self.plugins.is_installed(self.name)
        else:
            installed = self.name in set(order["enabled"]) | set(order["available"]) | {"manual", "nologin"}
        if not installed:
            raise PluginNotInstalledError(
                "The authentication plugin auth_%s is not installed on the site." % self.name,
                hint="Install it (its code in auth/%s, then the upgrade), or check name." % self.name)

    def read_settings(self):
        if not self.wanted:
            return {}
        if self.moodle.transport == "http" and self.name in PAGELESS_SETTINGS:
            raise InvalidInputError(
                "auth_%s has no settings page on Moodle 4.2 and later: %s can only be set with transport: cli." % (
                    self.name, ", ".join(PAGELESS_SETTINGS[self.name])),
                hint="Run the task on the Moodle host with transport: cli and moodle_root (become_user: the web "
                     "server user).")
        valid = self.valid_settings()
        unknown = sorted(set(self.wanted) - set(valid))
        if unknown:
            raise InvalidInputError("auth_%s has no settings %s." % (self.name, ", ".join(unknown)),
                                    hint="Valid settings: %s." % ", ".join(sorted(valid)))
        values = self.moodle.settings.read(self.section, [self.key(name) for name in self.wanted])
        return dict((name, values[self.key(name)]) for name in self.wanted)

    def valid_settings(self):
        if self.moodle.transport == "cli":
            stored = set(self.moodle.settings.available(component=self.component)) - {"version"}
            return stored | set(PAGELESS_SETTINGS.get(self.name, ()))
        prefix = field_name(self.key(""))
        return [name[len(prefix):] for name in self.moodle.settings.available(self.section) if name.startswith(prefix)]

    def check_choices(self):
        """Select settings accept only their options (http: read from the page)."""
        if self.moodle.transport != "http":
            return
        form = self.moodle.settings.section_form(self.section)
        for name, value in self.wanted.items():
            control = form.control(field_name(self.key(name)))
            if control is not None and control.tag == "select" and not control.multiple:
                options = [option for option, _label, _selected in control.options]
                if value not in options:
                    raise InvalidInputError("settings.%s must be one of %s, not %s." % (name, ", ".join(options), value))

    def state_of(self, order, settings):
        enabled = self.name in order["enabled"] or self.name in ("manual", "nologin")
        position = order["enabled"].index(self.name) + 1 if self.name in order["enabled"] else None
        return {"name": self.name, "enabled": enabled, "position": position, "settings": self.masked(settings)}

    def masked(self, settings):
        return dict((name, MASK if is_secret(name) and value not in (None, "") else value)
                    for name, value in settings.items())

    def desired_order(self, order):
        enabled = [name for name in order["enabled"] if name != self.name]
        if self.params["state"] == "disabled":
            return enabled
        if self.params["state"] == "enabled" or self.name in order["enabled"]:
            if self.params["position"] is not None:
                enabled.insert(min(self.params["position"], len(enabled) + 1) - 1, self.name)
            elif self.name in order["enabled"]:
                enabled = list(order["enabled"])
            else:
                enabled.append(self.name)
        return enabled

    def run(self):
        order = self.plugins.read()
        self.check_installed(order)
        settings_before = self.read_settings()
        self.check_choices()
        new_order = self.desired_order(order)
        setting_changes = dict((name, value) for name, value in self.wanted.items() if settings_before[name] != value)
        before = self.state_of(order, settings_before)
        after_settings = dict(settings_before, **setting_changes)
        after = self.state_of({"enabled": new_order}, after_settings)
        changes = self.describe(order["enabled"], new_order, settings_before, setting_changes)
        for (plugin, name, value), warning in SIDE_EFFECTS.items():
            if plugin == self.name and setting_changes.get(name) == value:
                self.moodle.module.warn(warning)
        if changes and not self.moodle.check_mode:
            self.apply(order["enabled"], new_order, setting_changes)
            order_found = self.plugins.read()
            self.moodle.settings.forget()
            found_settings = self.read_settings()
            wrong = [name for name in setting_changes if found_settings[name] != setting_changes[name]]
            if order_found["enabled"] != new_order or wrong:
                raise WriteNotAppliedError(
                    "Moodle answered normally but reading back shows %s." % "; ".join(
                        (["auth order %s" % ",".join(order_found["enabled"])] if order_found["enabled"] != new_order else [])
                        + ["%s not saved" % name for name in wrong]),
                    hint="A setting may be forced in config.php ($CFG->auth or forced_plugin_settings).")
            after = self.state_of(order_found, found_settings)
            new_order = order_found["enabled"]
        result = {"changed": bool(changes), "changes": changes, "plugin": after, "auth_order": new_order}
        if changes:
            self.moodle.add_diff(result, before, after)
        return result

    def describe(self, old_order, new_order, settings_before, setting_changes):
        changes = []
        was, will = self.name in old_order, self.name in new_order
        if was != will:
            changes.append("auth_%s: %s" % (self.name, "enabled" if will else "disabled"))
        elif will and old_order != new_order:
            changes.append("auth order: %s -> %s" % (",".join(old_order), ",".join(new_order)))
        for name in sorted(setting_changes):
            old = MASK if is_secret(name) and settings_before[name] else settings_before[name]
            new = MASK if is_secret(name) else setting_changes[name]
            changes.append("%s: %s -> %s" % (self.key(name), old, new))
        return changes

    def apply(self, old_order, new_order, setting_changes):
        if setting_changes:
            self.moodle.settings.write(self.section, dict((self.key(name), value) for name, value in setting_changes.items()))
        if old_order == new_order:
            return
        if self.moodle.transport == "cli":
            self.plugins.set_order(new_order)
            return
        if self.name in old_order and self.name not in new_order:
            self.plugins.set_enabled(self.name, False)
        elif self.name not in old_order and self.name in new_order:
            self.plugins.set_enabled(self.name, True)
        self.plugins.set_order(new_order)


def main():
    moodle = MoodleModule(dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["enabled", "disabled"]),
        position=dict(type="int"),
        settings=dict(type="dict", default={}, no_log=False),
    ), transport=True)
    moodle.run(lambda: AuthPluginTask(moodle).run())


if __name__ == "__main__":
    main()
