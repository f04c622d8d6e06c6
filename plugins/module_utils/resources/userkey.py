# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""moodle_userkey_url: a one-time auth_userkey login URL as an action, and its options (the web service:
moodle/userkey.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.moodleops.auth.plugins.module_utils.converge import Action
from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.userkey import (
    login_key,
    request_login_url,
    with_wants_url,
)

USERKEY_URL_OPTIONS = dict(
    user=dict(type="dict", required=True),
    ip=dict(type="str"),
    wants_url=dict(type="str"),
    course_id=dict(type="int"),
    activity=dict(type="dict", options=dict(modname=dict(type="str", required=True),
                                            cmid=dict(type="int", required=True))),
)
USERKEY_URL_MUTUALLY_EXCLUSIVE = [["wants_url", "course_id", "activity"]]


class UserkeyUrl(Action):
    """A one-time login URL for a user: each run makes a new key on the site (check mode: none, login_url null)."""

    changes_site = True

    def check_options(self):
        """A token (the URL comes from a web service) and a user to map."""
        if not self.params["token"]:
            raise InvalidInputError("moodle_userkey_url calls a web service: it needs token (or MOODLE_TOKEN).")
        if not self.params["user"]:
            raise InvalidInputError("user is empty.", hint="Give at least the field auth_userkey maps users by.")

    def landing(self):
        """Where the user lands after the login: wants_url, the course's or the activity's page, or None."""
        base = self.moodle.client.base_url
        if self.params["wants_url"]:
            return self.params["wants_url"]
        if self.params["course_id"] is not None:
            return "%s/course/view.php?id=%d" % (base, self.params["course_id"])
        if self.params["activity"]:
            return "%s/mod/%s/view.php?id=%d" % (base, self.params["activity"]["modname"], self.params["activity"]["cmid"])
        return None

    def preview(self):
        """Check mode: changed (a run makes a key), no login URL."""
        return {"changed": True, "login_url": None, "wants_url": self.landing()}

    def run(self):
        """A new login URL (returned although secret: it is what the module is for, its key stays out of messages)."""
        wants = self.landing()
        user = dict(self.params["user"])
        if self.params["ip"]:
            user["ip"] = self.params["ip"]
        url = with_wants_url(request_login_url(self.moodle.client, user), wants)
        key = login_key(url)
        self.moodle.redact.add(key)
        self.moodle.reveal(key)
        self.moodle.reveal(url)
        return {"changed": True, "login_url": url, "wants_url": wants}
