# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed errors: each keeps Moodle's errorcode and says what to do about it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import socket

try:
    import pwd
except ImportError:     # not on every platform
    pwd = None


class MoodleError(Exception):
    """Base of every expected failure. ``str()`` is the message shown to the user."""

    def __init__(self, message, errorcode=None, hint=None):
        super(MoodleError, self).__init__(message)
        self.message = message
        self.errorcode = errorcode
        self.hint = hint

    def __str__(self):
        text = self.message
        if self.errorcode:
            text = "%s [Moodle errorcode: %s]" % (text, self.errorcode)
        if self.hint:
            text = "%s %s" % (text, self.hint)
        return text


class PartialFailure(MoodleError):
    """Some items of a task failed, others were done: ``result`` (what was done, item by item) goes with the
    failure (moodle_apilogin_user with users)."""

    def __init__(self, message, result):
        super(PartialFailure, self).__init__(message)
        self.result = result


class MoodleConnectionError(MoodleError):
    """The site could not be reached (DNS, refused, TLS, timeout)."""


class NotMoodleError(MoodleError):
    """Something answered at ``url`` but it is not a Moodle site."""


class WwwrootMismatchError(MoodleError):
    """The site redirects to its canonical wwwroot, which differs from ``url``."""

    def __init__(self, given, canonical):
        super(WwwrootMismatchError, self).__init__(
            "Moodle's wwwroot is %s but url is %s: Moodle redirects every request to its wwwroot, which would "
            "turn form POSTs into GETs." % (canonical, given),
            hint="Set url to %s (scheme, host, port and path must match $CFG->wwwroot)." % canonical)
        self.canonical = canonical


class WrongUrlError(WwwrootMismatchError):
    """url's path is not the site's: it answers 404, and Moodle answers at another address (a parent path, or
    Moodle's own 404 page names its wwwroot)."""

    def __init__(self, given, canonical, found):
        super(WwwrootMismatchError, self).__init__(
            "url %s is not the site's address: Moodle answers at %s (its wwwroot); set url to it." % (given, canonical),
            hint="(%s)" % found)
        self.canonical = canonical


class MaintenanceModeError(MoodleError):
    """The site is in maintenance mode."""


class LoginFailedError(MoodleError):
    """Moodle refused the credentials."""


MFA_FIX = ("Let the automation through without a code: enable a factor it passes by itself with weight 100 (factor "
           "iprange with the controller's address in its safe IP ranges, or factor auth with the account's "
           "authentication type) with moodleops.auth.moodle_mfa, or switch MFA off on the Moodle host "
           "(php admin/cli/cfg.php --component=tool_mfa --name=enabled --set=0).")


class MfaRequiredError(LoginFailedError):
    """Moodle's multi-factor authentication (tool_mfa) intercepted the login or a page: the account must pass a
    factor (a code) before its session may be used."""

    def __init__(self, username, where, detail=None):
        super(MfaRequiredError, self).__init__(
            "Logged in as '%s', but Moodle requires multi-factor authentication (tool_mfa) first: %s sent the session "
            "to /admin/tool/mfa/auth.php%s, and a task cannot enter a code." % (
                username, where, " (%s)" % detail if detail else ""),
            errorcode="mfa", hint=MFA_FIX)


class MfaLockoutError(MoodleError):
    """moodle_mfa's guard: the MFA state asked for would keep the automation's own account out (predicted in check
    mode, proved by a fresh login otherwise; the change is then reverted)."""


class SessionLostError(MoodleError):
    """The Moodle session ended while the module was working."""


class NotSiteAdminError(MoodleError):
    """The account is logged in but is not a site administrator."""


class SettingsSaveError(MoodleError):
    """admin/settings.php did not accept a save."""


class FormRejectedError(MoodleError):
    """Moodle showed the user form again with errors on some fields."""

    def __init__(self, message, fields=()):
        super(FormRejectedError, self).__init__(message)
        self.fields = list(fields)


class WriteNotAppliedError(MoodleError):
    """A write was answered normally but reading back shows it did not take effect."""


class WebServicesDisabledError(MoodleError):
    """Web services (or the protocol used) are switched off on the site."""


class InvalidTokenError(MoodleError):
    """The token is unknown to Moodle (never existed, deleted or expired)."""


