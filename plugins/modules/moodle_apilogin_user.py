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
  - O(users) handles many users in one task over one HTTP connection. Every entry is checked (and every user
    read) before the first write; a failing user does not stop the others unless O(stop_on_error=true); the task
    fails at the end when any user failed, with per-user results in RV(results).
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
      - Mutually exclusive with O(users).
    type: dict
  users:
    description:
      - Many users (bulk), each a dict as in O(user). The match field values must be unique in the list.
      - From 20 entries on, the module reads all users at once (the plugin's C(getAllUsers)) instead of one by one.
    type: list
    elements: dict
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
      - With O(users), stop at the first user whose writes fail (the others are reported as C(skipped)).
        By default every user is attempted and the task fails at the end if any failed.
    type: bool
    default: false
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
    - One entry per element of O(users), in order - C(user) (the match field value), C(action) (C(created),
      C(updated), C(deleted), C(unchanged), C(failed), C(skipped)), C(changed), C(user_id), C(changes), C(failed)
      and C(msg) (why it failed).
  returned: O(users) given (also when the task fails)
  type: list
  elements: dict
summary:
  description: How many users were created, updated, deleted, unchanged, failed and skipped.
  returned: O(users) given
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

import time

from ansible.module_utils.basic import env_fallback

from ansible_collections.moodleops.auth.plugins.module_utils.apilogin import (
    BASE_READ_FIELDS,
    REFUSED_FIELDS,
    REMOVED_FIELDS,
    SETTABLE_FIELDS,
    ApiLogin,
    php_string,
)
from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    InvalidInputError,
    MoodleError,
    WriteNotAppliedError,
)
from ansible_collections.moodleops.auth.plugins.module_utils.module import MoodleModule
from ansible_collections.moodleops.auth.plugins.module_utils.redact import redact_structure

BULK_READ_FROM = 20          # entries from which all users are read with one getAllUsers
CREATE_REQUIRED = ("username", "firstname", "lastname", "email")
TRUE_TEXTS = ("1", "true", "yes", "on")
FALSE_TEXTS = ("0", "false", "no", "off", "")


def _as_bool(value, label):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_TEXTS:
        return True
    if text in FALSE_TEXTS:
        return False
    raise ValueError("%s: suspended must be a boolean, not %r" % (label, value))


def _stored(value):
    return "" if value is None else str(value)


class Entry:
    """One user of the task: its match value, the fields it wants, the suspension it wants."""

    def __init__(self, label, key, fields, suspended):
        self.label = label
        self.key = key
        self.fields = fields            # {column: wanted string}
        self.suspended = suspended      # True / False / None (leave alone)
        self.current = None
        self.ambiguous = 0
        self.action = "unchanged"
        self.update = {}                # {column: (old, new)}
        self.suspend = None             # True / False: a suspendUser / unsuspendUser call
        self.create = None              # userdata for createUser
        self.user_id = None
        self.after = None
        self.failed = False
        self.msg = None
        self.done = False

    @property
    def changed(self):
        return self.action in ("created", "updated", "deleted")

    def change_lines(self):
        who = "user %s" % self.key
        if self.action == "created":
            return ["%s: created" % who]
        if self.action == "deleted":
            return ["%s: deleted" % who]
        lines = ["%s: %s %r -> %r" % (who, field, old, new) for field, (old, new) in sorted(self.update.items())]
        if self.suspend is not None:
            lines.append("%s: %s" % (who, "suspended" if self.suspend else "unsuspended"))
        return lines

    def diff_parts(self):
        if self.action == "created":
            return {}, dict(self.create)
        if self.action == "deleted":
            return dict((k, _stored(v)) for k, v in self.current.items()), {}
        before = dict((field, old) for field, (old, new) in self.update.items())
        after = dict((field, new) for field, (old, new) in self.update.items())
        if self.suspend is not None:
            before["suspended"], after["suspended"] = ("0", "1") if self.suspend else ("1", "0")
        return before, after


