#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: moodle_apilogin_user
short_description: Moodle users as desired state through the auth_apilogin plugin's signed API, and one-time logins
version_added: 0.1.0
description:
  - Creates, updates, suspends, unsuspends and deletes Moodle users through C(/auth/apilogin/services.php) of the
    C(auth_apilogin) plugin (U(https://github.com/blakekidney/moodle-auth_apilogin)), and with O(login=true) returns a
    one-time login URL for a user.
  - Every call is signed the way the plugin checks it - the POSTed top-level parameters except C(signature), sorted
    by key (PHP C(ksort)), each C(key) followed by its value, an array parameter contributing the literal text
    C(Array), the secret prepended, SHA-256 in lowercase hex.
  - Needs only O(url) and O(secret) (no Moodle account and no web service token). The task must run on a host
    whose address is in the plugin's C(allowipaddr) setting.
  - O(state=present) reads the user (always naming the columns it wants), compares each given field with the
    stored value and writes only the fields that differ; a re-run makes no write. O(state=suspended) is
    O(state=present) with the user suspended. O(state=absent) deletes the user (the plugin's soft delete).
  - O(users) (or O(users_file), a CSV in Moodle's Upload users format, JSON or YAML) handles many users in one
    task. Every entry is checked (and every user read, with one C(getAllUsers) from 20 entries on) before the first
    write; the writes go over up to O(parallel) connections; a failing user
    does not stop the others unless O(stop_on_error=true); the task fails at the end when any user failed, with
    the users something happened to in RV(results) and every user counted in RV(summary).
author:
  - moodleops.auth contributors (@moodleops)
extends_documentation_fragment:
  - moodleops.auth.connection
attributes:
  check_mode:
    support: full
    description: Reads the users (reads only) and reports what would change; writes nothing and creates no login token.
  diff_mode:
    support: full
    description: Shows the fields that differ (before and after), and created or deleted users.
options:
  secret:
    description:
      - The plugin's C(apikey) (the shared secret requests are signed with). Never shown in output.
      - Falls back to the E(MOODLE_APILOGIN_SECRET) environment variable.
      - Set on the site with M(moodleops.auth.moodle_auth_plugin) (with its option C(transport=cli))
        or C(admin/cli/cfg.php --component=auth_apilogin --name=apikey); the plugin has no settings page on Moodle 4.
    type: str
  user:
    description:
      - One user. A dict of columns of Moodle's user table - C(username), C(firstname), C(lastname), C(email),
        C(idnumber), C(auth), C(suspended), C(city), C(country), C(lang), C(institution), C(department), C(phone1),
        C(phone2), C(address), C(timezone), C(description), C(firstnamephonetic), C(lastnamephonetic),
        C(middlename), C(alternatename), C(confirmed), C(mnethostid), C(emailstop), C(mailformat), C(maildigest),
        C(maildisplay), C(autosubscribe), C(trackforums), C(theme), C(calendartype), C(imagealt),
        C(descriptionformat), C(policyagreed).
      - It must hold the O(match_field). Creating a user needs C(username), C(firstname), C(lastname) and C(email).
      - Only the fields given are compared and written; a field set to null is ignored. Booleans are sent as C(1)
        and C(0), the way Moodle stores them. Usernames must be lower case (Moodle's login lowercases what people type).
      - C(password), C(secret), C(deleted), C(id) (other than as the match field) and the fields that are user
        profile fields since Moodle 3.11 (C(icq), C(skype), C(yahoo), C(aim), C(msn), C(url)) are refused.
      - C(suspended=false) on a suspended user unsuspends it; without C(suspended) the suspension is left alone.
      - Mutually exclusive with O(users) and O(users_file).
    type: dict
  users:
    description:
      - Many users (bulk), each a dict as in O(user). The match field values must be unique in the list.
      - From 20 entries on, the module reads all users at once (the plugin's C(getAllUsers)) instead of one by one.
      - Mutually exclusive with O(user) and O(users_file).
    type: list
    elements: dict
  users_file:
    description:
      - Many users from a file, exactly as if its users were given as O(users) - same checks, results, errors,
        O(stop_on_error), check mode and diff. Read on the host that runs the module - the controller with
        C(connection=local) or C(delegate_to=localhost); copy the file there first for a remote host. A relative path
        is relative to the module's working directory; prefer C({{ playbook_dir }}/users.csv).
      - A C(.json), C(.yml) or C(.yaml) file holds a list of the same dicts as O(users).
      - Any other file is a CSV in the format of Moodle's own Upload users (C(admin/tool/uploaduser)) - a header line of
        Moodle field names (C(username), C(firstname), C(lastname), C(email), C(idnumber), C(auth), C(suspended),
        C(city), C(country), ... - the columns O(user) lists, matched without regard to case), then one line per
        user. UTF-8 with or without a BOM; the delimiter (comma, semicolon, tab or colon) is the one the header
        uses; values with the delimiter in them are quoted with C("). Empty lines are skipped, values are trimmed,
        and an empty cell is a field not given (left as it is on the site).
      - Columns of Moodle's format that the plugin cannot write are refused before anything is read or written,
        naming the line and the column - C(password), C(oldusername), C(deleted) (other than C(0)), C(htmleditor),
        C(interests), C(forcepasswordchange), C(profile_field_*), and the enrolment, group, cohort and role columns
        (C(course1), C(group1), C(cohort1), C(sysrole1), ...). Unknown columns, repeated columns and a missing
        C(username) column fail the header; a username given twice fails naming both lines.
      - Messages name a CSV user as C(users_file line <n>) (the header is line 1), a JSON or YAML one as
        C(users_file[<index>]).
      - Unlike a big O(users) list, the file's users do not go through Ansible's templating and argument checks,
        which is most of the time a task with thousands of users takes (see C(docs/performance.md)).
      - Mutually exclusive with O(user) and O(users).
    type: path
    version_added: 0.2.0
  match_field:
    description:
      - The column that identifies a user (the plugin's C(useridfield) parameter - not C(userfield) as its README says).
      - With V(id), users can be updated, suspended and deleted but not created.
    type: str
    choices: [id, username, email, idnumber]
    default: username
  state:
    description:
      - V(present) - the user exists with the given fields. V(suspended) - the same, and suspended.
        V(absent) - the user is deleted (only the match field is used).
    type: str
    choices: [present, absent, suspended]
    default: present
  login:
    description:
      - After ensuring O(user), ask the plugin for a one-time login token (C(logUser)) and return RV(token) and
        RV(login_url). Always a change (a new token; the user's older tokens are deleted). Only with O(user) and
        O(state=present); in check mode no token is created.
      - The URL works once, for 5 minutes, and only in a browser that sends exactly O(user_agent) as its C(User-Agent).
        The first login through it permanently sets the user's C(auth) to C(apilogin), and the C(apilogin) plugin
        must be enabled on the site.
    type: bool
    default: false
  user_agent:
    description: The C(User-Agent) of the browser that will open RV(login_url). Required with O(login=true).
    type: str
  redirect:
    description: Where Moodle sends the user after the login (a full URL inside the site). Default is the user's dashboard.
    type: str
  stop_on_error:
    description:
      - With O(users) or O(users_file), stop at the first user whose writes fail (the others are reported as
        C(skipped)). By default every user is attempted and the task fails at the end if any failed.
      - Its writes are made one after the other in the order of O(users) (or of O(users_file)), over one connection
        (O(parallel) does not apply), so that exactly the users after the first failure are skipped.
    type: bool
    default: false
  parallel:
    description:
      - With O(users) or O(users_file), how many connections write at once (creations, updates, deletions; reads
        are one request anyway). Between 1 and 8 - each connection keeps one PHP worker of the Moodle host busy,
        and a small site has few of them; beyond the host's cores there is nothing to gain.
      - The default 4 was measured on a model of a 2-core Moodle (about 2.1 times the rate of one connection; 2
        connections gave 1.7 times, 3 about 2, 6 and 8 no more than 4); V(1) writes one user after the other.
      - Results, errors and their order are the same as with V(1) (RV(results) keeps the order of O(users)).
        Writes that share a username, email or idnumber with another write of the task (taking or freeing it)
        are made one after the other in the order of O(users), after the others, as their outcome depends on
        the order. Only the ids Moodle assigns to new users may come in another order.
    type: int
    default: 4
    version_added: 0.2.0
  report_unchanged:
    description:
      - With O(users) or O(users_file), list every user in RV(results), the unchanged ones included. By default
        RV(results) lists only the users something happened to (created, updated, deleted, failed, skipped), so
        that a re-run of thousands of unchanged users returns counts (RV(summary)), not an entry per user.
    type: bool
    default: false
    version_added: 0.2.0
notes:
  - >-
    Security: the plugin checks that C(time) is present but never how old it is, so a captured signed request can
    be replayed at any later time (and a captured C(logUser) request mints new login tokens). Use HTTPS, keep
    C(allowipaddr) to the hosts that run this module, and rotate the apikey if a request may have leaked.
  - >-
    Security: RV(token) and RV(login_url) log a user in. The module never prints the secret and keeps tokens out of
    messages, but a registered result holds them: put C(no_log: true) on tasks with O(login=true).
  - >-
    The plugin as published dies on Moodle 4.5 and later with HTTP 500 and an empty body: its C(services.php) loads
    C(cache/lib.php), which Moodle 4.5 removed. The module detects that answer and names the fix - delete the line
    C(require_once($CFG->dirroot.'/cache/lib.php');) from C(<moodle>/auth/apilogin/services.php).
  - >-
    The plugin writes the user table directly (no Moodle events, no password policy, no caches purged). On creation
    the module sends C(auth=manual), C(confirmed=1), C(mnethostid=1) (the local host on a standard site) and the
    creation time unless the user dict gives them, because the plugin's raw insert would leave an unconfirmed user
    of no host. Deletion is the plugin's soft delete - C(deleted=1) and C(/<time>) appended to username, email and
    idnumber.
  - >-
    Options C(username), C(password), C(token) and C(auth_method) of the connection are not used by this module.
seealso:
  - module: moodleops.auth.moodle_auth_plugin
"""

EXAMPLES = r"""
- name: Three users, as desired state
  moodleops.auth.moodle_apilogin_user:
    url: https://moodle.example.org
    secret: "{{ vault_apilogin_secret }}"
    users:
      - {username: ada, firstname: Ada, lastname: Lovelace, email: ada@example.org}
      - {username: alan, firstname: Alan, lastname: Turing, email: alan@example.org, city: Manchester}
      - {username: grace, firstname: Grace, lastname: Hopper, email: grace@example.org, idnumber: GH-1906}

- name: The accounts of a file in Moodle's Upload users format (read on the controller)
  moodleops.auth.moodle_apilogin_user:
    url: https://moodle.example.org
    secret: "{{ vault_apilogin_secret }}"
    users_file: "{{ playbook_dir }}/files/students.csv"
  delegate_to: localhost
  # students.csv (UTF-8; comma, semicolon, tab or colon):
  #   username;firstname;lastname;email;idnumber;city
  #   ada;Ada;Lovelace;ada@example.org;S-1815;"London; Marylebone"

- name: Suspend the users of a JSON or YAML list (the same dicts as users)
  moodleops.auth.moodle_apilogin_user:
    url: https://moodle.example.org
    secret: "{{ vault_apilogin_secret }}"
    users_file: "{{ playbook_dir }}/files/leavers.yml"
    state: suspended
  delegate_to: localhost

- name: Change an email, found by idnumber
  moodleops.auth.moodle_apilogin_user:
    url: https://moodle.example.org
    secret: "{{ vault_apilogin_secret }}"
    match_field: idnumber
    user: {idnumber: GH-1906, email: grace.hopper@example.org}

- name: Suspend a user
  moodleops.auth.moodle_apilogin_user:
    url: https://moodle.example.org
    secret: "{{ vault_apilogin_secret }}"
    user: {username: alan}
    state: suspended

- name: Unsuspend it
  moodleops.auth.moodle_apilogin_user:
    url: https://moodle.example.org
    secret: "{{ vault_apilogin_secret }}"
    user: {username: alan, suspended: false}

- name: A one-time login URL for the browser that asked the portal
  moodleops.auth.moodle_apilogin_user:
    url: https://moodle.example.org
    secret: "{{ vault_apilogin_secret }}"
    user: {username: ada, firstname: Ada, lastname: Lovelace, email: ada@example.org}
    login: true
    user_agent: "{{ portal_request_user_agent }}"
    redirect: https://moodle.example.org/course/view.php?id=2
  register: ada_login
  no_log: true

- name: Delete a user
  moodleops.auth.moodle_apilogin_user:
    url: https://moodle.example.org
    secret: "{{ vault_apilogin_secret }}"
    user: {username: grace}
    state: absent
"""

RETURN = r"""
user:
  description:
    - The user's columns after the task as the plugin returns them (strings), the ones given plus C(id),
      C(username), C(email), C(idnumber), C(auth), C(suspended), C(deleted). Null when absent (or not yet created in
      check mode). Only with O(user).
  returned: success and O(user)
  type: dict
  sample: {"id": "5", "username": "ada", "email": "ada@example.org", "idnumber": "", "auth": "manual",
           "suspended": "0", "deleted": "0", "firstname": "Ada", "lastname": "Lovelace"}
user_id:
  description: The user's id (null when absent, or to be created in check mode). Only with O(user).
  returned: success and O(user)
  type: int
  sample: 5
action:
  description: What happened to the user - C(created), C(updated), C(deleted), C(unchanged). Only with O(user).
  returned: success and O(user)
  type: str
token:
  description: The one-time login token (32 hex characters). Sensitive. Null in check mode.
  returned: O(login=true)
  type: str
login_url:
  description: C(<url>/login/index.php?token=<token>), to open with O(user_agent) within 5 minutes. Sensitive.
  returned: O(login=true)
  type: str
results:
  description:
    - One entry per user of O(users) that was created, updated, deleted, failed or skipped (every user with
      O(report_unchanged=true)), in the order of O(users) - C(user) (the match field value), C(action)
      (C(created), C(updated), C(deleted), C(unchanged), C(failed), C(skipped)), C(changed), C(user_id),
      C(changes), C(failed) and C(msg) (why it failed). Empty when nothing changed (see RV(summary)).
  returned: O(users) or O(users_file) given (also when the task fails)
  type: list
  elements: dict
summary:
  description: How many users were created, updated, deleted, unchanged, failed and skipped (every user of O(users)).
  returned: O(users) or O(users_file) given
  type: dict
  sample: {"created": 3, "updated": 0, "deleted": 0, "unchanged": 997, "failed": 0, "skipped": 0}
changes:
  description: What changed (or would change), one line each, field values included; never secrets.
  returned: success
  type: list
  elements: str
debug:
  description: Request counts of this task.
  returned: always
  type: dict
"""

from ansible_collections.moodleops.auth.plugins.module_utils.module import MoodleModule
from ansible_collections.moodleops.auth.plugins.module_utils.resources.apilogin import (
    APILOGIN_MODULE_OPTIONS,
    ApiLoginUsers,
)


def main():
    moodle = MoodleModule(
        APILOGIN_MODULE_OPTIONS,
        mutually_exclusive=[("user", "users", "users_file")],
        required_one_of=[("user", "users", "users_file")],
        required_if=[("login", True, ["user_agent"])],
        name="moodle_apilogin_user",
    )
    moodle.converge(ApiLoginUsers)


if __name__ == "__main__":
    main()
