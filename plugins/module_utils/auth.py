# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication methods, one class each. A new method registers itself in AUTH_METHODS; modules never
know which one is in use."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from urllib.parse import urlsplit, parse_qs
except ImportError:  # pragma: no cover
    from urlparse import urlsplit, parse_qs

from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    InvalidInputError,
    LoginFailedError,
    NotMoodleError,
    WwwrootMismatchError,
)
from ansible_collections.moodleops.auth.plugins.module_utils.http_transport import normalise_base_url
from ansible_collections.moodleops.auth.plugins.module_utils.pages import Page

LOGIN_PATH = "login/index.php"
# Pages Moodle may put between a successful login and the dashboard; none of them is a usable session.
_INTERRUPTING_PAGES = {
    "/login/change_password.php": "Moodle requires the account to change its password first",
    "/user/policy.php": "Moodle requires the account to accept the site policy first",
    "/admin/tool/policy/index.php": "Moodle requires the account to accept the site policies first",
    "/user/edit.php": "Moodle requires the account to complete its profile first",
    "/admin/tool/mfa/auth.php": "Moodle requires multi-factor authentication for this account",
}


class SessionInfo:
    def __init__(self, user_id, sesskey, release=None):
        self.user_id = user_id
        self.sesskey = sesskey
        self.release = release


class AuthMethod:
    """Base class. ``has_session``: it logs a browser session in; ``token``: a web service token."""

    name = None
    has_session = False

    def __init__(self, options):
        self.options = options

    @property
    def token(self):
        return self.options.get("token")

    def validate(self):
        """Raise InvalidInputError when the options cannot work with this method."""

    def login(self, client):
        """Open a logged-in session on ``client``; return SessionInfo."""
        raise InvalidInputError(
            "auth_method %s gives no Moodle session, and this task needs one (admin pages)." % self.name,
            hint="Give username and password (auth_method: password, or cas for CAS sites).")


class TokenAuth(AuthMethod):
    name = "token"

    def validate(self):
        if not self.options.get("token"):
            raise InvalidInputError("auth_method is token but no token was given.",
                                    hint="Set token (or the MOODLE_TOKEN environment variable).")


class PasswordAuth(AuthMethod):
    """Browser-style login through /login/index.php with its logintoken."""

    name = "password"
    has_session = True

    def validate(self):
        missing = [name for name in ("username", "password") if not self.options.get(name)]
        if missing:
            raise InvalidInputError(
                "auth_method %s needs %s." % (self.name, " and ".join(missing)),
                hint="Set them as options or through MOODLE_USERNAME / MOODLE_PASSWORD.")

    def login(self, client):
        page = self._login_page(client)
        form = page.form("login")
        if form is None or form.control("logintoken") is None:
            raise NotMoodleError(
                "%s/%s has no Moodle login form (form#login with a logintoken)." % (client.base_url, LOGIN_PATH),
                hint="Check url: it must be the Moodle wwwroot. If the site uses another login page "
                     "(alternateloginurl, SSO), the login form must still be reachable.")
        client.redact.add(form.control("logintoken").value)
        data = [("anchor", ""), ("logintoken", form.control("logintoken").value or ""),
                ("username", self.options["username"]), ("password", self.options["password"])]
        response = client.transport.request("POST", LOGIN_PATH, data=data)
        return self._finish(client, response)

    def _login_page(self, client):
        response = client.transport.request("GET", LOGIN_PATH)
        if response.is_redirect:
            target = urlsplit(response.location)
            if target.path.endswith("/" + LOGIN_PATH):
                client.transport.check_redirect_target(response)
            # An SSO plugin (auth_userkey ssourl) or alternateloginurl took over the login page: bypass it.
            response = client.transport.request("GET", LOGIN_PATH,
                                                params={"enrolkey_skipsso": "1", "loginredirect": "0"})
            client.transport.check_redirect_target(response)
        if response.status != 200 or "html" not in response.content_type:
            raise NotMoodleError(
                "%s/%s answered HTTP %s (%s), not Moodle's login page." % (
                    client.base_url, LOGIN_PATH, response.status, response.content_type or "no content type"),
                hint="Check url: it must be the Moodle wwwroot (the address of the site's front page).")
        page = Page(response.text)
        if not page.is_moodle:
            raise NotMoodleError(
                "%s/%s is not a Moodle page (no M.cfg)." % (client.base_url, LOGIN_PATH),
                hint="Check url: it must be the Moodle wwwroot.")
        if normalise_base_url(page.wwwroot).lower() != client.base_url.lower():
            raise WwwrootMismatchError(client.base_url, normalise_base_url(page.wwwroot))
        return page

    def _finish(self, client, response):
        hops = 0
        while response.is_redirect and hops < 6:
            client.transport.check_redirect_target(response)
            path = urlsplit(response.location).path
            for prefix, reason in _INTERRUPTING_PAGES.items():
                if path.endswith(prefix):
                    raise LoginFailedError(
                        "Logged in as %s, but %s (Moodle redirected to %s)." % (self.options["username"], reason, prefix),
                        hint="Log in once in a browser to complete that step, or use an account without it.")
            if path.endswith("/" + LOGIN_PATH) and "testsession" not in parse_qs(urlsplit(response.location).query):
                page = Page(client.transport.request("GET", response.location).text)
                message = "; ".join(page.error_messages or page.alerts) or "no message"
                raise LoginFailedError(
                    "Moodle refused the login of user '%s': %s." % (self.options["username"], message),
                    errorcode="invalidlogin",
                    hint="Check username and password (MOODLE_USERNAME / MOODLE_PASSWORD). The account must log "
                         "in through Moodle's own login form (manual, LDAP, ... auth); for a CAS account use "
                         "auth_method: cas. Repeated failures can lock the account (lockoutthreshold).")
            response = client.transport.request("GET", response.location)
            hops += 1
        page = Page(response.text)
        if response.status != 200 or page.user_id <= 0:
            detail = "; ".join(page.error_messages or page.alerts) or "HTTP %s" % response.status
            raise LoginFailedError(
                "Logging in as '%s' did not give a logged-in Moodle session (%s)." % (self.options["username"], detail),
                hint="Check the credentials and that nothing (reCAPTCHA, MFA, a policy page) interrupts the login.")
        return SessionInfo(page.user_id, page.sesskey, page.release)


AUTH_METHODS = {
    "password": PasswordAuth,
    "token": TokenAuth,
}


def auth_method_for(options, validate=True):
    """The auth method object for the module options (default: token when a token is given, else password).
    ``validate=False`` defers the check of its credentials to the first login (calls that need none)."""
    name = options.get("auth_method")
    if not name:
        name = "token" if options.get("token") else "password"
    if name not in AUTH_METHODS:
        raise InvalidInputError("auth_method %s is not available in this version of moodleops.auth." % name,
                                hint="Use one of: %s." % ", ".join(sorted(AUTH_METHODS)))
    method = AUTH_METHODS[name](options)
    if validate:
        method.validate()
    return method
