# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""moodle_user: a local account as a converge resource (created, edited, suspended or deleted through the pages of
module_utils/moodle/users.py), its options, and the connection it logs in with (:func:`login_params`)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.moodleops.auth.plugins.module_utils.argspec import env_fallback
from ansible_collections.moodleops.auth.plugins.module_utils.converge import Resource
from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError, WriteNotAppliedError
from ansible_collections.moodleops.auth.plugins.module_utils.input_checks import boolean_control_problem
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.facts import PROFILE_FIELDS
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.password_policy import policy_violations
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.users import (
    FORCE_CHANGE_FIELD,
    INTERNAL_AUTHS,
    NEW_USER_ID,
    UserAdmin,
    form_field,
)
from ansible_collections.moodleops.auth.plugins.module_utils.site.section import Section

USER_FIELDS = ("firstname", "lastname", "email", "idnumber")
REQUIRED_TO_CREATE = ("firstname", "lastname", "email")


def login_params(params):
    """The connection moodle_user logs in with: its options with username and password replaced by login_username
    and login_password (its own username and password are the managed account's)."""
    return dict(params, username=params.get("login_username"), password=params.get("login_password"))


def not_applied(label, wrong):
    """The failure of a write that Moodle accepted but that reading the account back does not show."""
    return WriteNotAppliedError("Moodle accepted the changes to user %s, but reading it back shows different %s." % (
        label, ", ".join(sorted(wrong))))


def require_choice(option, value, choices):
    """Fail (naming ``option`` and the choices) when a select of the user form does not offer ``value``."""
    if choices is not None and value not in choices:
        shown = [choice for choice in choices if choice][:40]
        raise InvalidInputError("%s %r is not one of the values this site's user form offers." % (option, value),
                                hint="Choices: %s%s. Nothing was changed." % (
                                    ", ".join(shown), ", ..." if len(choices) > len(shown) else ""))


def text(value):
    """A value as the user form holds it (booleans as 1/0)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    return "%s" % value


def shown(value):
    """A value as a change line shows it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value == "":
        return "''"
    return "%s" % value


