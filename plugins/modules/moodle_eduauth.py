#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: moodle_eduauth
short_description: App sign-in through local_eduauth - login URL, waiting for the user, launch URLs, calls
version_added: 0.2.0
description:
  - Drives the plugin C(local_eduauth) (center-for-learning-management/moodle-local_eduauth), with which an app
    signs a user in through Moodle's own login page (any auth method, CAS included) and then acts for that user
    with a token and its app id.
  - V(login_url) returns the URL to open in the user's browser for O(app_token) and O(appid); without O(app_token)
    it generates a strong one (40 hex characters) and returns both. It asks the site once with a throw-away token
    whether the plugin is installed and accepts the appid; nothing is written.
  - V(wait_user) polls C(login.php?act=getuser) until the user has logged in through that URL, or O(timeout); it
    returns C(userid), C(sitename) and C(wwwroot). The plugin hands these out once (the token is then redeemed).
  - V(launch_url) returns C(launch.php) with the target URL base64-encoded, which logs the user in and redirects.
  - V(call) posts to C(connect.php) with O(act) (the plugin knows exactly V(myData), V(removeMe) and V(wstoken)),
    O(data) and optional O(callforward).
  - The endpoints need no Moodle account, so O(username) and O(password) are not used.
author:
  - moodleops.auth contributors (@moodleops)
extends_documentation_fragment:
  - moodleops.auth.connection
attributes:
  check_mode:
    support: partial
    description: Actions that write nothing run as usual; the others are skipped.
    details:
      - V(login_url) and V(launch_url) write nothing and run as usual. V(wait_user) and V(call) are not run in check
        mode (polling redeems the user's data, calls act for the user).
  diff_mode:
    support: none
    description: Nothing to compare (actions, not a state).
options:
  action:
    description: What to do.
    type: str
    required: true
    choices: [login_url, wait_user, launch_url, call]
  app_token:
    description:
      - The plugin's C(token) (named so because O(token) is the web service token of the connection options).
        At most 40 characters.
      - Required except for V(login_url), which generates one when it is not given.
      - The plugin's tokens never expire; remove one with O(action=call) and O(act=removeMe).
    type: str
  appid:
    description:
      - The app's id, in reverse domain notation (C(at.example.myapp)). The plugin rejects an appid with fewer than
        two dots; so does the module, before any request.
    type: str
    required: true
  userid:
    description: The Moodle user id V(wait_user) returned. Required for V(launch_url) and V(call).
    type: int
  target_url:
    description: For V(launch_url), where the user lands after the login (an absolute URL of the site).
    type: str
  act:
    description:
      - For V(call). V(myData) returns the user (C(email), C(firstname), C(lastname), C(pictureurl), C(userid),
        C(username)); V(wstoken) returns a web service token of the user for the C(moodle_mobile_app) service (the
        mobile web service must be enabled); V(removeMe) deletes the user's rows of this token.
      - V(removeMe) ignores C(onlyappid) and C(onlytoken) (a bug of the plugin). It deletes every row of the current
        user with the request's token, whatever O(data) says.
    type: str
    choices: [myData, removeMe, wstoken]
  data:
    description: For V(call), more keys of the JSON C(data) sent with O(act).
    type: dict
    default: {}
  callforward:
    description:
      - For V(call), C(<type>_<name>) of a plugin that ships C(eduauth.php) with a C(<type>_<name>_eduauth::callforward())
        method; the plugin answers C(invalid plugin specified) otherwise.
    type: str
  timeout:
    description: For V(wait_user), seconds to wait for the login (at least 1; also the timeout of each HTTP answer).
    type: int
    default: 300
  poll_interval:
    description: For V(wait_user), seconds between two polls.
    type: float
    default: 2
notes:
  - A valid token logs its user into a server session on every V(call) and V(launch_url) (the plugin's design).
  - Treat C(app_token), C(login_url), C(launch_url) and C(wstoken) as secrets (C(no_log) on the task) - the token
    never expires and gives access to the user's account.
  - The plugin is from 2019 (version 2019091000); the module is tested against recordings of it on Moodle 4.5.
seealso:
  - module: moodleops.auth.moodle_userkey_url
"""

EXAMPLES = r"""
- name: A login URL for the app
  moodleops.auth.moodle_eduauth:
    action: login_url
    appid: at.example.myapp
  register: eduauth
  no_log: true

- name: Wait until the user has logged in through it
  moodleops.auth.moodle_eduauth:
    action: wait_user
    app_token: "{{ eduauth.app_token }}"
    appid: at.example.myapp
    timeout: 600
  register: eduauth_user

- name: The user's data
  moodleops.auth.moodle_eduauth:
    action: call
    app_token: "{{ eduauth.app_token }}"
    appid: at.example.myapp
    userid: "{{ eduauth_user.userid }}"
    act: myData
  register: me
  no_log: true

- name: A web service token of the user (mobile service)
  moodleops.auth.moodle_eduauth:
    action: call
    app_token: "{{ eduauth.app_token }}"
    appid: at.example.myapp
    userid: "{{ eduauth_user.userid }}"
    act: wstoken
  register: user_ws
  no_log: true
"""

RETURN = r"""
app_token:
  description: The token (given or generated).
  returned: action is login_url
  type: str
login_url:
  description: C(/local/eduauth/login.php?token=...&appid=...).
  returned: action is login_url
  type: str
launch_url:
  description: C(/local/eduauth/launch.php?userid=...&token=...&appid=...&url=<base64>).
  returned: action is launch_url
  type: str
userid:
  description: The id of the user who logged in.
  returned: action is wait_user (not in check mode)
  type: int
sitename:
  description: The site's full name.
  returned: action is wait_user (not in check mode)
  type: str
wwwroot:
  description: The site's wwwroot.
  returned: action is wait_user (not in check mode)
  type: str
polls:
  description: How many times V(wait_user) asked.
  returned: action is wait_user
  type: int
reply:
  description: The plugin's JSON answer to V(call) (C(wstoken) masked; it is returned as RV(wstoken)).
  returned: action is call (not in check mode)
  type: dict
user:
  description: The user, for O(act=myData).
  returned: action is call and act is myData
  type: dict
wstoken:
  description: The web service token, for O(act=wstoken) (none when the mobile service is off).
  returned: action is call and act is wstoken
  type: str
"""

from ansible_collections.moodleops.auth.plugins.module_utils.module import MoodleModule
from ansible_collections.moodleops.auth.plugins.module_utils.resources.eduauth import EDUAUTH_OPTIONS, EduauthAction


def main():
    moodle = MoodleModule(EDUAUTH_OPTIONS, name="moodle_eduauth")
    moodle.perform(EduauthAction)


if __name__ == "__main__":
    main()
