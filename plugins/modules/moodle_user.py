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

import copy

from ansible.module_utils.basic import env_fallback

from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError
from ansible_collections.moodleops.auth.plugins.module_utils.module import MoodleModule
from ansible_collections.moodleops.auth.plugins.module_utils.useradmin import (
    FORCE_CHANGE_FIELD,
    INTERNAL_AUTHS,
    NEW_USER_ID,
    PROFILE_FIELDS,
    UserAdmin,
    form_field,
    not_applied,
    policy_violations,
    require_choice,
)

FIELDS = ("firstname", "lastname", "email", "idnumber")
REQUIRED_TO_CREATE = ("firstname", "lastname", "email")


class UserModule(MoodleModule):
    """MoodleModule whose connection logs in with login_username/login_password: this module's username and
    password options are the managed account's."""

    def __init__(self, argument_spec, **kwargs):
        MoodleModule.__init__(self, argument_spec, **kwargs)
        self.user_params = self.params
        login = dict(self.params)
        login["username"] = self.params.get("login_username")
        login["password"] = self.params.get("login_password")
        self.redact.add(login["password"])
        self.params = login  # what the client (and its login) see


def text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    return "%s" % value


def shown(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value == "":
        return "''"
    return "%s" % value


class UserTask:
    def __init__(self, moodle):
        self.moodle = moodle
        self.params = moodle.user_params
        self.login = moodle.params
        self.username = self.params["username"]
        self.password = self.params["password"]
        if self.password is not None and self.password == self.login.get("password"):
            self.password = None  # the group's module_defaults password (the admin's): never a user's
        self.admin = None

    # -- input --------------------------------------------------------------------------------------------------
    def check_input(self):
        params = self.params
        if not self.login.get("username") or not self.login.get("password"):
            raise InvalidInputError(
                "moodle_user logs in with login_username and login_password (its username and password are the "
                "managed account's), and %s not set." % " and ".join(
                    name for name, key in (("login_username", "username"), ("login_password", "password"))
                    if not self.login.get(key)),
                hint="Set them (or MOODLE_USERNAME and MOODLE_PASSWORD) to a site administrator's credentials.")
        if not self.username or self.username != self.username.strip() or " " in self.username:
            raise InvalidInputError("username %r is not a Moodle username (no spaces)." % self.username)
        if self.username != self.username.lower():
            raise InvalidInputError("username %s must be lower case: Moodle stores and matches usernames in lower case."
                                    % self.username, hint="Use %s." % self.username.lower())
        email = params["email"]
        if email is not None:
            local, _at, domain = email.partition("@")
            if not local or not domain or " " in email.strip():
                raise InvalidInputError("email %r is not an email address (it needs a name, @ and a domain)." % email)
        if params["state"] in ("absent", "suspended") and \
                self.username == (self.login.get("username") or "").strip().lower():
            raise InvalidInputError(
                "username %s is the account this module logs in with: it cannot %s itself." % (
                    self.username, "delete" if params["state"] == "absent" else "suspend"),
                hint="Log in with another site administrator (login_username) to do this; nothing was changed.")
        if params["update_password"] == "always" and self.password is None:
            raise InvalidInputError(
                "update_password: always needs password%s." % (
                    " (the one given equals the login password and is ignored)" if params["password"] else ""))
        for key in params["profile"] or {}:
            if key in ("username", "auth", "password", "firstname", "lastname", "email", "idnumber", "suspended"):
                raise InvalidInputError("profile.%s: set %s as its own option, not in profile." % (key, key))

    # -- reading ------------------------------------------------------------------------------------------------
    def read(self, record, user_form):
        """The account as the module reports it, from its AJAX record and its edit form."""
        values = user_form.values
        profile = {}
        for key in set(PROFILE_FIELDS) | set(self.params["profile"] or {}):
            name = form_field(key)
            if user_form.has(name):
                profile[key] = values.get(name) if values.get(name) is not None else ""
            elif key in record:
                profile[key] = text(record.get(key))
        return {
            "id": int(record["id"]) if record.get("id") is not None else None,
            "username": record.get("username") or self.username,
            "auth": values.get("auth"),
            "suspended": user_form.checked("suspended"),
            "firstname": values.get("firstname"),
            "lastname": values.get("lastname"),
            "email": values.get("email"),
            "idnumber": values.get("idnumber"),
            "force_password_change": user_form.checked(FORCE_CHANGE_FIELD),
            "profile": profile,
        }

    def desired(self, before, new_form):
        params = self.params
        after = copy.deepcopy(before) if before else self.read({"id": None, "username": self.username}, new_form)
        after["username"] = self.username
        after["auth"] = params["auth"]
        for key in FIELDS:
            if params[key] is not None:
                after[key] = params[key]
        for key, value in (params["profile"] or {}).items():
            after["profile"][key] = text(value) if value is not None else ""
        if params["force_password_change"] is not None:
            after["force_password_change"] = params["force_password_change"]
        after["suspended"] = params["state"] == "suspended"
        return after

    def validate(self, before, after, user_form):
        """Everything that can be known wrong before a write: keys, choices, required fields, the password."""
        params = self.params
        known = user_form.profile_keys()
        unknown = sorted(key for key in (params["profile"] or {}) if key not in known)
        if before is not None and "lang" in unknown and "lang" in before["profile"]:
            unknown.remove("lang")
            if before["profile"]["lang"] != after["profile"]["lang"]:
                raise InvalidInputError(
                    "profile.lang cannot be changed on this site: the edit form of user %s has no language field "
                    "(Moodle shows it only when more than one language pack is installed)." % self.username)
        if unknown:
            raise InvalidInputError("Unknown profile keys: %s." % ", ".join("profile.%s" % key for key in unknown),
                                    hint="The user form has: %s. Nothing was changed." % ", ".join(sorted(known)))
        require_choice("auth", after["auth"], user_form.choices("auth"))
        for key in params["profile"] or {}:
            if user_form.has(form_field(key)):
                require_choice("profile.%s" % key, after["profile"][key], user_form.choices(form_field(key)))
        if before is None:
            missing = [key for key in REQUIRED_TO_CREATE if not after.get(key)]
            if missing:
                raise InvalidInputError("Creating user %s needs %s." % (self.username, ", ".join(missing)),
                                        hint="Nothing was changed.")
        no_password = after["auth"] in user_form.no_password_auths
        if self.password is not None and no_password:
            raise InvalidInputError(
                "password cannot be set for auth %s: Moodle's user form has no password for it (accounts of this "
                "auth plugin never log in with a Moodle password)." % after["auth"],
                hint="Remove password, or use auth: manual. Nothing was changed.")
        if before is None and self.password is None and after["auth"] in INTERNAL_AUTHS:
            raise InvalidInputError(
                "Creating user %s with auth %s needs password (Moodle's form requires one for %s accounts)%s." % (
                    self.username, after["auth"], after["auth"],
                    "; the password given equals the login password and is ignored" if params["password"] else ""),
                hint="Give password, or use auth: webservice for a service account. Nothing was changed.")

    def password_to_set(self, before):
        if self.password is None:
            return None
        if before is None or self.params["update_password"] == "always":
            return self.password
        return None

    def check_policy(self, password):
        violations = policy_violations(password, self.admin.password_policy())
        if violations:
            raise InvalidInputError(
                "password does not meet the site's password policy (Site administration > Security > Site security "
                "settings): %s" % " ".join(violations),
                hint="Choose a password that does; nothing was changed.")

    # -- run ----------------------------------------------------------------------------------------------------
    def run(self):
        self.check_input()
        self.admin = UserAdmin(self.moodle.client, self.moodle.settings)
        record = self.admin.find(self.username)
        if record is not None and self.params["state"] in ("absent", "suspended"):
            if int(record["id"]) == self.moodle.client.session().user_id:
                raise InvalidInputError(
                    "User %s is the account this module is logged in as: it cannot %s itself." % (
                        self.username, "delete" if self.params["state"] == "absent" else "suspend"),
                    hint="Log in with another site administrator; nothing was changed.")
        if self.params["state"] == "absent":
            return self.remove(record)
        user_form = self.admin.form(int(record["id"]) if record else NEW_USER_ID)
        before = self.read(record, user_form) if record else None
        after = self.desired(before, user_form)
        self.validate(before, after, user_form)
        password = self.password_to_set(before)
        if password is not None:
            self.check_policy(password)
        changes = describe(before, after, self.username)
        if password is not None:
            changes.append("password: set")
        if changes and not self.moodle.check_mode:
            after = self.apply(before, after, user_form, password)
        result = {"changed": bool(changes), "changes": changes, "user": after}
        if changes:
            diff_before = dict(before or {})
            diff_after = dict(after)
            if password is not None:
                if before:
                    diff_before["password"] = "(not shown)"
                diff_after["password"] = "(set, not shown)"
            self.moodle.add_diff(result, diff_before, diff_after)
        return result

    def apply(self, before, after, user_form, password):
        label = self.username
        current = before or self.read({"id": None, "username": self.username}, user_form)
        form_changes = {}
        for key, field in (("username", "username"), ("auth", "auth"), ("firstname", "firstname"),
                           ("lastname", "lastname"), ("email", "email"), ("idnumber", "idnumber")):
            if after[key] != current[key] or (before is None and key == "username"):
                form_changes[field] = after[key]
        if after["force_password_change"] != current["force_password_change"]:
            form_changes[FORCE_CHANGE_FIELD] = after["force_password_change"]
        for key, value in after["profile"].items():
            if current["profile"].get(key) != value and user_form.has(form_field(key)):
                form_changes[form_field(key)] = value
        if before is None and after["suspended"]:
            form_changes["suspended"] = True  # a new account is created suspended, as the form allows
        if form_changes or password is not None:
            self.admin.save(user_form, form_changes, password=password, auth=after["auth"], label=label)
        record = self.admin.find(self.username)
        if record is None:
            raise not_applied(label, ["existence (core_user_get_users_by_field does not find it)"])
        if before is not None and after["suspended"] != before["suspended"]:
            self.admin.set_suspended(int(record["id"]), after["suspended"])
        found = self.read(record, self.admin.form(int(record["id"])))
        wrong = [key for key in after if key not in ("id", "profile") and after[key] != found[key]]
        wrong.extend("profile.%s" % key for key in after["profile"] if after["profile"][key] != found["profile"].get(key))
        if wrong:
            raise not_applied(label, wrong)
        return found

    def remove(self, record):
        if record is None:
            return {"changed": False, "changes": [], "user": None}
        before = {"id": int(record["id"]), "username": record.get("username"), "auth": record.get("auth"),
                  "suspended": bool(record.get("suspended")), "firstname": record.get("firstname"),
                  "lastname": record.get("lastname"), "email": record.get("email")}
        if not self.moodle.check_mode:
            self.admin.delete(before["id"], label=self.username)
            if self.admin.find(self.username) is not None:
                raise not_applied(self.username, ["deletion (the account is still found)"])
        result = {"changed": True, "changes": ["user %s: deleted" % self.username], "user": None}
        self.moodle.add_diff(result, before, {})
        return result


def describe(before, after, username):
    if before is None:
        lines = ["user %s: created (auth %s)" % (username, after["auth"])]
        if after["suspended"]:
            lines.append("suspended: true")
        return lines
    changes = []
    for key in ("auth", "firstname", "lastname", "email", "idnumber", "force_password_change", "suspended"):
        if before[key] != after[key]:
            changes.append("%s: %s -> %s" % (key, shown(before[key]), shown(after[key])))
    for key in sorted(after["profile"]):
        if before["profile"].get(key) != after["profile"][key]:
            changes.append("profile.%s: %s -> %s" % (key, shown(before["profile"].get(key)), shown(after["profile"][key])))
    return changes


def main():
    moodle = UserModule(dict(
        username=dict(type="str", required=True),
        password=dict(type="str", no_log=True),
        update_password=dict(type="str", default="on_create", choices=["on_create", "always"], no_log=False),
        state=dict(type="str", default="present", choices=["present", "absent", "suspended"]),
        auth=dict(type="str", default="manual"),
        firstname=dict(type="str"),
        lastname=dict(type="str"),
        email=dict(type="str"),
        idnumber=dict(type="str"),
        profile=dict(type="dict"),
        force_password_change=dict(type="bool", no_log=False),
        login_username=dict(type="str", fallback=(env_fallback, ["MOODLE_USERNAME"])),
        login_password=dict(type="str", no_log=True, fallback=(env_fallback, ["MOODLE_PASSWORD"])),
    ))
    moodle.run(lambda: UserTask(moodle).run())


if __name__ == "__main__":
    main()
