# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local user accounts through the pages a site administrator uses:

* ``user/editadvanced.php?id=-1`` (new user) and ``?id=N&course=1`` (edit), submitted as a browser submits them;
* ``admin/user.php`` actions: ``?suspend=N`` / ``?unsuspend=N`` (GET with sesskey), ``?delete=N`` (confirm page,
  then POST ``delete, confirm=md5(N), sesskey``);
* users found with the AJAX-enabled ``core_user_get_users_by_field`` (a new user's id is on no page it answers);
* the password policy from ``admin/settings.php?section=sitepolicies``, checked before anything is written.

Re-rendered error forms echo the submitted password (``value`` of ``newpassword``): only the texts of
``div.invalid-feedback#id_error_<field>`` are ever read from them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import re


try:
    from html.parser import HTMLParser
except ImportError:  # pragma: no cover
    from HTMLParser import HTMLParser

from ansible_collections.moodleops.auth.plugins.module_utils.argspec import env_fallback
from ansible_collections.moodleops.auth.plugins.module_utils.converge import Resource
from ansible_collections.moodleops.auth.plugins.module_utils.input_checks import boolean_control_problem
from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    FormRejectedError,
    InvalidInputError,
    MoodleError,
    UnexpectedAnswerError,
    WriteNotAppliedError,
)
from ansible_collections.moodleops.auth.plugins.module_utils.module import MoodleModule
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.facts import PROFILE_FIELDS
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import Page
from ansible_collections.moodleops.auth.plugins.module_utils.users import Users

LIST_PATH = "admin/user.php"
EDIT_PATH = "user/editadvanced.php"
POLICY_SECTION = "sitepolicies"
FORM_MARKER = "_qf__user_editadvanced_form"
NEW_USER_ID = -1

# Auth plugins whose form disables createpassword and newpassword (Moodle 4.5: cas|db|ldap|mnet|oauth2|shibboleth|
# userkey|webservice); only used when a page has no initFormDependencies to read it from.
FALLBACK_NO_PASSWORD_AUTHS = ("cas", "db", "ldap", "mnet", "oauth2", "shibboleth", "userkey", "webservice")
# Auth plugins Moodle calls internal: a new account needs a password (editadvanced_form: "Required").
INTERNAL_AUTHS = ("manual", "email")

FORCE_CHANGE_FIELD = "preference_auth_forcepasswordchange"
DESCRIPTION_FIELD = "description_editor[text]"
# Form fields that are options of their own, or the form's machinery: never profile keys.
NOT_PROFILE_FIELDS = frozenset((
    "id", "course", "returnto", "sesskey", FORM_MARKER, "username", "auth", "suspended", "createpassword",
    "newpassword", FORCE_CHANGE_FIELD, "firstname", "lastname", "email", "idnumber", "deletepicture", "imagefile",
    "interests", "interests[]", "description_editor[format]", "description_editor[itemid]", "submitbutton", "cancel",
))
ADVCHECKBOXES = ("suspended", FORCE_CHANGE_FIELD)

POLICY_KEYS = ("passwordpolicy", "minpasswordlength", "minpassworddigits", "minpasswordlower", "minpasswordupper",
               "minpasswordnonalphanum", "maxconsecutiveidentchars")

_DEPENDENCIES = re.compile(r"initFormDependencies\(\s*Y\s*,\s*\"([^\"]*)\"\s*,\s*")


def form_field(key):
    """profile key -> form field name ('description' is the editor's text)."""
    return DESCRIPTION_FIELD if key == "description" else key


