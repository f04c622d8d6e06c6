# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""auth_apilogin (blakekidney/moodle-auth_apilogin): signed calls to /auth/apilogin/services.php over the shared
transport, the plugin's signature, and its answers turned into typed errors that say what to do.

Facts (recorded from Moodle 4.5.6 with the plugin: the f12-apilogin-* exchanges):
* every POSTed top-level key except ``signature``, in PHP ``ksort`` (byte) order, ``key . value`` concatenated; an
  array parameter (``fields[]``, ``userdata[x]``) contributes the literal ``Array`` (its contents are unsigned);
  ``signature = sha256_hex(apikey . that)``. ``time`` is only checked for being non-empty (replays work).
* patched plugin: always HTTP 200, pretty JSON ``{...,"success":true}`` or ``{"message","success":false}``; as
  published on Moodle 4.5+: HTTP 500 with an empty body (services.php loads the removed cache/lib.php)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import time

from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    AccessDeniedError,
    ApiLoginConflictError,
    ApiLoginPluginError,
    ApiLoginUserNotFound,
    MoodleApiError,
    NotMoodleError,
    PluginNotInstalledError,
)
from ansible_collections.moodleops.auth.plugins.module_utils.http_transport import HttpTransport
from ansible_collections.moodleops.auth.plugins.module_utils.php_params import flatten_params, php_scalar

SERVICES_PATH = "auth/apilogin/services.php"
MATCH_FIELDS = ("id", "username", "email", "idnumber")      # the plugin's $idfields
# The one line of the published services.php that kills it on Moodle 4.5+ (line 39 of HEAD d2250cb).
BROKEN_LINE = "require_once($CFG->dirroot.'/cache/lib.php');"

# In the plugin's 2015 column list but profile fields since Moodle 3.11 (MDL-28452): selecting them is an SQL error.
REMOVED_FIELDS = ("icq", "skype", "yahoo", "aim", "msn", "url")


# ---------------------------------------------------------------------------------------------- signature
def php_string(value):
    """What PHP's string conversion makes of a POSTed value inside the signature."""
    if isinstance(value, (dict, list, tuple)):
        return "Array"
    return php_scalar(value)


def top_level(pairs):
    """What PHP's $_POST holds at the top level for form pairs: ``name[...]`` keys make ``name`` an array
    (contributing ``Array``), a later plain key overwrites an earlier one."""
    params = {}
    for key, value in pairs:
        if "[" in key and key.index("[") > 0:
            params[key[:key.index("[")]] = "Array"
        else:
            params[key] = value
    return params


def signature_input(params):
    """The string the plugin hashes (without the secret): ksort (byte order), ``key . value``."""
    keys = sorted((key for key in params if key != "signature"), key=lambda key: key.encode("utf-8"))
    return "".join(key + php_string(params[key]) for key in keys)


def sign(params, secret):
    """sha256_hex(secret . signature_input(params)), lowercase, as the plugin computes it."""
    return hashlib.sha256(((secret or "") + signature_input(params)).encode("utf-8")).hexdigest()


def signed_body(method, params, secret, now=None):
    """The form pairs to POST for ``method``: method, time, the parameters (PHP bracket encoding), signature."""
    values = {"method": method, "time": str(int(now if now is not None else time.time()))}
    values.update(params or {})
    pairs = flatten_params(values)
    pairs.append(("signature", sign(top_level(pairs), secret)))
    return pairs


def parse_answer(text):
    """The plugin's JSON; tolerant of PHP warnings printed before it (display_errors on): starts at the first line
    that is exactly ``{``."""
    stripped = text.strip()
    try:
        return json.loads(stripped)
    except ValueError:
        pass
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.strip() == "{":
            return json.loads("\n".join(lines[index:]))
    raise ValueError("no JSON object")


