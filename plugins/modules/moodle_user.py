#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: moodle_user
short_description: A local Moodle user account, the way a site administrator creates and edits it
version_added: 0.1.0
description:
  - Ensures a user account exists with the given fields (O(state=present)), exists and is suspended
    (O(state=suspended)), or is deleted (O(state=absent)).
  - Works through the pages an administrator uses - C(user/editadvanced.php) to create and edit (submitted as a
    browser submits it, only the fields that differ changed), and the actions of the user list C(admin/user.php)
    to suspend, reactivate and delete. Users are found by username with C(core_user_get_users_by_field) over AJAX.
  - Only the options given are compared; a re-run changes nothing. Every write is verified by reading the user back.
  - O(password) is never compared (Moodle keeps only a hash). It is set when the user is created, and with
    O(update_password=always) on every run (always reported as a change).
  - A new password is checked against the site's password policy (C(admin/settings.php?section=sitepolicies))
    before anything is written; the task fails naming the rules it breaks, in Moodle's words.
  - Unknown O(profile) keys, values a select does not offer (country, timezone, language, ...), an O(email)
    without C(@), a O(password) for an auth plugin that takes none, and deleting or suspending the account the
    module logs in with all fail before the first write, naming the option.
author:
  - moodleops.auth contributors (@moodleops)
extends_documentation_fragment:
  - moodleops.auth.connection
attributes:
  check_mode:
    support: full
    description: Reads the user, its form and the password policy; reports what would change; writes nothing.
  diff_mode:
    support: full
    description: Shows the user's fields before and after (never the password).
