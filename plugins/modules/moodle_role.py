#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: moodle_role
short_description: Manage a Moodle role, its capabilities and its users at system level
version_added: 0.1.0
description:
  - Ensures a role exists with the given names, context levels and capabilities, and that the given users hold it
    at system context. Service accounts get capabilities such as C(webservice/rest:use),
    C(moodle/webservice:createtoken) or C(auth/userkey:generatekey) this way.
  - Capabilities not listed are left as they are unless O(exclusive=true). Unknown capabilities fail before any
    write, all of them named. Every write is verified by reading the role definition back.
author:
  - moodleops.auth contributors (@moodleops)
extends_documentation_fragment:
  - moodleops.auth.connection
attributes:
  check_mode:
    support: full
    description: Reads the site and reports what would change; writes nothing.
  diff_mode:
    support: full
    description: Shows the role's fields, context levels, capabilities and users before and after.
options:
  shortname:
    description: The role's short name (unique), which finds it.
    type: str
    required: true
  name:
    description: The role's full name. Omitted for a new role, the short name is used.
    type: str
  description:
    description: The role's description.
    type: str
  archetype:
    description: The role archetype (C(manager), C(user), ...); an empty string for none.
    type: str
  context_levels:
    description:
      - Where the role can be assigned. A role meant for O(users) needs V(system).
      - Omitted for a new role, V([system]); for an existing role, left as it is.
    type: list
    elements: str
    choices: [system, user, category, course, module, block]
  capabilities:
    description:
      - Capability name to permission (V(allow), V(prevent), V(prohibit) or V(inherit)).
    type: dict
    default: {}
  exclusive:
    description: Set every capability not in O(capabilities) back to V(inherit).
    type: bool
    default: false
  users:
    description:
      - Usernames that hold the role at system context (exactly these, or at least these with O(append=true)).
        Omitted leaves the assignments untouched.
    type: list
    elements: str
  append:
    description: Only add O(users); never unassign anyone.
    type: bool
    default: false
  state:
    description: V(present) creates or updates the role; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Needs a site administrator account (O(auth_method=password)).
  - The module uses the role form's advanced view; Moodle remembers that view as a preference of the admin account.
seealso:
  - module: moodleops.auth.moodle_token
"""

EXAMPLES = r"""
- name: A role for web service accounts, held by teacher1
  moodleops.auth.moodle_role:
    shortname: ws_ci
    name: CI web service
    context_levels: [system]
    capabilities:
      webservice/rest:use: allow
      moodle/webservice:createtoken: allow
    users: [teacher1]

- name: An SSO portal account that may request auth_userkey login URLs
  moodleops.auth.moodle_role:
    shortname: sso_portal
    capabilities:
      webservice/rest:use: allow
      auth/userkey:generatekey: allow
    users: [sso_portal]
"""

RETURN = r"""
role:
  description: The role after the task (in check mode, as it would be); null when absent.
  returned: success
  type: dict
  contains:
    id:
      description: The role's id (null in check mode for a role not created yet).
      type: int
    shortname:
      description: Short name.
      type: str
    name:
      description: Full name.
      type: str
    description:
      description: Description.
      type: str
    archetype:
      description: Archetype, empty for none.
      type: str
    context_levels:
      description: Context levels where it can be assigned.
      type: list
      elements: str
    capabilities:
      description: The capabilities set to something other than inherit.
      type: dict
    users:
      description: Usernames holding it at system context.
      type: list
      elements: str
  sample: {"id": 11, "shortname": "ws_ci", "name": "CI web service", "description": "", "archetype": "",
           "context_levels": ["system"], "capabilities": {"webservice/rest:use": "allow"}, "users": ["teacher1"]}
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
from ansible_collections.moodleops.auth.plugins.module_utils.resources.roles import ROLE_OPTIONS, RoleResource


def main():
    moodle = MoodleModule(ROLE_OPTIONS, name="moodle_role")
    moodle.converge(RoleResource)


if __name__ == "__main__":
    main()
