#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: moodle_token
short_description: Ensure a Moodle web service token exists for a user on a service, and return it
version_added: 0.1.0
description:
  - Ensures one web service token exists for O(user) on O(service) (and O(name) when given), and returns its
    value in RV(token). A re-run creates no second token and returns the same value with C(changed=false).
  - Moodle 4.3 and later show a token's value only once, when it is created. The module keeps the values it
    created in O(token_store), a JSON file (mode 0600) on the host that runs the module. A matching token that
    exists in Moodle but not in the store makes the task fail naming O(state=rotated); the module never silently
    mints a second token.
  - O(state=rotated) deletes the matching tokens and creates one new token. O(state=absent) deletes them.
  - After creating a token, the module proves it works by calling C(core_webservice_get_site_info) with it when
    the service offers that function.
author:
  - moodleops.auth contributors (@moodleops)
extends_documentation_fragment:
  - moodleops.auth.connection
attributes:
  check_mode:
    support: full
    description: Reads the site and the store and reports what would change; creates and deletes nothing.
  diff_mode:
    support: full
    description: Shows the matching tokens (ids, names; never values) before and after.
options:
  user:
    description: Username of the token's owner.
    type: str
    required: true
  service:
    description: The external service, by shortname, or by name for services that have none.
    type: str
    required: true
  state:
    description:
      - V(present) ensures a token exists (idempotent); V(rotated) replaces the matching tokens by one new token
        (always a change); V(absent) deletes them.
    type: str
    choices: [present, rotated, absent]
    default: present
  method:
    description:
      - V(admin) creates the token on the admin page C(admin/webservice/tokens.php) with the site administrator
        account of the connection options.
      - V(login) asks C(login/token.php) with the user's own password (O(user_password)); Moodle then returns the
        user's existing token for the service, or creates one when the user may (C(moodle/webservice:createtoken),
        or the mobile service). Deleting tokens (O(state=absent), V(rotated)) still uses the admin account.
    type: str
    choices: [admin, login]
    default: admin
  user_password:
    description: The password of O(user), for O(method=login).
    type: str
  name:
    description:
      - The token's name (Moodle 4.3 and later). Matching then also uses the name; without it Moodle picks a
        random one and any token of the user on the service matches.
    type: str
  ip_restriction:
    description:
      - IP addresses or ranges allowed to use the token, as Moodle takes them (C(10.0.0.0/8,192.0.2.1)).
      - The verification (O(verify)) calls Moodle from the host that runs the module. When the restriction does not
        include that host's address, Moodle refuses the token and the task fails saying so (the token exists and is
        kept). List that address too, or set O(verify=false).
    type: str
  valid_until:
    description:
      - When the token expires, as a date (C(YYYY-MM-DD)) or a number of seconds from now. Omitted means no expiry
        (Moodle 4.5's form would pre-select 30 days; the module does not).
    type: str
  token_store:
    description:
      - The JSON file that keeps created token values, on the host that runs the module.
      - Default C(tokens.json) in the state directory (O(state_dir), E(MOODLEOPS_STATE_DIR), C(~/.ansible/moodleops.auth));
        when that cannot be created, a private directory of the user under the system's temporary directory, with a
        warning. A path that cannot be written fails before any token is created.
    type: path
  verify:
    description: Prove a new token works with C(core_webservice_get_site_info) (when the service offers it).
    type: bool
    default: true
  token_value:
    description:
      - The value of the token, when the play already holds it (for example from a vault), so that no token store
        is needed. The module then finds the matching token in C(admin/webservice/tokens.php) (O(user), O(service)
        and O(name) when given), checks that the value answers C(core_webservice_get_site_info) over REST (the
        value in the POST body) as O(user) with the functions of O(service), and changes nothing; O(token_store)
        is neither read nor written.
      - When no such token exists or the value does not work, the task fails saying which, before any write,
        unless O(invalid_token_value=rotate).
      - Not O(token), which is the connection option (the token the module itself would call REST with).
      - Needs O(state=present) and O(method=admin).
    type: str
  invalid_token_value:
    description:
      - What to do when O(token_value) does not belong to a matching token or does not work.
      - V(fail) fails naming the reason and changes nothing.
      - V(rotate) deletes the matching tokens and creates a new one, returned in RV(token). It is not kept in
        O(token_store); the play must store the new value, for example in its vault.
    type: str
    choices: [fail, rotate]
    default: fail
notes:
  - >-
    RV(token) is a secret. The module never prints it, but a registered result holds it: put C(no_log: true) on
    the task, and protect O(token_store) like any credential file.
  - >-
    Run the module where the store should live (usually the controller, C(delegate_to: localhost)).
  - The "Missing capabilities" column of Moodle's token list never mentions C(webservice/rest:use); the
    verification call catches a user who lacks it.
  - >-
    When the new token's user lacks capabilities that functions of the service need (the "Missing capabilities"
    column of Moodle's token list), the task warns, naming the token, and returns them in RV(missing_capabilities).
    ansible-core before 2.19 shows no warning of a task with C(no_log: true): read RV(missing_capabilities) (or the
    registered result's C(warnings)) there. docs/sign-in-tokens.md says how to find what a function needs.
seealso:
  - module: moodleops.auth.moodle_external_service
  - module: moodleops.auth.moodle_role
"""

EXAMPLES = r"""
- name: A token for the CI account
  moodleops.auth.moodle_token:
    user: teacher1
    service: ci_bootstrap
    name: ci-teacher1
  register: ci_token
  no_log: true

- name: Use it
  ansible.builtin.uri:
    url: "{{ moodle_url }}/webservice/rest/server.php"
    method: POST
    body_format: form-urlencoded
    body:
      wstoken: "{{ ci_token.token }}"
      wsfunction: core_webservice_get_site_info
      moodlewsrestformat: json
  no_log: true

- name: Rotate it
  moodleops.auth.moodle_token:
    user: teacher1
    service: ci_bootstrap
    name: ci-teacher1
    state: rotated
  register: ci_token
  no_log: true

- name: A token whose value the play keeps in a vault (no token store)
  moodleops.auth.moodle_token:
    user: ci_bot
    service: ci_bootstrap
    name: ci
    token_value: "{{ vault_ci_token }}"
  register: ci_token
  no_log: true

- name: The user's own token through login/token.php
  moodleops.auth.moodle_token:
    user: teacher1
    user_password: "{{ teacher_password }}"
    service: moodle_mobile_app
    method: login
  register: mobile_token
  no_log: true
"""

RETURN = r"""
token:
  description: The token's value. Sensitive. Null with O(state=absent) and in check mode before creation.
  returned: success
  type: str
token_id:
  description: >-
    The token's id in Moodle, where the admin page shows it (with O(token_value): null when several tokens
    match and the value cannot be told apart).
  returned: success
  type: int
  sample: 7
user_id:
  description: The user's id.
  returned: success
  type: int
service:
  description: The service the token is for.
  returned: success
  type: dict
  sample: {"id": 3, "name": "CI bootstrap", "shortname": "ci_bootstrap"}
verified:
  description: >-
    Whether the new token (or the O(token_value) given) answered C(core_webservice_get_site_info).
  returned: success
  type: bool
missing_capabilities:
  description: >-
    The capabilities the token's user lacks for the functions of the service, as the "Missing capabilities" column
    of Moodle's token list shows them (never C(webservice/rest:use)); empty when none. Null when there is no token
    to read (O(state=absent), check mode before creation, O(method=login) with O(state=present)).
  returned: success
  type: list
  elements: str
  sample: ["moodle/user:viewhiddendetails", "moodle/course:useremail", "moodle/user:update"]
changes:
  description: What changed (or would change), one line each; never token values.
  returned: success
  type: list
  elements: str
debug:
  description: Request counts of this task.
  returned: always
  type: dict
"""

from ansible_collections.moodleops.auth.plugins.module_utils.module import MoodleModule
from ansible_collections.moodleops.auth.plugins.module_utils.resources.tokens import TOKEN_OPTIONS, manage_token


def main():
    moodle = MoodleModule(TOKEN_OPTIONS, name="moodle_token")
    manage_token(moodle)


if __name__ == "__main__":
    main()
