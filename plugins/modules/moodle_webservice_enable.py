#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: moodle_webservice_enable
short_description: Switch Moodle web services, their protocols, the mobile service and external services on or off
version_added: 0.1.0
description:
  - Ensures Moodle's web services master switch (C(enablewebservices)), the enabled protocols (REST, SOAP),
    optionally the mobile web service (C(enablemobilewebservice)) and a list of external services are as desired.
  - Reads first and writes only what differs; every write is verified by reading the state back, because
    Moodle's protocol links redirect the same way whether they worked or not.
  - A second run changes nothing and makes no write request. Check mode only reads.
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
    description: Shows the switches, protocols and services before and after.
options:
  state:
    description:
      - V(present) turns web services on, V(absent) turns them off (only the master switch, and the mobile
        service when O(mobile=false); protocols and services are left as they are).
    type: str
    choices: [present, absent]
    default: present
  protocols:
    description:
      - Web service protocols to enable (C(rest), C(soap)). Protocols not listed are left alone unless
        O(exclusive=true). Ignored with O(state=absent).
      - REST answers only when both web services and C(rest) are on.
    type: list
    elements: str
    default: [rest]
  exclusive:
    description:
      - Disable every enabled protocol that O(protocols) does not list.
    type: bool
    default: false
  mobile:
    description:
      - Ensure the mobile web service (C(enablemobilewebservice)) is on (V(true)) or off (V(false)); omitted
        leaves it untouched.
      - "With O(transport=http), switching it on the way Moodle's admin page does has side effects: Moodle also
        enables web services, adds C(rest) to the protocols, enables the C(moodle_mobile_app) service and grants
        C(webservice/rest:use) to the Authenticated user role, so every user can call REST with a mobile token.
        The diff shows these effects under C(side_effects)."
      - With O(transport=cli), C(cfg.php) only stores the value; none of those side effects happen (a warning says so).
    type: bool
  services:
    description:
      - External services to ensure enabled, by shortname (for example C(moodle_mobile_app)), or by name for
        services that have none (auth_userkey's built-in C(User key authentication web service)).
      - Needs O(transport=http); unknown services fail before any write, listing the site's services.
    type: list
    elements: str
    default: []
notes:
  - Needs a site administrator account (O(auth_method=password)); a token cannot change admin settings.
seealso:
  - module: moodleops.auth.moodle_info
"""

EXAMPLES = r"""
- name: Turn on web services and REST
  moodleops.auth.moodle_webservice_enable:
    url: https://moodle.example.edu
    username: admin
    password: "{{ moodle_admin_password }}"

- name: REST only (SOAP off), and the services our integrations use
  moodleops.auth.moodle_webservice_enable:
    url: https://moodle.example.edu
    username: admin
    password: "{{ moodle_admin_password }}"
    protocols: [rest]
    exclusive: true
    services:
      - moodle_mobile_app
      - User key authentication web service

- name: On the Moodle host itself, through admin/cli/cfg.php
  moodleops.auth.moodle_webservice_enable:
    transport: cli
    moodle_root: /var/www/moodle
  become: true
  become_user: www-data

- name: Switch web services off
  moodleops.auth.moodle_webservice_enable:
    url: https://moodle.example.edu
    username: admin
    password: "{{ moodle_admin_password }}"
    state: absent
"""

RETURN = r"""
web_services:
  description: The state after the task (in check mode, the state the task would leave).
  returned: success
  type: dict
  contains:
    enabled:
      description: Whether web services are on (C(enablewebservices)).
      type: bool
      sample: true
    mobile:
      description: Whether the mobile web service is on; null when it could not be read.
      type: bool
      sample: false
    protocols:
      description: Enabled protocols.
      type: list
      elements: str
      sample: [rest]
    services:
      description: The services named in O(services), with their state.
      type: list
      elements: dict
      sample: [{"id": 1, "name": "Moodle mobile web service", "shortname": "moodle_mobile_app", "enabled": true}]
changes:
  description: What the task changed (or would change in check mode), one line each.
  returned: success
  type: list
  elements: str
  sample: ["enablewebservices: off -> on", "protocol rest: disabled -> enabled"]
debug:
  description: Request counts of this task.
  returned: always
  type: dict
  sample: {"http_requests": 7, "http_writes": 0, "transport": "http"}
"""

from ansible_collections.moodleops.auth.plugins.module_utils.module import MoodleModule
from ansible_collections.moodleops.auth.plugins.module_utils.resources.webservice import WEBSERVICE_OPTIONS, WebServiceSwitches


def main():
    moodle = MoodleModule(WEBSERVICE_OPTIONS, transport=True, name="moodle_webservice_enable")
    moodle.converge(WebServiceSwitches)


if __name__ == "__main__":
    main()
