#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: moodle_userkey_url
short_description: Get a one-time login URL for a user from auth_userkey
version_added: 0.1.0
description:
  - Calls C(auth_userkey_request_login_url) (Catalyst's auth_userkey plugin) with a web service token and returns
    the one-time login URL for the user, optionally landing on a URL, a course or an activity.
  - Each call creates a one-time key, so the module always reports C(changed=true); in check mode it makes no call.
  - The key expires after the plugin's C(keylifetime) and works once; with the plugin's IP restriction on, only from
    O(ip).
author:
  - moodleops.auth contributors (@moodleops)
extends_documentation_fragment:
  - moodleops.auth.connection
attributes:
  check_mode:
    support: full
    description: Makes no call (a call creates a key) and reports the change it would make.
  diff_mode:
    support: none
    description: Nothing to compare; a new key is created each time.
options:
  user:
    description:
      - The user, as the plugin maps it. Must hold the field the plugin is configured to map by (its
        C(mappingfield) setting, C(username), C(email) or C(idnumber)).
      - When the plugin creates or updates users (C(createuser), C(updateuser)), also C(firstname), C(lastname),
        C(email), C(username) and other profile fields.
    type: dict
    required: true
  ip:
    description: The address the user will open the URL from; required when the plugin's IP restriction is on.
    type: str
  wants_url:
    description: Where the user lands after logging in (a URL of the site).
    type: str
  course_id:
    description: Land on this course.
    type: int
  activity:
    description: Land on this activity.
    type: dict
    suboptions:
      modname:
        description: The activity module, for example C(quiz).
        type: str
        required: true
      cmid:
        description: The course module id.
        type: int
        required: true
notes:
  - >-
    RV(login_url) logs the user in; put C(no_log: true) on the task and hand it only to that user.
  - "The token's user needs C(webservice/rest:use) and C(auth/userkey:generatekey), and must be authorised on the
    plugin's C(User key authentication web service) (see M(moodleops.auth.moodle_role),
    M(moodleops.auth.moodle_external_service) and M(moodleops.auth.moodle_token))."
seealso:
  - module: moodleops.auth.moodle_auth_plugin
"""

EXAMPLES = r"""
- name: A login URL for teacher1, landing on course 7
  moodleops.auth.moodle_userkey_url:
    url: https://moodle.example.edu
    token: "{{ sso_token }}"
    user:
      username: teacher1
    course_id: 7
  register: sso
  no_log: true
"""

RETURN = r"""
login_url:
  description: The one-time login URL (sensitive). Null in check mode.
  returned: success
  type: str
  sample: https://moodle.example.edu/auth/userkey/login.php?key=0123...&wantsurl=https%3A%2F%2Fmoodle.example.edu%2Fcourse%2Fview.php%3Fid%3D7
wants_url:
  description: Where the user lands, when asked.
  returned: success
  type: str
debug:
  description: Request counts of this task.
  returned: always
  type: dict
"""

try:
    from urllib.parse import urlencode
except ImportError:  # pragma: no cover
    from urllib import urlencode

from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    AccessDeniedError,
    InvalidInputError,
    MoodleApiError,
    PluginNotInstalledError,
)
from ansible_collections.moodleops.auth.plugins.module_utils.module import MoodleModule

FUNCTION = "auth_userkey_request_login_url"


class UserkeyUrl:
    def __init__(self, moodle):
        self.moodle = moodle
        self.params = moodle.params
        if not self.params["token"]:
            raise InvalidInputError("moodle_userkey_url calls a web service: it needs token (or MOODLE_TOKEN).")
        if not self.params["user"]:
            raise InvalidInputError("user is empty.", hint="Give at least the field auth_userkey maps users by.")

    def landing(self):
        base = self.moodle.client.base_url
        if self.params["wants_url"]:
            return self.params["wants_url"]
        if self.params["course_id"] is not None:
            return "%s/course/view.php?id=%d" % (base, self.params["course_id"])
        if self.params["activity"]:
            return "%s/mod/%s/view.php?id=%d" % (base, self.params["activity"]["modname"], self.params["activity"]["cmid"])
        return None

    def run(self):
        wants = self.landing()
        result = {"changed": True, "login_url": None, "wants_url": wants}
        if self.moodle.check_mode:
            return result
        user = dict(self.params["user"])
        if self.params["ip"]:
            user["ip"] = self.params["ip"]
        try:
            answer = self.moodle.client.rest(FUNCTION, {"user": user})
        except MoodleApiError as error:
            raise self.explain(error)
        except AccessDeniedError as error:
            raise self.explain(error)
        url = answer.get("loginurl")
        if not url:
            raise MoodleApiError("%s answered without a loginurl." % FUNCTION)
        if wants:
            url = "%s&%s" % (url, urlencode({"wantsurl": wants}))
        key = url.split("key=", 1)[-1].split("&", 1)[0]
        self.moodle.redact.add(key)
        self.moodle.reveal(key)
        self.moodle.reveal(url)
        result["login_url"] = url
        return result

    def explain(self, error):
        detail = " Moodle said: %s" % error.message
        if error.errorcode == "accessexception":
            error.hint = ("auth_userkey must be enabled (moodleops.auth.moodle_auth_plugin), the token's user needs "
                          "webservice/rest:use, the token must be for the 'User key authentication web service' (which "
                          "has the function), and the user must be authorised on it.")
        elif error.errorcode == "nopermissions":
            error.hint = "The token's user lacks auth/userkey:generatekey: grant it through a role (moodleops.auth.moodle_role)."
        elif error.errorcode in ("invalidrecord", "invalidrecordunknown"):
            return PluginNotInstalledError("The function %s does not exist: auth_userkey is not installed." % FUNCTION,
                                           error.errorcode)
        elif error.errorcode == "invalidparameter":
            return InvalidInputError(
                "auth_userkey refused the user.%s" % detail, error.errorcode,
                hint="Usually one of: user lacks the field the plugin maps by (its mappingfield: username, email or "
                     "idnumber); no such user and the plugin's createuser is off; createuser is on but username, "
                     "email, firstname or lastname is missing; the plugin's iprestriction is on and ip is not given. "
                     "Turn on Moodle's debugging to see which.")
        return error


def main():
    moodle = MoodleModule(dict(
        user=dict(type="dict", required=True),
        ip=dict(type="str"),
        wants_url=dict(type="str"),
        course_id=dict(type="int"),
        activity=dict(type="dict", options=dict(modname=dict(type="str", required=True),
                                                cmid=dict(type="int", required=True))),
    ), mutually_exclusive=[["wants_url", "course_id", "activity"]], name="moodle_userkey_url")
    moodle.run(lambda: UserkeyUrl(moodle).run())


if __name__ == "__main__":
    main()