# ---------------------------------------------------------------------------------------------- errors
def api_error(message, method, lookup=None):
    """The plugin's ``{"message", "success": false}`` as a typed error that says what to do."""
    where = "auth_apilogin %s" % method
    text = message or "no message"
    if text.startswith("Access denied. Requests not allowed from IP address:"):
        address = text.rsplit(":", 1)[-1].strip()
        return AccessDeniedError(
            "%s refused the request: %s" % (where, text),
            hint="Add %s to the plugin's allowipaddr setting (exact addresses separated by commas; the plugin compares "
                 "REMOTE_ADDR, so behind a reverse proxy it is the proxy's address, X-Forwarded-For is ignored): "
                 "moodleops.auth.moodle_auth_plugin (name: apilogin, transport: cli, settings.allowipaddr) or "
                 "admin/cli/cfg.php --component=auth_apilogin --name=allowipaddr --set=... on the Moodle host."
                 % (address or "the address this task connects from"))
    if text == "Invalid signature.":
        return AccessDeniedError(
            "%s refused the request: Invalid signature. The secret does not match the plugin's apikey." % where,
            hint="Set secret (or MOODLE_APILOGIN_SECRET) to the site's auth_apilogin apikey "
                 "(admin/cli/cfg.php --component=auth_apilogin --name=apikey shows it on the Moodle host).")
    if text.startswith("Error loading the configuration for the apilogin plugin"):
        return ApiLoginPluginError(
            "%s: the plugin has no configuration on the site (%s)" % (where, text),
            hint="Set its apikey and allowipaddr with moodleops.auth.moodle_auth_plugin (name: apilogin, transport: "
                 "cli) or admin/cli/cfg.php --component=auth_apilogin on the Moodle host; Moodle 4 has no settings "
                 "page for it.")
    if text == "Invalid method.":
        return ApiLoginPluginError("%s: the plugin does not know the method (Invalid method.)." % where,
                                   hint="The installed auth_apilogin is not the version this module was written for.")
    if text == "Invalid request. Missing required parameters.":
        return ApiLoginPluginError(
            "%s: the plugin received no method, time or signature (%s)" % (where, text),
            hint="Something between this host and Moodle dropped the POST body (a redirect turning the POST into a "
                 "GET, a proxy): check url.")
    if text.startswith("User not found with"):
        return ApiLoginUserNotFound("%s: %s" % (where, text))
    if text.startswith("Another user was found") or text.startswith("Other users were found"):
        return ApiLoginConflictError(
            "%s: %s" % (where, text),
            hint="Another account already uses that value; usernames, emails and idnumbers must be unique here.")
    if text == "An error occurred accessing the database.":
        if method in ("getUser", "getAllUsers"):
            hint = ("The plugin could not read the user table: a field that is not a column of {user} on this Moodle "
                    "release, or several users matching %s." % (lookup or "the lookup"))
        else:
            hint = ("Moodle's database refused the %s: a value that does not fit its column (too long, not a number, "
                    "country longer than 2 letters) or another user with the same username." % method)
        return MoodleApiError("%s: %s" % (where, text), hint=hint)
    return MoodleApiError("%s answered: %s" % (where, text))