class UserForm:
    """The user form (new or edit) of ``user/editadvanced.php`` as a browser holds it."""

    def __init__(self, page, form, user_id):
        self.page = page
        self.form = form
        self.user_id = user_id
        self.values = form.current_values()
        self.auth_rules = auth_dependencies(page.html, form.id)
        self.no_password_auths = set(auth for auth, fields in self.auth_rules.items() if "newpassword" in fields)

    def disabled_for(self, auth):
        """The fields the form's JavaScript disables while ``auth`` is selected (a browser does not submit them)."""
        return self.auth_rules.get(auth, set())

    @property
    def is_new(self):
        return self.user_id == NEW_USER_ID

    def has(self, name):
        return self.form.control(name) is not None

    def value(self, name):
        return self.values.get(name)

    def checked(self, name):
        return self.values.get(name) == "1"

    def profile_keys(self):
        """Every key ``profile`` may hold on this form."""
        keys = set()
        for name in self.form.field_names:
            if name in NOT_PROFILE_FIELDS or name.startswith("mform_") or name.startswith("_qf__"):
                continue
            keys.add("description" if name == DESCRIPTION_FIELD else name)
        return keys

    def choices(self, name):
        """The values a select offers, or None for fields that are not selects."""
        control = self.form.control(name)
        if control is None or control.tag != "select":
            return None
        return [option[0] for option in control.options]

    def submit_label(self):
        for control in self.form.controls:
            if control.name == "submitbutton":
                return control.value
        return "Create user" if self.is_new else "Update profile"

    def submission(self, changes, password=None, auth=None):
        """The (name, value) pairs a browser submits with ``changes`` ({field: value}) typed in.

        ``password`` is typed into newpassword. ``auth`` is the auth plugin the form will show: for one the
        form disables the password fields of (disabledIf), createpassword and newpassword are left out."""
        pairs = list(self.form.browser_submission())
        for name, value in changes.items():
            if name in ADVCHECKBOXES:
                pairs = _replace(pairs, name, [(name, "0")] + ([(name, "1")] if value else []))
            else:
                pairs = _replace(pairs, name, [(name, "" if value is None else "%s" % value)])
        disabled = self.disabled_for(auth)
        if password is not None and "newpassword" not in disabled:
            pairs = _replace(pairs, "newpassword", [("newpassword", password)])
        pairs = [pair for pair in pairs if pair[0] not in disabled]
        pairs.append(("submitbutton", self.submit_label()))
        return pairs


def _replace(pairs, name, new_pairs):
    """Put ``new_pairs`` where ``name`` first was (at the end if it was not there); drop its other values."""
    result = []
    placed = False
    for pair in pairs:
        if pair[0] == name:
            if not placed:
                result.extend(new_pairs)
                placed = True
            continue
        result.append(pair)
    if not placed:
        result.extend(new_pairs)
    return result


def auth_dependencies(html, form_id=None):
    """{auth plugin: set of fields the form disables while it is selected}, from the mform ``disabledIf`` JSON
    (``M.form.initFormDependencies``). The new-user form disables createpassword/newpassword for auth plugins
    that are not internal; the edit form also username (and the password for those that cannot change it)."""
    for match in _DEPENDENCIES.finditer(html or ""):
        if form_id and match.group(1) != form_id:
            continue
        try:
            dependencies, _end = json.JSONDecoder().raw_decode(html, match.end())
        except ValueError:
            continue
        rules = {}
        conditions = dependencies.get("auth") or {}
        for operator in ("in", "eq"):
            for values, targets in (conditions.get(operator) or {}).items():
                fields = set(name for group in targets for name in group)
                for auth in values.split("|") if operator == "in" else [values]:
                    rules.setdefault(auth, set()).update(fields)
        return rules
    return dict((auth, set(("createpassword", "newpassword"))) for auth in FALLBACK_NO_PASSWORD_AUTHS)


def auths_without_password(html, form_id=None):
    """The auth plugins for which the form disables newpassword, as a set."""
    return set(auth for auth, fields in auth_dependencies(html, form_id).items() if "newpassword" in fields)


class _FieldErrors(HTMLParser):
    """Texts of ``div.invalid-feedback#id_error_<field>``; nested blocks become separate sentences."""

    def __init__(self):
        HTMLParser.__init__(self, convert_charrefs=True)
        self.errors = []
        self._field = None
        self._depth = 0
        self._chunks = []

    def handle_starttag(self, tag, attrs):
        if self._field is not None:
            if tag in ("div", "p", "br", "li"):
                self._chunks.append("\n")
            if tag not in ("br", "input", "img"):
                self._depth += 1
            return
        attrs = dict(attrs)
        element_id = attrs.get("id") or ""
        if tag == "div" and element_id.startswith("id_error_") and "invalid-feedback" in (attrs.get("class") or ""):
            self._field = element_id[len("id_error_"):]
            self._depth = 1
            self._chunks = []

    def handle_endtag(self, tag):
        if self._field is None or tag in ("br", "input", "img"):
            return
        self._depth -= 1
        if tag in ("div", "p", "li"):
            self._chunks.append("\n")
        if self._depth <= 0:
            lines = [" ".join(line.split()) for line in "".join(self._chunks).split("\n")]
            text = " ".join(line for line in lines if line)
            if text:
                self.errors.append((self._field, text))
            self._field = None

    def handle_data(self, data):
        if self._field is not None:
            self._chunks.append(data)