class AccessDeniedError(MoodleError):
    """Moodle refused access (capability, service, IP or function not allowed)."""


class PluginNotInstalledError(MoodleError):
    """A plugin the task needs is not installed on the site."""


class ApiLoginPluginError(MoodleError):
    """services.php cannot run (the published plugin on Moodle 4.5+, not configured, not installed)."""


class EduauthError(MoodleError):
    """local_eduauth answered with an error."""


class MoodleApiError(MoodleError):
    """Any other error answered by a Moodle web service or AJAX call."""


class ApiLoginUserNotFound(MoodleApiError):
    """The plugin found no user for the lookup."""


class ApiLoginConflictError(MoodleApiError):
    """createUser found another user with the same username, email or idnumber."""


class CliError(MoodleError):
    """admin/cli/cfg.php (transport: cli) failed."""


class LockTimeoutError(MoodleError):
    """Another run held the object lock for longer than this run waits."""


class InvalidInputError(MoodleError):
    """Module options that cannot work; raised before the first write."""


class HttpsOnlyError(InvalidInputError):
    """An OAuth 2 service URL that is not https:// (Moodle's error/sslonlyaccess): refused before any write."""

    def __init__(self, option):
        super(HttpsOnlyError, self).__init__(
            "%s must start with https://: Moodle's OAuth 2 services accept only https URLs for the service base URL "
            "and every endpoint." % option, "sslonlyaccess",
            hint="Give the provider's https address; nothing was written.")
        self.option = option


class OAuth2DiscoveryError(MoodleError):
    """Moodle saved a new OAuth 2 service but could not fetch <base_url>/.well-known/openid-configuration."""

    def __init__(self, issuer, base_url, reason):
        super(OAuth2DiscoveryError, self).__init__(
            "Moodle created the OAuth 2 service %s but could not discover its endpoints from %s: %s The service is "
            "left without endpoints." % (issuer, base_url, reason),
            hint="Moodle's own curl fetches <base_url>/.well-known/openid-configuration from the Moodle server: "
                 "allow the provider's host and port in the admin settings curlsecurityblockedhosts and "
                 "curlsecurityallowedport (Site administration > General > Security > HTTP security, section "
                 "httpsecurity) and make the host reachable from the Moodle server, then re-run: the module deletes "
                 "the service left without endpoints and creates it again (or give endpoints and omit base_url).")
        self.issuer = issuer


def web_service_error(errorcode, message, debuginfo=None, function=None, via="REST"):
    """Translate a web service / AJAX errorcode into a typed error that says what to do."""
    where = " calling %s" % function if function else ""
    detail = "%s%s: %s" % (via, where, message)
    if debuginfo:
        detail = "%s (%s)" % (detail, debuginfo)
    if errorcode == "invalidtoken":
        return InvalidTokenError(
            "Moodle does not know the token (%s)." % detail, errorcode,
            "Check token: it may have been deleted, expired, or belong to another site.")
    if errorcode == "accessexception":
        return AccessDeniedError(
            "Moodle refused access (%s)." % detail, errorcode,
            "Check that the token's user has webservice/rest:use (and the function's capabilities), that the "
            "function is in the token's external service, that the service is enabled and, if restricted, "
            "that the user is authorised on it, and the token's IP restriction and expiry.")
    if errorcode in ("invalidrecord", "invalidrecordunknown"):
        return MoodleApiError(
            "Unknown web service function (%s)." % detail, errorcode,
            "The function does not exist on this site: check its name and that the plugin defining it is installed.")
    if errorcode == "servicenotavailable":
        return MoodleApiError(
            "The function or service is not available (%s)." % detail, errorcode,
            "For AJAX, the function must be AJAX-enabled; for token.php the service must exist and be enabled.")
    if errorcode in ("servicerequireslogin", "requireloginerror"):
        return SessionLostError("The Moodle session is not logged in (%s)." % detail, errorcode)
    if errorcode == "invalidsesskey":
        return SessionLostError("Moodle rejected the session key (%s)." % detail, errorcode,
                                "The session was probably replaced by another login of the same account.")
    if errorcode == "sitemaintenance":
        return MaintenanceModeError("The site is in maintenance mode (%s)." % detail, errorcode,
                                    "Retry after maintenance ends (admin/cli/maintenance.php --disable).")
    if errorcode == "nopermissions":
        return AccessDeniedError("Missing capability (%s)." % detail, errorcode,
                                 "Grant the capability named in the message to the token's user through a role.")
    if errorcode == "enablewsdescription":
        return WebServicesDisabledError(
            "Web services are disabled on the site (%s)." % detail, errorcode,
            "Enable them with moodleops.auth.moodle_webservice_enable (setting enablewebservices).")
    return MoodleApiError("Moodle answered an error (%s)." % detail, errorcode)


