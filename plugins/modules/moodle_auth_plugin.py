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

from ansible_collections.moodleops.auth.plugins.module_utils.module import MoodleModule
from ansible_collections.moodleops.auth.plugins.module_utils.resources.auth_plugins import AUTH_PLUGIN_OPTIONS, AuthPluginResource


def main():
    moodle = MoodleModule(AUTH_PLUGIN_OPTIONS, transport=True, name="moodle_auth_plugin")
    moodle.converge(AuthPluginResource)


if __name__ == "__main__":
    main()