def field_errors(html):
    """[(field, message)] shown by a re-rendered moodleform; never any input's value."""
    parser = _FieldErrors()
    try:
        parser.feed(html or "")
        parser.close()
    except Exception:  # a broken page still yields what was parsed so far
        pass
    return parser.errors


# -- the password policy ------------------------------------------------------------------------------------------
def _number(value):
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def policy_violations(password, policy):
    """Moodle's check_password_policy() rules broken by ``password``, in Moodle's words; [] when it complies or the
    policy is off. ``policy``: the sitepolicies settings (strings as stored)."""
    if "%s" % policy.get("passwordpolicy") != "1":
        return []
    password = _unicode(password)
    problems = []
    length = _number(policy.get("minpasswordlength"))
    if len(password) < length:
        problems.append("Passwords must be at least %d characters long." % length)
    for key, test, text in (
            ("minpassworddigits", lambda c: c.isdecimal(), "Passwords must have at least %d digit(s)."),
            ("minpasswordlower", lambda c: c.islower(), "Passwords must have at least %d lower case letter(s)."),
            ("minpasswordupper", lambda c: c.isupper(), "Passwords must have at least %d upper case letter(s)."),
            ("minpasswordnonalphanum", lambda c: not (c.isdecimal() or c.islower() or c.isupper()),
             "The password must have at least %d special character(s) such as *, -, or #.")):
        wanted = _number(policy.get(key))
        if wanted and sum(1 for char in password if test(char)) < wanted:
            problems.append(text % wanted)
    most = _number(policy.get("maxconsecutiveidentchars"))
    if most > 0 and _longest_run(password) > most:
        problems.append("Passwords must have at most %d consecutive identical characters." % most)
    return problems


def _longest_run(text):
    longest = run = 0
    previous = None
    for char in text:
        run = run + 1 if char == previous else 1
        previous = char
        longest = max(longest, run)
    return longest


def _unicode(text):
    try:
        return text.decode("utf-8")  # Python 2 str
    except AttributeError:
        return text


# -- the pages ----------------------------------------------------------------------------------------------------
class UserAdmin:
    def __init__(self, client, settings=None):
        self.client = client
        self.settings = settings

    def find(self, username):
        """The user record from core_user_get_users_by_field (deleted users are not returned), or None."""
        return Users(self.client).find(username)

    def form(self, user_id=NEW_USER_ID):
        params = {"id": user_id} if user_id == NEW_USER_ID else {"id": user_id, "course": 1}
        page = self.client.page(EDIT_PATH, params=params)
        form = page.form_with_field(FORM_MARKER)
        if form is None:
            raise UnexpectedAnswerError(
                "GET /%s?id=%s" % (EDIT_PATH, user_id), "the user form (%s)" % FORM_MARKER,
                "a page without it", release=self.client.known_release)
        return UserForm(page, form, user_id)

    def password_policy(self):
        return self.settings.read(POLICY_SECTION, POLICY_KEYS)

    def save(self, user_form, changes, password=None, auth=None, label=None):
        """Submit the form with ``changes``; Moodle answers 303 to admin/user.php on success, or the form again
        (HTTP 200) with field errors. Only those error texts reach the message: the page echoes the password."""
        data = user_form.submission(changes, password=password, auth=auth)
        response = self.client.post(EDIT_PATH, data)
        if response.is_redirect and LIST_PATH in (response.location or ""):
            return
        what = "create the user" if user_form.is_new else "update the user"
        errors = field_errors(response.text) if response.status == 200 else []
        if errors:
            raise FormRejectedError(
                "Moodle refused to %s %s (user/editadvanced.php showed the form again): %s" % (
                    what, label or "", "; ".join("%s: %s" % (_option_name(field), text) for field, text in errors)),
                fields=[field for field, _text in errors])
        page = Page(response.text)
        problems = page.error_messages or page.alerts
        raise MoodleError("Moodle did not %s %s: user/editadvanced.php answered HTTP %s%s." % (
            what, label or "", response.status, (": " + "; ".join(problems)) if problems else " without field errors"),
            hint="A rejected session key answers this way; run the task again.")

    def set_suspended(self, user_id, suspended):
        action = "suspend" if suspended else "unsuspend"
        response = self.client.get(LIST_PATH, params={action: user_id, "sesskey": self.client.sesskey},
                                   write=True, follow=False)
        if not response.is_redirect:
            raise MoodleError("Moodle did not %s user %s: admin/user.php?%s answered HTTP %s instead of a redirect." % (
                action, user_id, action, response.status))

    def delete(self, user_id, label=None):
        """The confirm page (GET ?delete=N&sesskey=) then its POST (delete, confirm=md5(N), sesskey)."""
        page = self.client.page(LIST_PATH, params={"delete": user_id, "sesskey": self.client.sesskey})
        form = None
        for candidate in page.forms:
            if candidate.method == "post" and candidate.control("confirm") is not None and \
                    candidate.control("delete") is not None:
                form = candidate
                break
        if form is None or "%s" % form.control("delete").value != "%s" % user_id:
            raise UnexpectedAnswerError(
                "GET /%s?delete=%s" % (LIST_PATH, user_id), "the 'Delete user' confirmation form",
                "a page without it", release=self.client.known_release)
        response = self.client.post(LIST_PATH, form.browser_submission())
        if not response.is_redirect:
            page = Page(response.text)
            raise MoodleError("Moodle did not delete user %s: admin/user.php answered HTTP %s%s." % (
                label or user_id, response.status,
                (": " + "; ".join(page.error_messages)) if page.error_messages else ""))


