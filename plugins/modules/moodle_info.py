#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: moodle_info
short_description: Read facts about a Moodle site's authentication side
version_added: 0.1.0
description:
  - Reads, without changing anything, the site's release, its enabled authentication plugins (in order), the
    web services switches and protocols, and its external services.
  - With a site administrator account (O(auth_method=password)) it reads the admin pages. With only a token it
    reports what C(core_webservice_get_site_info) tells. With O(transport=cli) it reads C(admin/cli/cfg.php).
author:
  - moodleops.auth contributors (@moodleops)
extends_documentation_fragment:
  - moodleops.auth.connection
  - moodleops.auth.connection.TRANSPORT
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to diff.
options:
  gather:
    description:
      - Which facts to read. V(site) is always read. V(services) costs one request per service (their shortnames
        are only on their edit pages).
    type: list
    elements: str
    choices: [all, site, auth, webservices, services]
    default: [all]
"""

EXAMPLES = r"""
- name: What does the site have?
  moodleops.auth.moodle_info:
    url: https://moodle.example.edu
    username: admin
    password: "{{ moodle_admin_password }}"
  register: moodle

- name: Fail early when REST is off
  ansible.builtin.assert:
    that:
      - moodle.web_services.enabled
      - moodle.web_services.protocols.rest
    fail_msg: Run moodleops.auth.moodle_webservice_enable first.

- name: Only the release and the auth plugins
  moodleops.auth.moodle_info:
    url: https://moodle.example.edu
    username: admin
    password: "{{ moodle_admin_password }}"
    gather: [auth]
"""

RETURN = r"""
release:
  description: The release, as the site prints it.
  returned: when known
  type: str
  sample: "4.5.6 (Build: 20250811)"
branch:
  description: Major and minor version, the part of the release that changes pages and behaviour.
  returned: when known
  type: str
  sample: "4.5"
tested:
  description:
    - Whether the release is one the collection is tested against (see RV(tested_branches)). Other releases get a
      warning; their pages are tried, and a page that differs fails naming the page, what was expected and what
      was found.
  returned: always
  type: bool
  sample: true
tested_branches:
  description: The Moodle branches the collection is tested against.
  returned: always
  type: list
  elements: str
  sample: ["4.5", "5.1"]
version:
  description: The numeric version (C($version)); reported by C(core_webservice_get_site_info) (token) and C(cfg.php).
  returned: when known
  type: str
  sample: "2024100706"
wwwroot:
  description: The site's address as used.
  returned: with transport http
  type: str
  sample: https://moodle.example.edu
auth_plugins:
  description: Authentication plugins.
  returned: when gathered
  type: dict
  contains:
    enabled:
      description: Enabled plugins in the site's auth order (manual and nologin are always on and not listed).
      type: list
      elements: str
      sample: [email, userkey]
    available:
      description: Installed plugins that are not enabled (null with transport cli).
      type: list
      elements: str
      sample: [cas, db, ldap, lti]
web_services:
  description: Web services switches and protocols.
  returned: when gathered
  type: dict
  contains:
    enabled:
      description: C(enablewebservices).
      type: bool
    mobile:
      description: C(enablemobilewebservice).
      type: bool
    protocols:
      description: Protocol name to enabled (with transport cli only the enabled ones are known).
      type: dict
      sample: {"rest": true, "soap": false}
services:
  description: External services.
  returned: when gathered with transport http
  type: list
  elements: dict
  sample: [{"id": 1, "name": "Moodle mobile web service", "shortname": "moodle_mobile_app", "enabled": false,
            "builtin": true, "component": "moodle"}]
site_info:
  description: The answer of C(core_webservice_get_site_info), with only a token.
  returned: with auth_method token
  type: dict
debug:
  description: Request counts of this task.
  returned: always
  type: dict
"""

from ansible_collections.moodleops.auth.plugins.module_utils.module import MoodleModule
from ansible_collections.moodleops.auth.plugins.module_utils.resources.site_facts import INFO_OPTIONS, SiteFacts


def main():
    moodle = MoodleModule(INFO_OPTIONS, transport=True, name="moodle_info")
    moodle.perform(SiteFacts)


if __name__ == "__main__":
    main()
