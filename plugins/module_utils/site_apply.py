# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""moodle_site: the sections of a site description (webservices, users, roles, services, tokens, auth_plugins,
apilogin, lti_platforms) in one module run (one login, one connection).

Each entry is what one task of its module would be: its options are the entry's keys (the description mirrors the
modules' options, plugins/plugin_utils/site_schema.py), validated against that module's argument spec with the
connection of this run, checked by the same input checks (module_utils.input_checks), and run through the same
converge runner (module_utils.converge) with a per-entry view of the MoodleModule. The first failing entry ends
the run, as a failing task ends a play."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.moodleops.auth.plugins.module_utils import input_checks
from ansible_collections.moodleops.auth.plugins.module_utils.apilogin import APILOGIN_OPTIONS, ApiLoginUsers
from ansible_collections.moodleops.auth.plugins.module_utils.argspec import moodle_argument_spec
from ansible_collections.moodleops.auth.plugins.module_utils.authplugins import (
    ALWAYS_ENABLED,
    AUTH_PLUGIN_OPTIONS,
    AuthPluginResource,
)
from ansible_collections.moodleops.auth.plugins.module_utils.converge import converge
from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    InvalidInputError,
    LoginFailedError,
    MaintenanceModeError,
    MoodleConnectionError,
    MoodleError,
    NotMoodleError,
    NotSiteAdminError,
    WwwrootMismatchError,
)
from ansible_collections.moodleops.auth.plugins.module_utils.lti_platform import LTI_PLATFORM_OPTIONS, LtiPlatform
from ansible_collections.moodleops.auth.plugins.module_utils.module import MoodleModule
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.facts import is_secret_setting
from ansible_collections.moodleops.auth.plugins.module_utils.roles import ROLE_OPTIONS, RoleResource
from ansible_collections.moodleops.auth.plugins.module_utils.services import SERVICE_OPTIONS, ServiceResource
from ansible_collections.moodleops.auth.plugins.module_utils.tokens import TOKEN_OPTIONS, TokenByLogin, TokenResource
from ansible_collections.moodleops.auth.plugins.module_utils.useradmin import USER_OPTIONS, UserResource
from ansible_collections.moodleops.auth.plugins.module_utils.users import Users
from ansible_collections.moodleops.auth.plugins.module_utils.webservice import WEBSERVICE_OPTIONS, WebServiceSwitches

SECTIONS = ("webservices", "users", "roles", "services", "tokens", "auth_plugins", "apilogin", "lti_platforms")
APILOGIN_STATES = ("present", "suspended", "absent")     # one entry (one moodle_apilogin_user run) per state
# section -> (module whose options an entry holds, its options, whether it has the transport options)
MODULES = {
    "webservices": ("moodle_webservice_enable", WEBSERVICE_OPTIONS, True),
    "users": ("moodle_user", USER_OPTIONS, False),
    "roles": ("moodle_role", ROLE_OPTIONS, False),
    "services": ("moodle_external_service", SERVICE_OPTIONS, False),
    "tokens": ("moodle_token", TOKEN_OPTIONS, False),
    "auth_plugins": ("moodle_auth_plugin", AUTH_PLUGIN_OPTIONS, True),
    "apilogin": ("moodle_apilogin_user", APILOGIN_OPTIONS, False),
    "lti_platforms": ("moodle_lti_platform", LTI_PLATFORM_OPTIONS, False),
}
RESOURCES = {"webservices": WebServiceSwitches, "users": UserResource, "roles": RoleResource,
             "services": ServiceResource, "tokens": TokenResource, "auth_plugins": AuthPluginResource,
             "apilogin": ApiLoginUsers}
SITE_OPTIONS = dict(
    site=dict(type="dict", required=True),
    sections=dict(type="list", elements="str", choices=list(SECTIONS), default=list(SECTIONS)),
    tokens_rotate=dict(type="bool", default=False, no_log=False),
    tokens_filter=dict(type="str", default="", no_log=False),
)
SECRET_OPTIONS = ("password", "user_password", "token_value", "secret")
PENDING = "would be created by this run (check mode creates nothing)"
# Failures of the run's connection and login, not of the entry being applied: their message names no section.
SITE_ERRORS = (LoginFailedError, MoodleConnectionError, NotMoodleError, WwwrootMismatchError, NotSiteAdminError,
               MaintenanceModeError)


class EntryWarnings:
    """The Ansible module as an entry sees it: its warnings are the run's and also kept for the entry, whose report
    line shows them (ansible-core before 2.19 shows no warning of a no_log task, and the roles' task is no_log)."""

    def __init__(self, module, kept):
        self._module = module
        self._kept = kept

    def warn(self, warning):
        self._kept.append(warning)
        self._module.warn(warning)

    def __getattr__(self, name):
        return getattr(self._module, name)


