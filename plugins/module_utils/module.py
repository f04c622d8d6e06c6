# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The context a module or a site entry works in, and the module run around it.

* :class:`MoodleModule`: what every module shares (argument spec, input checks, client, settings backend,
  redaction, warnings, diff, check mode, one translation of failures, debug counts) and ``converge`` / ``perform``
  / ``run``.
* :class:`EntryContext`: the same context as one entry of a site description sees it (module_utils/site/apply.py):
  the entry's own options, the run's client (one login), redaction, check mode and diff; its warnings kept for its
  report line too.

Resources and actions use only this interface: ``params``, ``connection``, ``client``, ``open_client``, ``settings``,
``state``, ``redact``, ``reveal``, ``warn``, ``check_mode``, ``diff_wanted``, ``transport``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.moodleops.auth.plugins.module_utils import input_checks
from ansible_collections.moodleops.auth.plugins.module_utils.argspec import moodle_argument_spec
from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    InvalidInputError,
    LoginFailedError,
    MaintenanceModeError,
    MoodleConnectionError,
    MoodleError,
    NotMoodleError,
    NotSiteAdminError,
    UnexpectedAnswerError,
    WwwrootMismatchError,
    local_error,
)
from ansible_collections.moodleops.auth.plugins.module_utils.redact import Redactor, redact_structure
from ansible_collections.moodleops.auth.plugins.module_utils.versions import TESTED_TEXT, untested_warning

# Failures of the run's connection and login, not of the entry being applied: their message names no entry.
RUN_ERRORS = (LoginFailedError, MoodleConnectionError, NotMoodleError, WwwrootMismatchError, NotSiteAdminError,
              MaintenanceModeError)


