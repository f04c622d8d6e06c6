# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""local_eduauth (center-for-learning-management/moodle-local_eduauth, version 2019091000): an app's sign-in
through the Moodle login page, as recorded in the f13-* exchanges (f13-getuser-after, f13-connect-mydata, f13-launch,
... in ../shared/moodle-fixtures/). Its endpoints need no Moodle session: a token + appid pair is the credential. JSON
answers come as text/html (json_encode with JSON_NUMERIC_CHECK). The module's action: resources/eduauth.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import json
import os
import time

try:
    from urllib.parse import urlencode
except ImportError:  # pragma: no cover
    from urllib import urlencode

from ansible_collections.moodleops.auth.plugins.module_utils.errors import EduauthError, InvalidInputError
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import Page

LOGIN_PATH = "local/eduauth/login.php"
LAUNCH_PATH = "local/eduauth/launch.php"
CONNECT_PATH = "local/eduauth/connect.php"
ACTS = ("myData", "removeMe", "wstoken")     # the only acts the plugin knows (case-sensitive)
TOKEN_MAX = 40                               # local_eduauth.token is char(40)


def generate_token():
    """A strong token that fits the plugin's column: 40 hex characters (160 bits)."""
    return binascii.hexlify(os.urandom(TOKEN_MAX // 2)).decode("ascii")


def check_appid(appid):
    """local_eduauth rejects an appid with fewer than two dots (count(explode('.', $appid)) < 3)."""
    if not appid or len(appid.split(".")) < 3:
        raise InvalidInputError(
            "appid %r is not accepted by local_eduauth: it needs at least two dots (a reverse domain name such as "
            "at.example.myapp)." % (appid or ""),
            hint="Use the app's id in reverse domain notation.")
    if len(appid) > 40:
        raise InvalidInputError("appid is longer than local_eduauth stores (40 characters).", hint="Shorten appid.")


def check_token(token):
    """An app token fits local_eduauth.token (char(40)) and is not empty."""
    if not token or len(token) > TOKEN_MAX:
        raise InvalidInputError("app_token must have 1 to %d characters (local_eduauth.token is char(%d))." % (
            TOKEN_MAX, TOKEN_MAX), hint="Leave app_token unset with action login_url to get a strong one.")


def parse_answer(response, what):
    """The plugin's JSON answer (sent as text/html); a Moodle HTML page becomes an EduauthError with its text."""
    text = response.text.strip()
    if text.startswith("{") or text.startswith("["):
        try:
            return json.loads(text)
        except ValueError:
            pass
    page = Page(response.text)
    if response.status == 404 and not page.is_moodle:
        raise EduauthError("%s answered HTTP 404: local_eduauth is not installed on this site." % what,
                           hint="Install center-for-learning-management/moodle-local_eduauth (local/eduauth).")
    messages = page.error_messages + page.alerts
    if messages:
        raise EduauthError("local_eduauth refused %s: %s." % (what, "; ".join(messages)))
    raise EduauthError("%s answered HTTP %s with something that is not local_eduauth's JSON." % (what, response.status),
                       hint="Check url and that local_eduauth is installed.")


class Eduauth:
    """local_eduauth's endpoints on one site: the URLs a browser opens, getuser polls and connect.php calls."""

    def __init__(self, transport):
        self.transport = transport

    def url(self, path, params):
        """The site's URL of ``path`` with the query ``params`` (a list of pairs)."""
        return "%s/%s?%s" % (self.transport.base_url, path, urlencode(params))

    def login_url(self, token, appid):
        """The URL the user opens to log in for this token and appid (login.php)."""
        return self.url(LOGIN_PATH, [("token", token), ("appid", appid)])

    def launch_url(self, userid, token, appid, target):
        """The URL that opens ``target`` in Moodle logged in as the token's user (launch.php, url base64)."""
        encoded = base64.b64encode(target.encode("utf-8")).decode("ascii")
        return self.url(LAUNCH_PATH, [("userid", str(userid)), ("token", token), ("appid", appid), ("url", encoded)])

    def getuser(self, token, appid):
        """One poll: the user's data once (it is then redeemed), or None while no one has logged in."""
        response = self.transport.request("GET", LOGIN_PATH, params={"token": token, "appid": appid, "act": "getuser"},
                                          write=True, idempotent=False)
        answer = parse_answer(response, "GET %s?act=getuser" % LOGIN_PATH)
        if not isinstance(answer, dict):
            raise EduauthError("local_eduauth answered getuser with %r." % type(answer).__name__)
        if answer.get("error") == "no_data_for_token":
            return None
        if answer.get("error") == "user_does_not_exist":
            raise EduauthError("The user (id %s) who logged in with this token no longer exists in Moodle." %
                               answer.get("userid"))
        if answer.get("error"):
            raise EduauthError("local_eduauth answered getuser with the error %s." % answer["error"])
        return answer

    def wait_user(self, token, appid, timeout, interval, sleep=time.sleep, clock=time.time):
        """Poll getuser until someone logged in with this token: (the user's data, the number of polls)."""
        deadline = clock() + timeout
        polls = 0
        while True:
            polls += 1
            answer = self.getuser(token, appid)
            if answer is not None:
                return answer, polls
            if clock() + interval > deadline:
                raise EduauthError(
                    "No one logged in through the login URL of this token and appid within %s s (%d polls)." % (
                        timeout, polls),
                    hint="Open login_url in a browser and log in (any Moodle login, CAS included), or raise timeout. "
                         "The plugin's tokens never expire, so the same token can be waited for again.")
            sleep(interval)

    def call(self, userid, token, appid, data, callforward=None):
        """POST connect.php with ``data`` (act and its arguments): the plugin's answer; EduauthError for a refusal."""
        body = [("userid", str(userid)), ("token", token), ("appid", appid), ("data", json.dumps(data))]
        if callforward:
            body.append(("callforward", callforward))
        write = data.get("act") in ("removeMe", "wstoken")
        response = self.transport.request("POST", CONNECT_PATH, data=body, write=write)
        if response.is_redirect:
            raise EduauthError("connect.php redirected (HTTP %s): another user's session was ended first." %
                               response.status, hint="Run the task again.")
        answer = parse_answer(response, "POST %s" % CONNECT_PATH)
        if isinstance(answer, dict) and answer.get("error") == "invalid_login":
            raise EduauthError(
                "local_eduauth refused the token for user %s and appid %s (invalid_login): the token is wrong, was "
                "removed (removeMe), or belongs to another user or app." % (userid, appid),
                errorcode="invalid_login",
                hint="Get a new token: action login_url, the user logs in, action wait_user.")
        if isinstance(answer, dict) and answer.get("error"):
            raise EduauthError("local_eduauth answered: %s." % answer["error"],
                               hint="callforward names a plugin (<type>_<name>) that ships an eduauth.php.")
        return answer
