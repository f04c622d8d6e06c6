# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""moodle_eduauth: an app's sign-in through local_eduauth (a login URL, waiting for the user, a launch URL, a call
for the user) as an action, and its options (the endpoints: moodle/eduauth.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.moodleops.auth.plugins.module_utils.converge import Action
from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.eduauth import (
    ACTS,
    Eduauth,
    check_appid,
    check_token,
    generate_token,
)

EDUAUTH_OPTIONS = dict(
    action=dict(type="str", required=True, choices=["login_url", "wait_user", "launch_url", "call"]),
    app_token=dict(type="str", no_log=True),
    appid=dict(type="str", required=True),
    userid=dict(type="int"),
    target_url=dict(type="str"),
    act=dict(type="str", choices=list(ACTS)),
    data=dict(type="dict", default={}),
    callforward=dict(type="str"),
    timeout=dict(type="int", default=300),
    poll_interval=dict(type="float", default=2),
)

# the options each action needs besides appid
NEEDS = {
    "wait_user": ("app_token",),
    "launch_url": ("app_token", "userid", "target_url"),
    "call": ("app_token", "userid", "act"),
}


class EduauthAction(Action):
    """One local_eduauth act of the module: login_url and launch_url only build URLs (they run in check mode too);
    wait_user redeems the login and call may change the site (both skipped in check mode)."""

    @property
    def changes_site(self):
        """wait_user and call act on the site; login_url and launch_url do not."""
        return self.params["action"] in ("wait_user", "call")

    def check_options(self):
        """The options the action needs, an appid and token local_eduauth accepts, data without act, sane timing."""
        params = self.params
        action = params["action"]
        missing = [name for name in NEEDS.get(action, ()) if params.get(name) in (None, "")]
        if missing:
            raise InvalidInputError("action %s needs %s." % (action, " and ".join(missing)),
                                    hint="Give them as options (userid comes from action wait_user).")
        check_appid(params["appid"])
        if params.get("app_token") is not None:
            check_token(params["app_token"])
        if action == "call" and "act" in (params.get("data") or {}):
            raise InvalidInputError("data must not hold act: give it as the option act.", hint="Remove data.act.")
        if action == "wait_user" and (params["timeout"] < 0 or params["poll_interval"] <= 0):
            raise InvalidInputError("timeout must be >= 0 and poll_interval > 0.", hint="Fix timeout/poll_interval.")

    def eduauth(self):
        """The plugin's endpoints on the run's connection."""
        return Eduauth(self.moodle.client.transport)

    def preview(self):
        """Check mode of wait_user and call: nothing is sent; changed says whether the run would change something."""
        params = self.params
        self.eduauth()
        self.moodle.redact.add(params.get("app_token"))
        return {"changed": params["action"] != "call" or params["act"] == "removeMe", "skipped_in_check_mode": True}

    def run(self):
        """The action's result keys: the URL and token, the user who logged in, or the plugin's reply."""
        params = self.params
        action = params["action"]
        eduauth = self.eduauth()
        token = params.get("app_token")
        if action == "login_url":
            token = token or generate_token()
            self.moodle.redact.add(token)
            self.moodle.reveal(token)
            # a throw-away token: the plugin must answer and accept the appid (nothing is stored or redeemed)
            eduauth.getuser(generate_token(), params["appid"])
            return {"changed": False, "app_token": token, "login_url": eduauth.login_url(token, params["appid"])}
        self.moodle.redact.add(token)
        if action == "launch_url":
            self.moodle.reveal(token)
            return {"changed": False,
                    "launch_url": eduauth.launch_url(params["userid"], token, params["appid"], params["target_url"])}
        if action == "wait_user":
            answer, polls = eduauth.wait_user(token, params["appid"], params["timeout"], params["poll_interval"])
            return {"changed": True, "userid": answer.get("userid"), "sitename": answer.get("sitename"),
                    "wwwroot": answer.get("wwwroot"), "polls": polls}
        data = dict(params.get("data") or {})
        data["act"] = params["act"]
        reply = eduauth.call(params["userid"], token, params["appid"], data, params.get("callforward"))
        result = {"changed": params["act"] == "removeMe", "reply": reply}
        if params["act"] == "myData" and isinstance(reply, dict):
            result["user"] = reply.get("user")
        if params["act"] == "wstoken" and isinstance(reply, dict):
            wstoken = reply.get("wstoken")
            if wstoken:
                self.moodle.redact.add(wstoken)
                self.moodle.reveal(wstoken)
                result["reply"] = dict(reply, wstoken="********")
            result["wstoken"] = wstoken
        return result