class MoodleModule:
    """One module run. ``connection(params)``, when given, is what the client logs in with (moodle_user: its own
    username and password are the managed account's)."""

    def __init__(self, argument_spec, transport=False, name=None, connection=None, **kwargs):
        spec = moodle_argument_spec(argument_spec, transport=transport)
        given = input_checks.task_arguments()
        unusable = input_checks.mapping_problems(spec, given)
        if input_checks.holds_nul(given):
            kwargs["no_log"] = True   # skips only the invocation's syslog entry, which cannot hold a NUL
        self.module = AnsibleModule(argument_spec=input_checks.relaxed(spec, unusable), supports_check_mode=True,
                                    **kwargs)
        self.params = self.module.params
        self.redact = Redactor()
        self.redact.on_add(self.module.no_log_values.add)
        for secret in (self.params.get("password"), self.params.get("token")):
            self.redact.add(secret)
        self.connection = connection(self.params) if connection is not None else self.params
        self.redact.add(self.connection.get("password"))
        self._client = None
        self._settings = None
        self._state = None
        self._revealed = set()
        self._check_input(name, spec, unusable, given)

    def _check_input(self, name, spec, found, given):
        """Options that cannot be right fail here, before the client exists (so before any request)."""
        failure = None
        try:
            input_checks.check_options(name, spec, self.params, given, found)
        except InvalidInputError as error:
            failure = error
        if failure is not None:   # outside the except block: a message, not a traceback (2.19+)
            details = {"msg": self.redact(str(failure))}
            self.module.fail_json(**details)

    def reveal(self, secret):
        """A secret the module exists to return (a token): kept in the result, still kept out of messages."""
        if secret:
            self._revealed.add(secret)

    @property
    def check_mode(self):
        """Whether the task runs in check mode."""
        return self.module.check_mode

    @property
    def diff_wanted(self):
        """The task runs with --diff (diff: true)."""
        return bool(self.module._diff)

    def warn(self, warning):
        """A warning of the task (shown by ansible-playbook; a site entry also keeps it on its report line)."""
        self.module.warn(warning)

    @property
    def open_client(self):
        """The client if this run has one already (None: no request made yet); never logs in."""
        return self._client

    @property
    def transport(self):
        """The transport option: 'http' (the default) or 'cli'."""
        return self.params.get("transport") or "http"

    @property
    def state(self):
        """Where this run keeps its files (module_utils.state_dir): option state_dir, MOODLEOPS_STATE_DIR, default."""
        if self._state is None:
            from ansible_collections.moodleops.auth.plugins.module_utils.state_dir import StateDir
            self._state = StateDir(self.params.get("state_dir"), warn=self.module.warn)
        return self._state

    @property
    def client(self):
        """The run's MoodleClient, made on first use (needs the requests library and url)."""
        if self._client is None:
            from ansible_collections.moodleops.auth.plugins.module_utils import http_transport as http
            if http.requests is None:
                self.module.fail_json(msg=missing_required_lib("requests"), exception=http.REQUESTS_IMPORT_ERROR)
            from ansible_collections.moodleops.auth.plugins.module_utils.client import MoodleClient
            if not self.connection.get("url"):
                raise InvalidInputError("url is required for HTTP access.", hint="Set url or MOODLE_URL.")
            self._client = MoodleClient(self.connection, self.redact, state=self.state)
            self._warn_unverified_tls()
        return self._client

    def _warn_unverified_tls(self):
        """Once per task (urllib3's warning for each request stays silenced in http_transport)."""
        url = self.params.get("url") or ""
        if self.params.get("validate_certs") is False and url.lower().startswith("https://"):
            self.module.warn("TLS certificates are not verified for %s (validate_certs: false): the password and "
                             "session can be read or taken over on the network path. For a site with a private CA, "
                             "give its CA bundle with ca_path instead." % self.redact(url))

    @property
    def settings(self):
        """The settings backend, made on first use: CliSettings (transport cli) or HttpSettings."""
        if self._settings is None:
            from ansible_collections.moodleops.auth.plugins.module_utils.moodle import admin_settings as settings
            if self.transport == "cli":
                self._settings = settings.CliSettings(self.module, self.params.get("moodle_root"),
                                                      self.params.get("php_executable") or "php")
            else:
                self._settings = settings.HttpSettings(self.client)
        return self._settings

    def debug_info(self):
        """The ``debug`` result keys: HTTP requests and writes of the run, and the transport."""
        transport = self._client.transport if self._client is not None else None
        return {"http_requests": transport.request_count if transport else 0,
                "http_writes": transport.write_count if transport else 0,
                "transport": self.transport}

    def run(self, work):
        """Run ``work()`` (returns the result dict), translate expected failures, close the session, exit."""
        failure = None
        try:
            result = work()
        except Exception as error:  # pylint: disable=broad-except  # translated once, by failure()
            failure = self.failure(error, traceback.format_exc())
        release = self._client.known_release if self._client is not None else None
        self._close()
        warning = untested_warning(release)
        if warning:
            self.module.warn(warning)
        if failure is not None:
            # Outside the except block: an expected failure is a message, not a traceback (even at -vvv).
            failure["debug"] = self.debug_info()
            self.module.fail_json(**failure)
        result.setdefault("changed", False)
        result["debug"] = self.debug_info()
        redactor = self.redact
        if self._revealed:
            self.module.no_log_values.difference_update(self._revealed)
            # Known secrets only: a returned login URL carries its one-time key as key=...
            redactor = Redactor((secret for secret in self.redact.secrets if secret not in self._revealed),
                                patterns=False)
        self.module.exit_json(**redact_structure(result, redactor))

    def failure(self, error, trace=None, where=None):
        """The one translation of a failure into what the task returns: ``msg`` (prefixed with ``where``, the site
        entry, unless the failure is the run's own: its connection or login), ``errorcode``, the failure's own result
        keys (a module's, not a site entry's), and ``exception`` (the redacted traceback) only for what is not an
        expected MoodleError."""
        expected = isinstance(error, MoodleError) and not isinstance(error, UnexpectedAnswerError)
        if not isinstance(error, MoodleError):
            error = self.unexpected(error)
        # A partial failure's result (what was done, item by item) is a module's result; a site entry's is not the
        # run's (its changed, changes and diff are the run's own).
        own = getattr(error, "result", None) if where is None else None
        details = redact_structure(dict(own or {}), self.redact)
        text = "%s" % error
        if where is not None and not isinstance(error, RUN_ERRORS):
            text = "%s: %s" % (where, text)
        details["msg"] = self.redact(text)
        if error.errorcode:
            details["errorcode"] = error.errorcode
        if trace and not expected:
            details["exception"] = self.redact(trace)
        return details

    def converge(self, resource_class):
        """Run one desired-state resource (module_utils.converge.Resource) through the shared runner and exit."""
        from ansible_collections.moodleops.auth.plugins.module_utils.converge import converge
        self.run(lambda: converge(self, resource_class(self)))

    def perform(self, action_class):
        """Run one action (module_utils.converge.Action: a module that acts on each run) and exit."""
        from ansible_collections.moodleops.auth.plugins.module_utils.converge import perform
        self.run(lambda: perform(self, action_class(self)))

    def unexpected(self, error):
        """An exception that is not a MoodleError, as the failure users see: a local one (files, permissions, a missing
        library) names the host and path; anything else is where, what, release, please report."""
        local = local_error(error)
        if local is not None:
            return local
        transport = self._client.transport if self._client is not None else None
        where = transport.last_exchange if transport is not None else None
        found = "%s: %s" % (type(error).__name__, error) if str(error) else type(error).__name__
        if len(found) > 300:
            found = found[:300] + "..."
        return UnexpectedAnswerError(
            where, "a page or answer the collection can read", self.redact(found),
            release=self._client.known_release if self._client is not None else None, tested=TESTED_TEXT)

    def _close(self):
        if self._client is not None:
            self._client.close()


class EntryContext:
    """The context of one entry of a site description: the entry's options (``params``) and the connection its module
    would log in with (``connection``); the client (one login for the whole run), settings, state directory,
    redaction, check mode and diff of the moodle_site run (``site``). Its warnings are the run's, and also kept in
    ``warnings`` for the entry's report line (ansible-core before 2.19 shows no warning of a no_log task, and the
    roles' task is no_log)."""

    def __init__(self, site, params, connection=None):
        self.site = site
        self.params = params
        self.connection = connection if connection is not None else params
        self.warnings = []

    client = property(lambda self: self.site.client)
    open_client = property(lambda self: self.site.open_client)
    settings = property(lambda self: self.site.settings)
    state = property(lambda self: self.site.state)
    redact = property(lambda self: self.site.redact)
    check_mode = property(lambda self: self.site.check_mode)
    diff_wanted = property(lambda self: self.site.diff_wanted)

    @property
    def transport(self):
        """The entry's transport option: 'http' (the default) or 'cli'."""
        return self.params.get("transport") or "http"

    def reveal(self, secret):
        """A secret the entry returns on purpose: passed to the site run's reveal."""
        self.site.reveal(secret)

    def warn(self, warning):
        """A warning of the run, also kept for the entry's report line."""
        self.warnings.append(warning)
        self.site.warn(warning)
