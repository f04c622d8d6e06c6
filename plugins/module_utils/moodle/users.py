# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local user accounts as Moodle's pages and AJAX show them:

* users found with the AJAX-enabled ``core_user_get_users_by_field`` (:class:`Users`; a new user's id is on no page
  the creation answers);
* ``user/editadvanced.php?id=-1`` (new user) and ``?id=N&course=1`` (edit), read as a browser holds them
  (:class:`UserForm`, :func:`parse_user_form`) and submitted as a browser submits them (:class:`UserAdmin`);
* ``admin/user.php`` actions: ``?suspend=N`` / ``?unsuspend=N`` (GET with sesskey), ``?delete=N`` (confirm page,
  then POST ``delete, confirm=md5(N), sesskey``);
* the password policy from ``admin/settings.php?section=sitepolicies`` (module_utils/moodle/password_policy.py).

Re-rendered error forms echo the submitted password (``value`` of ``newpassword``): only the texts of
``div.invalid-feedback#id_error_<field>`` are ever read from them (:func:`field_errors`)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    FormRejectedError,
    InvalidInputError,
    MoodleError,
    UnexpectedAnswerError,
)
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.password_policy import POLICY_KEYS, POLICY_SECTION
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import Page, field_errors

LIST_PATH = "admin/user.php"
EDIT_PATH = "user/editadvanced.php"
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

_DEPENDENCIES = re.compile(r"initFormDependencies\(\s*Y\s*,\s*\"([^\"]*)\"\s*,\s*")


# -- users by username or id (AJAX) ---------------------------------------------------------------------------------
class Users:
    """Users by username or id, through the AJAX-enabled core_user_get_users_by_field of an admin session.

    Lookups are kept on the client until it writes (MoodleClient.read_cache): the entries of one moodle_site run
    and the sections of one task look each user up once."""

    def __init__(self, client):
        self.client = client
        cache = getattr(client, "read_cache", None)
        self._by_username = cache("users by username") if cache else {}
        self._by_id = cache("users by id") if cache else {}
        self._missing = cache("usernames not found") if cache else {}

    def _fetch(self, field, values):
        values = [value for value in values if value not in self._missing]
        if not values:
            return
        found = self.client.ajax("core_user_get_users_by_field", {"field": field, "values": list(values)},
                                 read_only=True) or []
        for user in found:
            self._by_username[user["username"]] = user
            self._by_id[int(user["id"])] = user
        if field == "username":
            for value in values:
                if value not in self._by_username:
                    self._missing[value] = True

    def find(self, username):
        """The user record (deleted users are not returned), or None."""
        if username not in self._by_username:
            self._fetch("username", [username])
        return self._by_username.get(username)

    def prefetch(self, usernames):
        """Look many users up in one request (those not known yet)."""
        wanted = sorted(set(str(name).strip().lower() for name in usernames if name))
        self._fetch("username", [name for name in wanted if name not in self._by_username])

    def ids_for(self, usernames, option="users"):
        """{username: id}; unknown usernames fail (before any write), all of them named."""
        wanted = [str(name).strip().lower() for name in usernames]
        self._fetch("username", [name for name in wanted if name not in self._by_username])
        unknown = sorted(name for name in wanted if name not in self._by_username)
        if unknown:
            raise InvalidInputError("%s names users that do not exist on the site: %s." % (option, ", ".join(unknown)),
                                    hint="Create them first, or fix the usernames; nothing was changed.")
        return dict((name, int(self._by_username[name]["id"])) for name in wanted)

    def usernames_for(self, ids):
        """{id: username} for ids; ids Moodle does not return map to '#<id>'."""
        self._fetch("id", [user_id for user_id in ids if user_id not in self._by_id])
        return dict((user_id, self._by_id[user_id]["username"] if user_id in self._by_id else "#%s" % user_id)
                    for user_id in ids)


# -- the user form --------------------------------------------------------------------------------------------------
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
        """The form creates a user (id -1), rather than editing one."""
        return self.user_id == NEW_USER_ID

    def has(self, name):
        """The form has a field ``name``."""
        return self.form.control(name) is not None

    def value(self, name):
        """The value the form shows for ``name`` (None when it has no such field)."""
        return self.values.get(name)

    def checked(self, name):
        """A checkbox (or advcheckbox) of the form is checked."""
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
        """The label of the form's submit button, as a browser sends it."""
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


def parse_user_form(page, user_id):
    """The user form of a ``user/editadvanced.php`` page (a page_parser.Page) as a UserForm, or None without one."""
    form = page.form_with_field(FORM_MARKER)
    return UserForm(page, form, user_id) if form is not None else None


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


# -- the pages ----------------------------------------------------------------------------------------------------
class UserAdmin:
    """The pages a site administrator manages local accounts with: the user form, the user list's suspend and
    delete actions, the password policy (through ``settings``, a settings backend)."""

    def __init__(self, client, settings=None):
        self.client = client
        self.settings = settings

    def find(self, username):
        """The user record from core_user_get_users_by_field (deleted users are not returned), or None."""
        return Users(self.client).find(username)

    def form(self, user_id=NEW_USER_ID):
        """The user form of ``user_id`` (NEW_USER_ID: the new-user form) as a UserForm."""
        params = {"id": user_id} if user_id == NEW_USER_ID else {"id": user_id, "course": 1}
        user_form = parse_user_form(self.client.page(EDIT_PATH, params=params), user_id)
        if user_form is None:
            raise UnexpectedAnswerError(
                "GET /%s?id=%s" % (EDIT_PATH, user_id), "the user form (%s)" % FORM_MARKER,
                "a page without it", release=self.client.known_release)
        return user_form

    def password_policy(self):
        """The site's password policy settings ({POLICY_KEYS name: stored string})."""
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
        """Suspend or reactivate a user with the user list's action link (a GET with sesskey, answered by a
        redirect)."""
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
    """A form field as the moodle_user option that sets it."""
    if field in _OPTION_NAMES:
        return _OPTION_NAMES[field]
    if field in ("username", "auth", "firstname", "lastname", "email", "idnumber", "suspended", "createpassword"):
        return field
    return "profile.%s" % field