class EntryModule:
    """The MoodleModule as one entry's module sees it: the entry's params; the client (one login), settings,
    secrets, check mode and Ansible module of the moodle_site run (its warnings kept in ``warnings`` too)."""

    def __init__(self, site, params, user_params=None):
        self.site = site
        self.params = params
        self.user_params = user_params if user_params is not None else params
        self.warnings = []
        self.module = EntryWarnings(site.module, self.warnings)

    client = property(lambda self: self.site.client)
    open_client = property(lambda self: self.site.open_client)
    diff_wanted = property(lambda self: self.site.diff_wanted)
    settings = property(lambda self: self.site.settings)
    state = property(lambda self: self.site.state)
    redact = property(lambda self: self.site.redact)
    check_mode = property(lambda self: self.site.check_mode)
    transport = MoodleModule.transport

    def reveal(self, secret):
        self.site.reveal(secret)

    def warn(self, warning):
        self.module.warn(warning)

    def add_diff(self, result, before, after):
        MoodleModule.add_diff(self, result, before, after)


def apilogin_entries(value):
    """The apilogin section as moodle_apilogin_user runs: one per user state, each user without its state key."""
    if not value:
        return []
    common = dict((key, item) for key, item in value.items() if key != "users")
    entries = []
    for state in APILOGIN_STATES:
        users = [dict((key, item) for key, item in user.items() if key != "state") for user in value.get("users") or []
                 if isinstance(user, dict) and (user.get("state") or "present") == state]
        if users:
            entries.append(dict(common, state=state, users=users))
    return entries


def token_key(entry):
    """user@service[#name], the key of moodle_site_tokens."""
    return "%s@%s%s" % (entry.get("user"), entry.get("service"), "#%s" % entry["name"] if entry.get("name") else "")


def label_of(section, entry):
    if section == "tokens":
        return token_key(entry)
    if section == "webservices":
        if entry.get("state") == "absent":
            return "disabled"
        protocols = entry.get("protocols")
        return "enabled%s" % (" (%s)" % ", ".join("%s" % protocol for protocol in protocols)
                              if isinstance(protocols, list) and protocols else "")
    if section == "apilogin":
        field = entry.get("match_field") or "username"
        return "%s users %s" % (entry.get("state"), ", ".join("%s" % user.get(field) for user in entry.get("users") or []))
    key = {"users": "username", "roles": "shortname", "auth_plugins": "name", "lti_platforms": "name"}.get(section)
    if key:
        return "%s" % entry.get(key)
    return "%s" % (entry.get("shortname") or entry.get("name"))


def description_secrets(site):
    """The secrets of the description's entries (passwords, token values, secret settings), known before the first
    entry runs: masked everywhere in the result (its invocation included), even the entries after a failure."""
    for section in SECTIONS:
        entries = site.get(section)
        for entry in entries if isinstance(entries, list) else [entries]:
            if not isinstance(entry, dict):
                continue
            for option in SECRET_OPTIONS:
                yield entry.get(option)
            settings = entry.get("settings")
            for name, value in (settings.items() if isinstance(settings, dict) else []):
                if is_secret_setting(name) and value not in (None, ""):
                    yield "%s" % value


def given(mapping):
    """The keys given a value (null is as if left out, like the roles' default(omit))."""
    return dict((key, value) for key, value in (mapping or {}).items() if value is not None)


