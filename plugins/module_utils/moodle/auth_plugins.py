# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication plugins, the Moodle side: which are installed, which are enabled and in what order (Manage
authentication, or $CFG->auth through admin/cli/cfg.php); switching and moving them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.moodleops.auth.plugins.module_utils.errors import MoodleError
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import toggle_links

MANAGE_SECTION = "manageauths"
AUTH_PATH = "admin/auth.php"
# Always on and never listed in $CFG->auth.
ALWAYS_ENABLED = ("manual", "nologin")


def parse_auth_toggles(page):
    """(plugin, "enable" or "disable") for each toggle link of Manage authentication, in page order: a "disable"
    link belongs to an enabled plugin, listed in the auth order."""
    return toggle_links(page, r"(^|/)auth\.php\?", "auth")


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
        for name, action in parse_auth_toggles(page):
            (enabled if action == "disable" else available).append(name)
        return {"enabled": enabled, "available": available}

    def installed(self):
        """Every installed plugin (enabled, available, always enabled)."""
        state = self.read()
        return set(state["enabled"]) | set(state["available"]) | set(ALWAYS_ENABLED)

    def _action(self, name, action):
        response = self.client.get(AUTH_PATH, write=True, follow=False,
                                   params={"sesskey": self.client.sesskey, "action": action, "auth": name})
        if response.status not in (200, 303):
            raise MoodleError("admin/auth.php?action=%s&auth=%s answered HTTP %s." % (action, name, response.status))

    def set_enabled(self, name, enabled):
        """Enable or disable one plugin through its admin/auth.php link."""
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
        """{'enabled': [$CFG->auth in order], 'available': None (cfg.php does not list plugins)}."""
        value = self.settings.read(MANAGE_SECTION, ["auth"])["auth"] or ""
        return {"enabled": [name for name in value.split(",") if name], "available": None}

    def installed(self):
        """None: cfg.php does not list plugins, is_installed answers per plugin."""
        return None

    def is_installed(self, name):
        """Whether the plugin is installed (it has a version in config_plugins, or is always enabled)."""
        return name in ALWAYS_ENABLED or self.settings.read(None, ["auth_%s/version" % name])["auth_%s/version" % name] is not None

    def set_order(self, order):
        """Write $CFG->auth: the enabled plugins in ``order``."""
        self.settings.write(MANAGE_SECTION, {"auth": ",".join(order)})