options:
  username:
    description:
      - The username of the account this task manages (lower case, as Moodle stores it). Not the login account
        - that is O(login_username).
    type: str
    required: true
  password:
    description:
      - The account's password. Set when the account is created, and on every run with O(update_password=always).
        Never shown in output, results, diffs or errors (Moodle's error pages echo it back; the module never
        passes their text on unfiltered).
      - Not the login password - that is O(login_password). A value equal to the login password is ignored, because
        that is what C(module_defaults) of C(group/moodleops.auth.moodle) pass as C(password); a user's password
        should never be the administrator's.
      - Refused (the task fails) for an auth plugin whose form has no password field, such as V(webservice).
    type: str
  update_password:
    description:
      - V(on_create) sets O(password) only when the account is created. V(always) sets it on every run and
        reports a change (Moodle keeps only a hash, so the current password cannot be compared).
    type: str
    choices: [on_create, always]
    default: on_create
  state:
    description:
      - V(present) - the account exists with the given fields and is active (a suspended account is reactivated).
        V(suspended) - the same, and suspended. V(absent) - the account is deleted (Moodle's deletion, as from the
        user list; a missing account is fine).
    type: str
    choices: [present, absent, suspended]
    default: present
  auth:
    description:
      - The account's authentication plugin. V(webservice) is what Moodle recommends for service accounts that
        only use web service tokens (they cannot log in to the site); such accounts take no password.
      - Any plugin the user form offers (also disabled ones); others fail before anything is written.
    type: str
    default: manual
  firstname:
    description: First name. Needed to create an account.
    type: str
  lastname:
    description: Last name. Needed to create an account.
    type: str
  email:
    description: Email address. Needed to create an account. Must contain C(@).
    type: str
  idnumber:
    description: The ID number (an external system's identifier). An empty string clears it.
    type: str
  profile:
    description:
      - Other fields of the user form, by name - C(city), C(country) (two-letter code), C(lang), C(timezone)
        (for example C(Europe/Berlin), or C(99) for the server's), C(description), C(institution), C(department),
        C(phone1), C(phone2), C(address), C(maildisplay) (C(0), C(1), C(2)), C(moodlenetprofile), C(imagealt),
        C(firstnamephonetic), C(lastnamephonetic), C(middlename), C(alternatename), and custom profile fields as
        C(profile_field_<shortname>).
      - Keys are checked against the site's form, values of select fields against their choices.
      - Moodle shows C(lang) on the edit form only when more than one language is installed; where it does not,
        the language of an existing account can be compared but not changed.
    type: dict
  force_password_change:
    description:
      - Whether the user must change the password at the next login (the form's C(Force password change),
        user preference C(auth_forcepasswordchange)). Omitted leaves it as it is.
    type: bool
  login_username:
    description:
      - The site administrator account the module logs in with (this module's O(username) is the managed account).
      - Falls back to E(MOODLE_USERNAME).
    type: str
  login_password:
    description:
      - Password of O(login_username). Never shown. Falls back to E(MOODLE_PASSWORD).
    type: str
notes:
  - Needs a site administrator account, given as O(login_username) and O(login_password) (or E(MOODLE_USERNAME) and
    E(MOODLE_PASSWORD)). In this module O(username) and O(password) are the managed account's; when the play sets
    the connection through C(module_defaults) of C(group/moodleops.auth.moodle), set C(login_username) and
    C(login_password) for C(moodleops.auth.moodle_user) too (see the examples).
  - A new account with O(auth=manual) or V(email) needs O(password) (Moodle's form requires one).
  - The account the module logs in with cannot be deleted or suspended by it; the task fails before any write.
  - Moodle answers the creation with a redirect to the user list and no id; the module finds the new account's id
    with C(core_user_get_users_by_field).
  - Deletion is Moodle's - the account is marked deleted, its username and email replaced, its enrolments and
    preferences removed; it cannot be undone.
seealso:
  - module: moodleops.auth.moodle_role
  - module: moodleops.auth.moodle_token
  - module: moodleops.auth.moodle_external_service
"""

EXAMPLES = r"""
- name: Connection once for the whole play (this module's username/password are the managed account's)
  hosts: localhost
  module_defaults:
    group/moodleops.auth.moodle:
      url: https://moodle.example.edu
      username: admin
      password: "{{ vault_moodle_admin_password }}"
    moodleops.auth.moodle_user:
      login_username: admin
      login_password: "{{ vault_moodle_admin_password }}"
  tasks:
    - name: A service account for CI (web service tokens only, no password)
      moodleops.auth.moodle_user:
        username: ci_bot
        auth: webservice
        firstname: CI
        lastname: Bot
        email: ci_bot@example.edu

    - name: A manual account that must change its password at the first login
      moodleops.auth.moodle_user:
        username: jdoe
        password: "{{ vault_jdoe_initial_password }}"
        firstname: Jane
        lastname: Doe
        email: jdoe@example.edu
        idnumber: EMP-1042
        force_password_change: true
        profile:
          city: Berlin
          country: DE
          timezone: Europe/Berlin
          department: Research

    - name: Reset a password (always a change)
      moodleops.auth.moodle_user:
        username: jdoe
        password: "{{ vault_jdoe_new_password }}"
        update_password: always

    - name: Suspend an account
      moodleops.auth.moodle_user:
        username: jdoe
        state: suspended

    - name: Delete it
      moodleops.auth.moodle_user:
        username: jdoe
        state: absent
"""

RETURN = r"""
user:
  description: The account after the task (in check mode, as it would be); null when absent. Never the password.
  returned: success
  type: dict
  contains:
    id:
      description: The user's id (null in check mode for an account not created yet).
      type: int
    username:
      description: Username.
      type: str
    auth:
      description: Authentication plugin.
      type: str
    suspended:
      description: Whether the account is suspended.
      type: bool
    firstname:
      description: First name.
      type: str
    lastname:
      description: Last name.
      type: str
    email:
      description: Email address.
      type: str
    idnumber:
      description: ID number.
      type: str
    force_password_change:
      description: Whether the user must change the password at the next login.
      type: bool
    profile:
      description: The other standard fields of the form (city, country, lang, timezone, description, ...) and the keys of O(profile).
      type: dict
  sample: {"id": 4, "username": "ci_bot", "auth": "webservice", "suspended": false, "firstname": "CI",
           "lastname": "Bot", "email": "ci_bot@example.edu", "idnumber": "", "force_password_change": false,
           "profile": {"city": "", "country": "", "lang": "en", "timezone": "99", "description": ""}}
changes:
  description: >-
    What changed (or would change), one line each; a password that is set shows as C(password: set), never its value.
  returned: success
  type: list
  elements: str
  sample: ["user jdoe: created (auth manual)", "password: set"]
debug:
  description: Request counts of this task.
  returned: always
  type: dict
"""


from ansible_collections.moodleops.auth.plugins.module_utils.module import MoodleModule
from ansible_collections.moodleops.auth.plugins.module_utils.resources.users import (
    USER_OPTIONS,
    UserResource,
    login_params,
)


def main():
    moodle = MoodleModule(USER_OPTIONS, name="moodle_user", connection=login_params)
    moodle.converge(UserResource)


if __name__ == "__main__":
    main()