class SiteApply:
    """Apply the sections asked for, in the contract's order; ``run()`` returns the moodle_site result."""

    def __init__(self, moodle):
        self.moodle = moodle
        params = moodle.params
        self.site = params["site"]
        self.sections = [section for section in SECTIONS if section in params["sections"]]
        self.rotate = params["tokens_rotate"]
        try:
            self.filter = re.compile(params["tokens_filter"]) if params["tokens_filter"] else None
        except re.error as error:
            raise InvalidInputError("tokens_filter is not a regular expression: %s." % error)
        own = set(SITE_OPTIONS)
        for secret in description_secrets(self.site):
            moodle.redact.add(secret)
        self.connection = given(dict((key, value) for key, value in params.items() if key not in own))
        self.pending_users, self.pending_services = set(), set()
        self.results = dict((section, []) for section in self.sections)
        self.changes, self.diffs, self.tokens = [], [], {}
        self.requests = {}

    # -- the entries -------------------------------------------------------------------------------------------------
    def entries(self, section):
        value = self.site.get(section)
        if section == "webservices":
            if value is None:
                return []
            entry = dict(value)
            entry["state"] = "present" if boolean(entry.pop("enabled", True), strict=False) else "absent"
            return [entry]
        if section == "apilogin":
            return apilogin_entries(value)
        return [dict(entry) for entry in value or []]

    def auth_plugin_entry(self, entries, index):
        """The role's reading of an auth_plugins entry: absent means disabled; manual and nologin are always on
        (no state, no place); an enabled entry without position gets its place among the enabled ones."""
        entry = dict(entries[index])
        name = re.sub("^auth_", "", "%s" % entry.get("name"))
        state = entry.get("state")
        if state == "absent":
            entry["state"] = "disabled"
        elif state == "enabled" and name in ALWAYS_ENABLED:
            entry.pop("state")
        if entry.get("position") is None and entry.get("state") == "enabled":
            entry["position"] = len([other for other in entries[:index + 1] if other.get("state") == "enabled"
                                     and re.sub("^auth_", "", "%s" % other.get("name")) not in ALWAYS_ENABLED])
        return entry

    def token_entry(self, entry):
        """(entry, why it is skipped or None): rotation, the filter, references to objects check mode would create."""
        key = token_key(entry)
        if self.rotate:
            if entry.get("state", "present") == "absent":
                return entry, "state: absent (tokens_rotate rotates the others)"
            entry["state"] = "rotated"
        if self.filter is not None and not self.filter.search(key):
            return entry, "not matched by tokens_filter"
        for kind, name, pending in (("user", entry.get("user"), self.pending_users),
                                    ("service", entry.get("service"), self.pending_services)):
            if name in pending:
                return entry, "%s %s %s" % (kind, name, PENDING)
        return entry, None

    def pending_token_changes(self, entry, skipped):
        """Check mode: a token of an account or service the run would create is not checked against the site (it
        cannot be), but it would be made: its change line, as moodle_token would say it."""
        if not skipped.endswith(PENDING) or entry.get("state", "present") == "absent":
            return []
        if entry.get("method") == "login" and entry.get("state", "present") == "present":
            return ["token for %s on %s: fetched" % (entry.get("user"), entry.get("service"))]
        return ["token for %s on %s: created" % (entry.get("user"), entry.get("service"))]

    def leave_out_pending(self, section, entry):
        """Check mode: the accounts the run would create cannot be referred to yet; the entry goes without them."""
        option = {"roles": "users", "services": "authorised_users"}.get(section)
        names = entry.get(option) if option else None
        if not isinstance(names, list):
            return []
        left_out = [name for name in names if name in self.pending_users]
        entry[option] = [name for name in names if name not in self.pending_users]
        return left_out

    # -- one entry ---------------------------------------------------------------------------------------------------
    def params_for(self, section, entry):
        """The entry's options as its module would have them: validated against its spec, with the connection."""
        module_name, options, transport = MODULES[section]
        spec = moodle_argument_spec(options, transport=transport)
        raw = given(entry)
        connection = dict((key, value) for key, value in self.connection.items() if key in spec)
        if section == "users":  # moodle_user's username/password are the account's; it logs in with login_*
            connection = dict((key, value) for key, value in connection.items() if key not in ("username", "password"))
            connection["login_username"] = self.connection.get("username")
            connection["login_password"] = self.connection.get("password")
        found = input_checks.mapping_problems(spec, raw)
        if not found:
            unknown = sorted(set(raw) - set(options))
            if unknown:
                raise InvalidInputError("%s has no option %s." % (module_name, ", ".join(unknown)))
            validation = ArgumentSpecValidator(spec).validate(dict(given(connection), **raw))
            for secret in validation._no_log_values:
                self.moodle.redact.add(secret)
            if validation.error_messages:
                raise InvalidInputError("; ".join(validation.error_messages) + ".")
            params = validation.validated_parameters
        else:
            params = dict(raw)
        input_checks.check_options(module_name, spec, params, raw, found)
        return params

    def view_for(self, section, params):
        if section != "users":
            return EntryModule(self.moodle, params)
        login = dict(params, username=params.get("login_username"), password=params.get("login_password"))
        self.moodle.redact.add(login["password"])
        return EntryModule(self.moodle, login, user_params=params)

    def converge_entry(self, section, view):
        params = view.user_params
        if section == "tokens" and params["method"] == "login" and params["state"] == "present":
            return TokenByLogin(view).run()
        if section == "lti_platforms":
            return LtiPlatform(view).run()
        return converge(view, RESOURCES[section](view))

    def apply_entry(self, section, index, entry, where):
        record = {"entry": label_of(section, entry), "index": index}
        skipped = None
        if section == "tokens":
            entry, skipped = self.token_entry(entry)
        if skipped:
            changes = self.pending_token_changes(entry, skipped)
            record.update(skipped=True, changed=bool(changes), changes=changes, msg=skipped)
            self.changes.extend("%s: %s" % (where, line) for line in changes)
            return record
        left_out = self.leave_out_pending(section, entry) if self.moodle.check_mode else []
        view = self.view_for(section, self.params_for(section, entry))
        result = self.converge_entry(section, view)
        if view.warnings:
            record["warnings"] = list(view.warnings)
        token = result.pop("token", None)
        if section == "tokens" and entry.get("state", "present") != "absent":
            self.tokens[record["entry"]] = token
        diff = result.pop("diff", None)
        record.update(result)
        if left_out:
            record["left_out"] = left_out
            record["msg"] = "left out %s: %s" % (", ".join(left_out), PENDING)
        self.changes.extend("%s: %s" % (where, line) for line in record.get("changes") or [])
        if diff is not None:
            record["diff"] = diff
            self.diffs.append(dict(diff, before_header=where, after_header=where))
        self.note_pending(section, entry, record)
        return record

    def note_pending(self, section, entry, record):
        """Check mode: the accounts and services this run would create (they have no id yet)."""
        if not self.moodle.check_mode:
            return
        state = record.get({"users": "user", "services": "service"}.get(section, ""))
        if isinstance(state, dict) and state.get("id") is None and entry.get("state", "present") != "absent":
            names = [entry.get("username")] if section == "users" else [entry.get("shortname"), entry.get("name")]
            target = self.pending_users if section == "users" else self.pending_services
            target.update(name for name in names if name)

    # -- the run -----------------------------------------------------------------------------------------------------
    def referenced_usernames(self):
        """Every account the sections to apply name: looked up in one request before the first entry."""
        names = []
        for section, keys in (("users", ("username",)), ("roles", ("users",)), ("services", ("authorised_users",)),
                              ("tokens", ("user",))):
            if section not in self.sections:
                continue
            for entry in self.site.get(section) or []:
                for key in keys:
                    value = entry.get(key) if isinstance(entry, dict) else None
                    names.extend(value if isinstance(value, list) else [value])
        return [name for name in names if isinstance(name, str) and name.strip()]

    def prefetch_users(self, usernames):
        """One lookup for every account the description names (counted with the first section that needs it)."""
        try:
            Users(self.moodle.client).prefetch(usernames)
        except MoodleError:
            pass        # the entry that needs a user meets the same failure and names itself

    def run(self):
        failure = None
        usernames = self.referenced_usernames()
        for section in self.sections:
            entries = self.entries(section)
            counted = self.moodle.debug_info()
            if usernames and section in ("users", "roles", "services", "tokens"):
                self.prefetch_users(usernames)
                usernames = None
            for index in range(len(entries)):
                entry = self.auth_plugin_entry(entries, index) if section == "auth_plugins" else entries[index]
                where = section if section == "webservices" else "%s[%d] (%s)" % (
                    section, index, label_of(section, entries[index]))
                try:
                    self.results[section].append(self.apply_entry(section, index, entry, where))
                except Exception as error:  # pylint: disable=broad-except  # the failure names the entry
                    failure = self.failure(where, error)
                    break
            self.count_requests(section, entries, counted)
            if failure is not None:
                break
        return self.result(failure)

    def report(self):
        """The entries that changed (or would) or carry a message, in order, as the roles show them one by one."""
        shown = []
        for section in self.sections:
            for record in self.results[section]:
                if not (record.get("changed") or record.get("msg") or record.get("warnings")):
                    continue
                line = {"section": section, "entry": record["entry"], "changed": bool(record.get("changed")),
                        "changes": record.get("changes") or []}
                for key in ("msg", "warnings", "summary", "tool", "diff"):
                    if record.get(key) is not None:
                        line[key] = record[key]
                shown.append(line)
        return shown

    def count_requests(self, section, entries, before):
        """HTTP requests and writes of the section (this run reads a page once until it writes: a later section
        may use what an earlier one read)."""
        after = self.moodle.debug_info()
        objects = sum(len(entry.get("users") or []) for entry in entries) if section == "apilogin" else len(entries)
        self.requests[section] = {"objects": objects,
                                  "requests": after["http_requests"] - before["http_requests"],
                                  "writes": after["http_writes"] - before["http_writes"]}

    def failure(self, where, error):
        """The run's failure: one message, naming the entry (section, index, name) unless the entry is not the cause
        (the connection or the login failed, whichever entry came first)."""
        if not isinstance(error, MoodleError):
            error = self.moodle.unexpected(error)
        text = "%s" % error if isinstance(error, SITE_ERRORS) else "%s: %s" % (where, error)
        failure = {"msg": self.moodle.redact(text)}
        if error.errorcode:
            failure["errorcode"] = error.errorcode
        return failure

    def result(self, failure):
        changed = any(record.get("changed") for records in self.results.values() for record in records)
        result = {"changed": changed, "sections": self.results, "changes": self.changes, "tokens": self.tokens,
                  "requests": self.requests, "report": self.report()}
        for token in self.tokens.values():
            self.moodle.reveal(token)
        if self.diffs and self.moodle.diff_wanted:
            result["diff"] = self.diffs
        if failure is not None:
            result.update(failure, failed=True)
        return result
