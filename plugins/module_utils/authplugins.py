# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication plugins: which are installed, which are enabled and in what order."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from urllib.parse import parse_qs, urlsplit
except ImportError:  # pragma: no cover
    from urlparse import parse_qs, urlsplit

MANAGE_SECTION = "manageauths"
# Always on and not listed in $CFG->auth.
ALWAYS_ENABLED = ("manual", "nologin")


def _toggle_links(page):
    for link in page.links_matching(r"(^|/)auth\.php\?"):
        query = dict((key, values[0]) for key, values in parse_qs(urlsplit(link.href).query).items())
        if query.get("auth") and query.get("action") in ("enable", "disable"):
            yield query["auth"], query["action"]


class HttpAuthPlugins:
    def __init__(self, client):
        self.client = client

    def read(self):
        """{'enabled': [in auth order], 'available': [installed, not enabled]} from Manage authentication."""
        page = self.client.page("admin/settings.php", params={"section": MANAGE_SECTION})
        enabled, available = [], []
        for name, action in _toggle_links(page):
            (enabled if action == "disable" else available).append(name)
        return {"enabled": enabled, "available": available}


class CliAuthPlugins:
    def __init__(self, settings):
        self.settings = settings

    def read(self):
        value = self.settings.read(MANAGE_SECTION, ["auth"])["auth"] or ""
        return {"enabled": [name for name in value.split(",") if name], "available": None}