_OPTION_NAMES = {"newpassword": "password", DESCRIPTION_FIELD: "profile.description",
                 FORCE_CHANGE_FIELD: "force_password_change"}


def _option_name(field):
    """A form field as the module option that sets it."""
    if field in _OPTION_NAMES:
        return _OPTION_NAMES[field]
    if field in ("username", "auth", "firstname", "lastname", "email", "idnumber", "suspended", "createpassword"):
        return field
    return "profile.%s" % field


def not_applied(label, wrong):
    return WriteNotAppliedError("Moodle accepted the changes to user %s, but reading it back shows different %s." % (
        label, ", ".join(sorted(wrong))))


def require_choice(option, value, choices):
    if choices is not None and value not in choices:
        shown = [choice for choice in choices if choice][:40]
        raise InvalidInputError("%s %r is not one of the values this site's user form offers." % (option, value),
                                hint="Choices: %s%s. Nothing was changed." % (
                                    ", ".join(shown), ", ..." if len(choices) > len(shown) else ""))


# -- moodle_user as a converge resource ------------------------------------------------------------------------------

USER_FIELDS = ("firstname", "lastname", "email", "idnumber")
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


class UserResource(Resource):
    """A local account as an admin creates it (user/editadvanced.php), suspended, or absent."""

    name = "user"

    def __init__(self, moodle):
        Resource.__init__(self, moodle)
        self.params = moodle.user_params
        self.login = moodle.params
        self.username = self.params["username"]
        self.password = self.params["password"]
        if self.password is not None and self.password == self.login.get("password"):
            self.password = None  # the group's module_defaults password (the admin's): never a user's
        self.admin = None
        self.user_form = None
        self.new_password = None

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

    def lock_name(self):
        return "user", self.username

    # -- reading ------------------------------------------------------------------------------------------------
    def read(self):
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
        if self.params["state"] == "absent":
            return None
        return self.desired_state(before, self.user_form)

    def desired_state(self, before, new_form):
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

    # -- changes and writes -----------------------------------------------------------------------------------
    def describe(self, before, after):
        if after is None:
            return ["user %s: deleted" % self.username] if before is not None else []
        changes = describe(before, after, self.username)
        if self.new_password is not None:
            changes.append("password: set")
        return changes

    def apply(self, plan):
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
        diff_before, diff_after = dict(plan.before or {}), dict(plan.after or {})
        if plan.after is not None and self.new_password is not None:
            if plan.before:
                diff_before["password"] = "(not shown)"
            diff_after["password"] = "(set, not shown)"
        return diff_before, diff_after


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