# ---------------------------------------------------------------------------------------------- client
class ApiLogin:
    """Signed calls to services.php over the shared transport (no login, no session: only url is needed)."""

    def __init__(self, transport, secret, redactor, clock=time.time):
        self.transport = transport
        self.secret = secret
        self.redact = redactor
        self.clock = clock
        redactor.add(secret)

    def call(self, method, params=None, write=False, lookup=None):
        """POST one signed call; return the decoded answer of a successful call (``success`` removed)."""
        # The signature is not registered as a secret: it travels only in the POST body, which is never shown, and
        # the redactor masks "signature=..." in any text anyway. (One secret per request made every redaction of a
        # bulk result cost O(users x requests).)
        data = signed_body(method, params, self.secret, now=self.clock())
        response = self.transport.request("POST", SERVICES_PATH, data=data, write=write, idempotent=not write)
        if response.is_redirect:
            self.transport.check_redirect_target(response)
            raise NotMoodleError("%s answered HTTP %s redirecting to %s instead of answering." % (
                SERVICES_PATH, response.status, self.redact(response.location)),
                hint="Check url (it must be the Moodle wwwroot) and that nothing (SSO, proxy) intercepts the path.")
        if response.status == 500 and not response.body.strip():
            raise ApiLoginPluginError(
                "%s answered HTTP 500 with an empty body: this is auth_apilogin as published, which dies on Moodle "
                "4.5 and later because its services.php loads cache/lib.php, a file Moodle 4.5 removed." % SERVICES_PATH,
                hint="Fix the plugin on the Moodle host: delete the line %s (line 39) from <moodle>/auth/apilogin/"
                     "services.php; nothing else in the plugin needs it. Then re-run." % BROKEN_LINE)
        if response.status == 404:
            raise PluginNotInstalledError(
                "%s answered HTTP 404: auth_apilogin is not installed on the site." % SERVICES_PATH,
                hint="Install blakekidney/moodle-auth_apilogin in <moodle>/auth/apilogin (with the Moodle 4.5 fix).")
        try:
            answer = parse_answer(response.text)
        except ValueError:
            raise NotMoodleError("%s answered HTTP %s with something other than the plugin's JSON." % (
                SERVICES_PATH, response.status),
                hint="Check url (the Moodle wwwroot) and that auth_apilogin is installed.")
        if not isinstance(answer, dict) or "success" not in answer:
            raise NotMoodleError("%s answered JSON that is not the plugin's answer." % SERVICES_PATH)
        if answer.get("success") is not True:
            raise api_error(answer.get("message"), method, lookup)
        answer.pop("success", None)
        if "token" in answer:
            self.redact.add(answer["token"])
        return answer

    # -- the plugin's methods ------------------------------------------------------------------------------
    def get_user(self, field, value, fields):
        """The user's columns (strings, as the plugin returns them), or None when not found."""
        try:
            answer = self.call("getUser", {"userid": value, "useridfield": field, "fields": list(fields)},
                               lookup="%s %s" % (field, value))
        except ApiLoginUserNotFound:
            return None
        return answer.get("data") or None

    def get_all_users(self, fields):
        """Every non-deleted user: a list of column dicts (the plugin keys them by the first column)."""
        data = self.call("getAllUsers", {"fields": list(fields)}).get("data") or {}
        return list(data.values()) if isinstance(data, dict) else list(data)

    def create_user(self, userdata):
        """createUser with ``userdata`` ({column: value}); the new user's id (None when the answer has none)."""
        return _user_id(self.call("createUser", {"userdata": userdata}, write=True).get("data"))

    def update_user(self, user_id, userdata):
        """updateUser of the user with id ``user_id``: the columns of ``userdata``."""
        return _user_id(self.call("updateUser", {"userid": user_id, "useridfield": "id", "userdata": userdata},
                                  write=True).get("data"))

    def delete_user(self, user_id):
        """deleteUser of the user with id ``user_id`` (Moodle's deletion)."""
        return _user_id(self.call("deleteUser", {"userid": user_id, "useridfield": "id"}, write=True).get("data"))

    def set_suspended(self, user_id, suspended):
        """suspendUser or unsuspendUser of the user with id ``user_id``."""
        method = "suspendUser" if suspended else "unsuspendUser"
        return _user_id(self.call(method, {"userid": user_id, "useridfield": "id"}, write=True).get("data"))

    def log_user(self, user_id, user_agent, redirect=None):
        """A one-time login token (5 minutes, bound to ``user_agent``); older tokens of the user are deleted."""
        params = {"userid": user_id, "useridfield": "id", "useragent": user_agent}
        if redirect:
            params["redirect"] = redirect
        answer = self.call("logUser", params, write=True)
        token = answer.get("token")
        if not token:
            raise MoodleApiError("auth_apilogin logUser answered without a token.")
        return token


def _user_id(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def worker_transport(transport):
    """Another connection to the same site with the same options (a requests.Session is not thread-safe)."""
    verify = transport.verify
    return HttpTransport(transport.base_url, transport.redact, validate_certs=verify is not False,
                         ca_path=verify if verify not in (True, False) else None, timeout=transport.timeout,
                         retries=transport.retries, backoff=transport.backoff,
                         user_agent=transport.session.headers.get("User-Agent"))