class PageError(MoodleError):
    """An HTML error page (Moodle serves fatal errors as HTTP 404 with p.errormessage)."""

    def __init__(self, message, path, status):
        if (status or 0) >= 500:
            hint = ("Moodle failed while showing the page: retry; if it persists, Moodle's error log (or debugging, "
                    "on a test site) names the cause.")
        else:
            hint = ("That is Moodle's own error: open the page in a browser as the same account, fix what it names "
                    "(a missing record, a permission, a broken plugin), then re-run the task.")
        page_message = message.rstrip(".")
        super(PageError, self).__init__("Moodle answered %s with HTTP %s: %s." % (path, status, page_message),
                                        hint=hint)
        self.page_message = message
        self.path = path
        self.status = status


REPORT_HINT = ("This is a bug in moodleops.auth or a Moodle release it was not tested with (tested: %s): please report "
               "it with this message and the Moodle release; -vvv shows the traceback.")


class UnexpectedAnswerError(MoodleError):
    """A page or answer that does not look as the collection expects: never a Python error as the message."""

    def __init__(self, where, expected, found, release=None, tested="4.5, 5.1"):
        message = "Moodle%s answered %s with something the collection did not expect: expected %s, found %s." % (
            " %s" % release if release else "", where or "an unknown request", expected, found)
        super(UnexpectedAnswerError, self).__init__(message, hint=REPORT_HINT % tested)
        self.where = where
        self.expected = expected
        self.found = found


def _who():
    """'uid 33 (www-data) on moodle1': who the module runs as, where."""
    uid = os.getuid() if hasattr(os, "getuid") else None
    try:
        name = " (%s)" % pwd.getpwuid(uid).pw_name
    except Exception:  # pylint: disable=broad-except  # no pwd module, or a uid without a name (containers)
        name = ""
    return "uid %s%s on %s" % (uid, name, socket.gethostname())


class LocalError(MoodleError):
    """A failure of the host that runs the module (files, permissions, a missing library, the interpreter): never
    Moodle's answer."""


class LocalStateError(LocalError):
    """A file or directory the collection keeps (token store, session cache, locks) cannot be created or written."""

    def __init__(self, path, action, error, option_name="state_dir"):
        reason = getattr(error, "strerror", None) or str(error)
        super(LocalStateError, self).__init__(
            "Cannot %s for %s %s on the host that runs the module (%s): %s. Nothing was sent to Moodle for it." % (
                action, option_name, path, _who(), reason),
            hint="Give the path to a file this user may write (option %s, or MOODLEOPS_STATE_DIR for everything the "
                 "collection keeps), or fix the directory's owner and mode." % option_name)
        self.path = path


def local_error(error):
    """The LocalError for an exception of the host itself (file system, permissions, missing library), else None.

    Connection errors are IOErrors too (requests' exceptions derive from it); they carry no file name."""
    if isinstance(error, EnvironmentError) and getattr(error, "filename", None):
        reason = getattr(error, "strerror", None) or str(error)
        return LocalError(
            "The host that runs the module (%s) failed on %s: %s (%s). This is a local problem, not Moodle's "
            "answer." % (_who(), error.filename, reason, type(error).__name__),
            hint="Check that the path exists and that this user may use it (become_user, a home that is not "
                 "writable, a read-only file system); MOODLEOPS_STATE_DIR moves the files the collection keeps.")
    if isinstance(error, ImportError):
        return LocalError(
            "A Python library is missing on the host that runs the module (%s): %s. This is a local problem, not "
            "Moodle's answer." % (_who(), error),
            hint="Install it for the interpreter that runs the module (ansible_python_interpreter), e.g. with pip.")
    if isinstance(error, MemoryError):
        return LocalError("The host that runs the module (%s) ran out of memory." % _who(),
                          hint="Run fewer forks at once, or give the host more memory.")
    return None