class ApiLoginUserTask:
    def __init__(self, moodle):
        self.moodle = moodle
        self.params = moodle.params
        self.state = self.params["state"]
        self.match = self.params["match_field"]
        self.bulk = self.params["users"] is not None
        if not self.params["secret"]:
            raise InvalidInputError("secret is required: the plugin's apikey, which every request is signed with.",
                                    hint="Set secret or the MOODLE_APILOGIN_SECRET environment variable.")
        moodle.redact.add(self.params["secret"])
        if self.params["login"]:
            if self.bulk:
                raise InvalidInputError("login: true works with user (one user), not users.")
            if self.state != "present":
                raise InvalidInputError("login: true needs state: present (a %s user cannot log in)." % self.state)
        raw = self.params["users"] if self.bulk else [self.params["user"]]
        self.entries = self.validate(raw)
        self.fields = list(BASE_READ_FIELDS)
        for entry in self.entries:
            for field in entry.fields:
                if field not in self.fields:
                    self.fields.append(field)

    # -- checks before anything is read or written -----------------------------------------------------------
    def validate(self, raw):
        problems, entries, seen = [], [], {}
        for index, item in enumerate(raw):
            label = "users[%d]" % index if self.bulk else "user"
            if not isinstance(item, dict):
                problems.append("%s is not a dict" % label)
                continue
            entry, entry_problems = self.entry(label, item)
            problems.extend(entry_problems)
            if entry is None:
                continue
            if entry.key in seen:
                problems.append("%s repeats %s %s of %s" % (label, self.match, entry.key, seen[entry.key]))
                continue
            seen[entry.key] = label
            entries.append(entry)
        if not raw:
            problems.append("users is empty")
        if problems:
            raise InvalidInputError("Invalid user entries (nothing was read or written): %s." % "; ".join(problems),
                                    hint="Valid fields: %s." % ", ".join(SETTABLE_FIELDS))
        return entries

    def entry(self, label, item):
        problems = []
        key = item.get(self.match)
        if key is None or str(key).strip() == "":
            return None, ["%s has no %s (the match_field)" % (label, self.match)]
        key = str(key).strip()
        if self.match == "id" and not key.isdigit():
            return None, ["%s: id %r is not a number" % (label, key)]
        fields, suspended = {}, None
        for name, value in item.items():
            if value is None:
                continue
            if name == "id" and self.match == "id":
                continue
            if name in REFUSED_FIELDS:
                problems.append("%s: %s is not supported (%s)" % (label, name, REFUSED_FIELDS[name]))
            elif name in REMOVED_FIELDS:
                problems.append("%s: %s is a user profile field since Moodle 3.11, not a column the plugin can write"
                                % (label, name))
            elif name not in SETTABLE_FIELDS:
                problems.append("%s: unknown field %s" % (label, name))
            elif name == "suspended":
                try:
                    suspended = _as_bool(value, label)
                except ValueError as error:
                    problems.append(str(error))
            elif isinstance(value, (dict, list)):
                problems.append("%s: %s must be a single value" % (label, name))
            else:
                fields[name] = php_string(value)
        if "username" in fields and fields["username"] != fields["username"].strip().lower():
            problems.append("%s: username %r must be lower case without surrounding spaces (Moodle's login lowercases "
                            "what people type)" % (label, fields["username"]))
        if self.state == "suspended":
            if suspended is False:
                problems.append("%s: suspended: false contradicts state: suspended" % label)
            suspended = True
        if self.state == "absent":
            fields, suspended = {}, None
        return Entry(label, key, fields, suspended), problems

    # -- read ------------------------------------------------------------------------------------------------
    def read(self):
        if self.bulk and len(self.entries) >= BULK_READ_FROM:
            index = self.read_all()
            for entry in self.entries:
                found = index.get(entry.key, [])
                entry.ambiguous = len(found) if len(found) > 1 else 0
                entry.current = found[0] if len(found) == 1 else None
        else:
            for entry in self.entries:
                entry.current = self.read_one(self.match, entry.key)

    def read_all(self):
        index = {}
        for user in self.api.get_all_users(self.fields):
            if _stored(user.get("deleted")) == "1":
                continue
            value = _stored(user.get(self.match))
            if value:
                index.setdefault(value, []).append(user)
        return index

    def read_one(self, field, value):
        user = self.api.get_user(field, value, self.fields)
        if user is None or _stored(user.get("deleted")) == "1":
            return None
        return user

    # -- plan (still before any write) -----------------------------------------------------------------------
    def plan(self):
        problems = []
        for entry in self.entries:
            current = entry.current
            if entry.ambiguous:
                problems.append("%s: %d users have %s %s" % (entry.label, entry.ambiguous, self.match, entry.key))
                continue
            if current is not None:
                entry.user_id = int(current["id"])
            if self.state == "absent":
                if current is not None:
                    entry.action = "deleted"
                continue
            if current is None:
                problem = self.plan_create(entry)
                if problem:
                    problems.append(problem)
                continue
            for field, wanted in entry.fields.items():
                have = _stored(current.get(field))
                if have != wanted:
                    entry.update[field] = (have, wanted)
            if entry.suspended is not None and (_stored(current.get("suspended")) == "1") != entry.suspended:
                entry.suspend = entry.suspended
            if entry.update or entry.suspend is not None:
                entry.action = "updated"
        if problems:
            raise InvalidInputError("Cannot apply the user entries (nothing was written): %s." % "; ".join(problems))

    def plan_create(self, entry):
        if self.match == "id":
            return "%s: no user with id %s, and users cannot be created with a given id (use another match_field)" % (
                entry.label, entry.key)
        data = dict(entry.fields)
        data[self.match] = entry.key
        missing = [field for field in CREATE_REQUIRED if not data.get(field)]
        if missing:
            return "%s: user %s does not exist, and creating it needs %s" % (entry.label, entry.key, ", ".join(missing))
        now = str(int(time.time()))
        userdata = {"auth": "manual", "confirmed": "1", "mnethostid": "1", "timecreated": now, "timemodified": now}
        userdata.update(data)
        if entry.suspended:
            userdata["suspended"] = "1"
        entry.create = userdata
        entry.action = "created"
        return None

    # -- write -----------------------------------------------------------------------------------------------
    def apply(self, entry):
        if entry.action == "created":
            entry.user_id = self.api.create_user(entry.create)
            if entry.user_id is None:
                found = self.read_one(self.match, entry.key)
                entry.user_id = int(found["id"]) if found else None
        elif entry.action == "deleted":
            self.api.delete_user(entry.user_id)
        elif entry.action == "updated":
            if entry.update:
                self.api.update_user(entry.user_id, dict((field, new) for field, (old, new) in entry.update.items()))
            if entry.suspend is not None:
                self.api.set_suspended(entry.user_id, entry.suspend)
        entry.done = True

    def verify(self, entry, after):
        """Compare what was read back with what was wanted; raise WriteNotAppliedError when it differs."""
        if entry.action == "deleted":
            if after is not None:
                raise WriteNotAppliedError("auth_apilogin answered deleteUser normally but user %s still exists."
                                           % entry.key)
            return
        if after is None:
            raise WriteNotAppliedError("auth_apilogin answered %s normally but user %s cannot be read back." % (
                "createUser" if entry.action == "created" else "updateUser", entry.key))
        wanted = dict(entry.create if entry.action == "created" else entry.fields)
        if entry.suspended is not None:
            wanted["suspended"] = "1" if entry.suspended else "0"
        wrong = sorted(field for field, value in wanted.items()
                       if field in self.fields and _stored(after.get(field)) != value)
        if wrong:
            raise WriteNotAppliedError("User %s was written, but reading it back shows other values for: %s." % (
                entry.key, ", ".join(wrong)))

    def write_all(self):
        stop = False
        for entry in self.entries:
            if not entry.changed:
                continue
            if stop:
                entry.action, entry.msg = "skipped", "not attempted (stop_on_error after an earlier failure)"
                continue
            try:
                self.apply(entry)
            except MoodleError as error:
                if not self.bulk:
                    raise
                self.fail_entry(entry, error)
                stop = self.params["stop_on_error"]
        self.read_back()

    def read_back(self):
        written = [entry for entry in self.entries if entry.done]
        if not written:
            return
        by_id = None
        if self.bulk and len(self.entries) >= BULK_READ_FROM:
            by_id = dict((_stored(user.get("id")), user) for user in self.api.get_all_users(self.fields)
                         if _stored(user.get("deleted")) != "1")
        for entry in written:
            try:
                if by_id is not None:
                    after = by_id.get(str(entry.user_id)) if entry.user_id else None
                elif entry.user_id:
                    after = self.read_one("id", str(entry.user_id))
                else:
                    after = self.read_one(self.match, entry.key)
                self.verify(entry, after)
                entry.after = after
            except MoodleError as error:
                if not self.bulk:
                    raise
                self.fail_entry(entry, error)

    def fail_entry(self, entry, error):
        entry.failed = True
        entry.msg = self.moodle.redact(str(error))

    # -- run -------------------------------------------------------------------------------------------------
    def run(self):
        self.api = ApiLogin(self.moodle.client.transport, self.params["secret"], self.moodle.redact)
        self.read()
        self.plan()
        if not self.moodle.check_mode:
            self.write_all()
        return self.single_result() if not self.bulk else self.bulk_result()

    def single_result(self):
        entry = self.entries[0]
        changes = entry.change_lines()
        user = entry.after if entry.done else (None if entry.action == "deleted" else entry.current)
        if self.state == "absent":
            user = None
        result = {"changed": entry.changed, "changes": changes, "action": entry.action, "user": user,
                  "user_id": None if self.state == "absent" else entry.user_id}
        before, after = entry.diff_parts() if entry.changed else ({}, {})
        if self.params["login"]:
            result.update(self.login(entry, changes))
        if entry.changed:
            self.moodle.add_diff(result, {"user": before}, {"user": after})
        return result

    def login(self, entry, changes):
        changes.append("user %s: login token created" % entry.key)
        if self.moodle.check_mode:
            return {"changed": True, "token": None, "login_url": None}
        token = self.api.log_user(entry.user_id, self.params["user_agent"], self.params["redirect"])
        self.moodle.redact.add(token)
        self.moodle.reveal(token)
        return {"changed": True, "token": token,
                "login_url": "%s/login/index.php?token=%s" % (self.moodle.client.base_url, token)}

    def bulk_result(self):
        results, changes, summary = [], [], dict.fromkeys(
            ("created", "updated", "deleted", "unchanged", "failed", "skipped"), 0)
        before, after = {}, {}
        for entry in self.entries:
            action = "failed" if entry.failed else entry.action
            summary[action] += 1
            lines = entry.change_lines() if entry.changed else []
            if not entry.failed or entry.done:
                changes.extend(lines)
            wrote = entry.changed and (entry.done or self.moodle.check_mode)
            results.append({"user": entry.key, "action": action, "changed": wrote, "user_id": entry.user_id,
                            "changes": lines, "failed": entry.failed, "msg": entry.msg})
            if wrote:
                before[entry.key], after[entry.key] = entry.diff_parts()
        changed = any(item["changed"] for item in results)
        result = {"changed": changed, "changes": changes, "results": results, "summary": summary}
        if changed:
            self.moodle.add_diff(result, {"users": before}, {"users": after})
        failed = [item for item in results if item["failed"]]
        if failed:
            self.fail(result, failed)
        return result

    def fail(self, result, failed):
        """Fail the task with the per-user results (MoodleModule.run only carries msg and debug)."""
        first = "; ".join("%s: %s" % (item["user"], item["msg"]) for item in failed[:3])
        more = " (and %d more)" % (len(failed) - 3) if len(failed) > 3 else ""
        msg = "%d of %d users failed: %s%s" % (len(failed), len(result["results"]), first, more)
        result["debug"] = self.moodle.debug_info()
        self.moodle.client.close()
        self.moodle.module.fail_json(msg=self.moodle.redact(msg), **redact_structure(result, self.moodle.redact))


def main():
    moodle = MoodleModule(
        dict(
            secret=dict(type="str", no_log=True, fallback=(env_fallback, ["MOODLE_APILOGIN_SECRET"])),
            user=dict(type="dict"),
            users=dict(type="list", elements="dict"),
            match_field=dict(type="str", default="username", choices=["id", "username", "email", "idnumber"]),
            state=dict(type="str", default="present", choices=["present", "absent", "suspended"]),
            login=dict(type="bool", default=False),
            user_agent=dict(type="str"),
            redirect=dict(type="str"),
            stop_on_error=dict(type="bool", default=False),
        ),
        mutually_exclusive=[("user", "users")],
        required_one_of=[("user", "users")],
        required_if=[("login", True, ["user_agent"])],
    )
    moodle.run(lambda: ApiLoginUserTask(moodle).run())


if __name__ == "__main__":
    main()