class UserResource(Resource):
    """A local account as an admin creates it (user/editadvanced.php), suspended, or absent."""

    name = "user"

    def __init__(self, moodle):
        Resource.__init__(self, moodle)
        self.login = moodle.connection      # login_params(): what the client logs in with
        self.username = self.params["username"]
        self.password = self.params["password"]
        if self.password is not None and self.password == self.login.get("password"):
            self.password = None  # the group's module_defaults password (the admin's): never a user's
        self.admin = None
        self.user_form = None
        self.new_password = None

    # -- input --------------------------------------------------------------------------------------------------
    def check_options(self):
        """What the options alone show wrong: the login, the username, the email, the module's own account as
        the one to delete or suspend, update_password without password, profile keys that are options."""
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

    def lock_name(self):
        """The account's lock: tasks changing one user take turns."""
        return "user", self.username

    # -- reading ------------------------------------------------------------------------------------------------
    def read(self):
        """The account (None: it does not exist), from its AJAX record and its edit form; the form is kept."""
        self.admin = UserAdmin(self.moodle.client, self.moodle.settings)
        record = self.admin.find(self.username)
        if record is not None and self.params["state"] in ("absent", "suspended"):
            if int(record["id"]) == self.moodle.client.session().user_id:
                raise InvalidInputError(
                    "User %s is the account this module is logged in as: it cannot %s itself." % (
                        self.username, "delete" if self.params["state"] == "absent" else "suspend"),
                    hint="Log in with another site administrator; nothing was changed.")
        if self.params["state"] == "absent":
            if record is None:
                return None
            return {"id": int(record["id"]), "username": record.get("username"), "auth": record.get("auth"),
                    "suspended": bool(record.get("suspended")), "firstname": record.get("firstname"),
                    "lastname": record.get("lastname"), "email": record.get("email")}
        self.user_form = self.admin.form(int(record["id"]) if record else NEW_USER_ID)
        return self.state_of(record, self.user_form) if record else None

    def state_of(self, record, user_form):
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

    def desired(self, before):
        """None for state: absent; else the account as the options want it."""
        if self.params["state"] == "absent":
            return None
        return self.desired_state(before, self.user_form)

    def desired_state(self, before, new_form):
        """The account as the options want it, from ``before`` (or the new-user form ``new_form``)."""
        params = self.params
        after = copy.deepcopy(before) if before else self.state_of({"id": None, "username": self.username}, new_form)
        after["username"] = self.username
        after["auth"] = params["auth"]
        for key in USER_FIELDS:
            if params[key] is not None:
                after[key] = params[key]
        for key, value in (params["profile"] or {}).items():
            after["profile"][key] = text(value) if value is not None else ""
        if params["force_password_change"] is not None:
            after["force_password_change"] = params["force_password_change"]
        after["suspended"] = params["state"] == "suspended"
        return after

    def check(self, before, after):
        """The form's keys, choices and required fields, and the password against the site's policy."""
        if after is None:
            return
        self.validate(before, after, self.user_form)
        self.new_password = self.password_to_set(before)
        if self.new_password is not None:
            self.check_policy(self.new_password)

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
        booleans = ["profile.%s %s" % (key, problem) for key, problem in sorted(
            (key, boolean_control_problem(user_form.form, form_field(key), value, key))
            for key, value in (params["profile"] or {}).items()) if problem]
        if booleans:  # a custom profile field of text (or a menu): YAML read an unquoted word as a boolean
            raise InvalidInputError("Profile fields that the user form cannot take: %s." % "; ".join(booleans),
                                    hint="Nothing was changed.")
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
        """The password this run sets (on creation, or every run with update_password: always), or None."""
        if self.password is None:
            return None
        if before is None or self.params["update_password"] == "always":
            return self.password
        return None

    def check_policy(self, password):
        """Fail before any write when ``password`` breaks the site's password policy."""
        violations = policy_violations(password, self.admin.password_policy())
        if violations:
            raise InvalidInputError(
                "password does not meet the site's password policy (Site administration > Security > Site security "
                "settings): %s" % " ".join(violations),
                hint="Choose a password that does; nothing was changed.")

    # -- changes and writes -----------------------------------------------------------------------------------
    def describe(self, before, after):
        """The change lines (a password that is set shows as ``password: set``)."""
        if after is None:
            return ["user %s: deleted" % self.username] if before is not None else []
        changes = describe(before, after, self.username)
        if self.new_password is not None:
            changes.append("password: set")
        return changes

    def apply(self, plan):
        """Delete; or submit the form with only what differs (and the password), then suspend or reactivate."""
        before, after, user_form, password = plan.before, plan.after, self.user_form, self.new_password
        if after is None:
            self.admin.delete(before["id"], label=self.username)
            return
        current = before or self.state_of({"id": None, "username": self.username}, user_form)
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
            self.admin.save(user_form, form_changes, password=password, auth=after["auth"], label=self.username)
        if before is not None and after["suspended"] != before["suspended"]:
            self.admin.set_suspended(before["id"], after["suspended"])

    def verify(self, plan):
        """Find the account again and compare every key written."""
        after, label = plan.after, self.username
        record = self.admin.find(self.username)
        if after is None:
            if record is not None:
                raise not_applied(label, ["deletion (the account is still found)"])
            return None
        if record is None:
            raise not_applied(label, ["existence (core_user_get_users_by_field does not find it)"])
        found = self.state_of(record, self.admin.form(int(record["id"])))
        wrong = [key for key in after if key not in ("id", "profile") and after[key] != found[key]]
        wrong.extend("profile.%s" % key for key in after["profile"] if after["profile"][key] != found["profile"].get(key))
        if wrong:
            raise not_applied(label, wrong)
        return found

    def diff(self, plan):
        """Before and after, the password shown only as set."""
        diff_before, diff_after = dict(plan.before or {}), dict(plan.after or {})
        if plan.after is not None and self.new_password is not None:
            if plan.before:
                diff_before["password"] = "(not shown)"
            diff_after["password"] = "(set, not shown)"
        return diff_before, diff_after


def describe(before, after, username):
    """The change lines of an account from ``before`` to ``after`` (never its password)."""
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


USER_OPTIONS = dict(
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
)


# -- the site description's section ---------------------------------------------------------------------------------
def as_login_options(connection):
    """The run's connection as moodle_user options: its username and password are the account's, so the run's
    account logs in as login_username/login_password."""
    options = dict((key, value) for key, value in connection.items() if key not in ("username", "password"))
    options["login_username"] = connection.get("username")
    options["login_password"] = connection.get("password")
    return options


SECTION = Section("users", order=20, role="webservices", module="moodle_user", options=USER_OPTIONS,
                  resource=UserResource, label=lambda entry: "%s" % entry.get("username"),
                  connection_options=as_login_options, login=login_params, account_options=("username",),
                  creates=("user", "user", ("username",)))
