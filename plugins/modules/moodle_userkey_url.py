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

from ansible_collections.moodleops.auth.plugins.module_utils.module import MoodleModule
from ansible_collections.moodleops.auth.plugins.module_utils.resources.userkey import (
    USERKEY_URL_MUTUALLY_EXCLUSIVE,
    USERKEY_URL_OPTIONS,
    UserkeyUrl,
)


def main():
    moodle = MoodleModule(USERKEY_URL_OPTIONS, mutually_exclusive=USERKEY_URL_MUTUALLY_EXCLUSIVE,
                          name="moodle_userkey_url")
    moodle.perform(UserkeyUrl)


if __name__ == "__main__":
    main()
