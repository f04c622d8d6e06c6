# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication methods, one class each. A new method registers itself in AUTH_METHODS; modules never
know which one is in use."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from urllib.parse import urljoin, urlsplit, parse_qs
except ImportError:  # pragma: no cover
    from urlparse import urljoin, urlsplit, parse_qs

from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    InvalidInputError,
    LoginFailedError,
    MfaRequiredError,
    MoodleError,
    NotMoodleError,
    WrongUrlError,
    WwwrootMismatchError,
)
from ansible_collections.moodleops.auth.plugins.module_utils.http_transport import normalise_base_url
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import Page

LOGIN_PATH = "login/index.php"
# Pages Moodle may put between a successful login and the dashboard; none of them is a usable session.
_INTERRUPTING_PAGES = {
    "/login/change_password.php": "Moodle requires the account to change its password first",
    "/user/policy.php": "Moodle requires the account to accept the site policy first",
    "/admin/tool/policy/index.php": "Moodle requires the account to accept the site policies first",
    "/user/edit.php": "Moodle requires the account to complete its profile first",
}
# tool_mfa's page (f26 613, 5.1.3 552): a login it intercepts ends there, M.cfg.userId already set.
MFA_PAGE = "/admin/tool/mfa/auth.php"
MFA_BODY_ID = 'id="page-admin-tool-mfa-auth"'


def mfa_intercepted(response):
    """Whether ``response`` is tool_mfa's interception: a redirect to /admin/tool/mfa/auth.php, or that page."""
    if response.is_redirect:
        return urlsplit(response.location or "").path.endswith(MFA_PAGE)
    if urlsplit(getattr(response, "url", None) or "").path.endswith(MFA_PAGE):
        return True
    return "html" in (response.content_type or "") and MFA_BODY_ID in (response.text or "")


def mfa_detail(response):
    """What the MFA page asks for, for the error message (never a code)."""
    text = "" if response.is_redirect else (response.text or "")
    if 'name="verificationcode"' in text:
        return "it asks for a verification code"
    if "Unable to authenticate" in text:
        return "it answers 'Unable to authenticate': no enabled factor lets this account through"
    return None


# How many parent paths of url a wrong path is followed up with (GETs of <parent>/login/index.php, never a POST)
MAX_PARENT_PROBES = 3


def wwwroot_named_by(response, url=None):
    """The wwwroot a Moodle answer names, or None: a redirect to <wwwroot>/login/index.php, or a page's
    M.cfg.wwwroot (its login form's action, <wwwroot>/login/index.php, when M.cfg is missing)."""
    if response.is_redirect:
        target = urlsplit(urljoin(url or response.url or "", response.location))
        if target.scheme in ("http", "https") and target.path.endswith("/" + LOGIN_PATH):
            return normalise_base_url("%s://%s%s" % (target.scheme, target.netloc, target.path[:-len(LOGIN_PATH)]))
        return None
    if "html" not in response.content_type:
        return None
    page = Page(response.text)
    if page.wwwroot:
        return normalise_base_url(page.wwwroot)
    form = page.form("login")
    action = urlsplit(form.action) if form is not None else None
    if action is not None and action.scheme in ("http", "https") and action.path.endswith("/" + LOGIN_PATH):
        return normalise_base_url("%s://%s%s" % (action.scheme, action.netloc, action.path[:-len(LOGIN_PATH)]))
    return None


def parent_urls(base_url, limit=MAX_PARENT_PROBES):
    """The parent paths of url, nearest first, the host's root last; at most ``limit`` (the nearest ones and the
    root)."""
    parts = urlsplit(base_url)
    segments = [segment for segment in parts.path.split("/") if segment]
    parents = ["/".join(segments[:count]) for count in range(len(segments) - 1, -1, -1)]
    if len(parents) > limit:
        parents = parents[:limit - 1] + parents[-1:]
    return [normalise_base_url("%s://%s/%s" % (parts.scheme, parts.netloc, path)) for path in parents]


def wrong_url_error(client, response):
    """The error for url when ``response`` (to a page under url that every Moodle site has) is a 404: the address
    Moodle names as its wwwroot (in that 404 page, or at the first parent path of url where Moodle answers: GETs of
    <parent>/login/index.php, at most MAX_PARENT_PROBES), else what was tried. None when the 404 is Moodle's own
    page for url (a Moodle error, not a wrong address)."""
    transport = client.transport
    given = transport.base_url
    asked = transport.url_for(response.path).split("?")[0]
    first = "%s %s answered HTTP %s (%s), not Moodle's %s" % (
        response.method, transport.redact(asked), response.status, response.content_type or "no content type",
        "login page" if asked.endswith("/" + LOGIN_PATH) else "REST answer")
    found = wwwroot_named_by(response, asked)
    if found is not None:
        if found.lower() == given.lower():
            return None
        return WrongUrlError(given, found, "%s: Moodle's 404 page, naming %s as the site's wwwroot" % (first, found))
    tried = []
    for parent in parent_urls(given):
        url = parent + "/" + LOGIN_PATH
        try:
            answer = transport.request("GET", url, retries=0)
        except MoodleError:     # nothing (or a failing server) answers there: say so and go on
            tried.append("GET %s: no answer" % url)
            continue
        tried.append("GET %s: HTTP %s" % (url, answer.status))
        found = wwwroot_named_by(answer, url)
        if found is not None and found.lower() != given.lower():
            return WrongUrlError(given, found, "%s; GET %s answered as Moodle, naming %s as its wwwroot" % (
                first, url, found))
    if tried:
        elsewhere = "no Moodle answered at its parent paths (tried %s)" % "; ".join(tried)
    else:
        elsewhere = "url has no parent path to try"
    return NotMoodleError(
        "url %s is not the site's address: %s, and %s." % (given, first, elsewhere),
        hint="Set url to the site's $CFG->wwwroot (config.php on the Moodle host): the address of its front page, "
             "with the path if Moodle is in a subdirectory (https://host/moodle), without /login/index.php, /admin "
             "or any page.")


class SessionInfo:
    """What a login yields: the user's id, the sesskey and (when seen) the site's release."""
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
        """The web service token of the options, or None."""
        return self.options.get("token")

    def validate(self):
        """Raise InvalidInputError when the options cannot work with this method."""

    def login(self, client):
        """Open a logged-in session on ``client``; return SessionInfo."""
        raise InvalidInputError(
            "auth_method %s gives no Moodle session, and this task needs one (admin pages)." % self.name,
            hint="Give username and password (auth_method: password, or cas for CAS sites).")


class TokenAuth(AuthMethod):
    """Web service calls with the token of the options; no browser session."""
    name = "token"

    def validate(self):
        """Raise InvalidInputError when no token is given."""
        if not self.options.get("token"):
            raise InvalidInputError("auth_method is token but no token was given.",
                                    hint="Set token (or the MOODLE_TOKEN environment variable).")


class PasswordAuth(AuthMethod):
    """Browser-style login through /login/index.php with its logintoken."""

    name = "password"
    has_session = True

    def validate(self):
        """Raise InvalidInputError when username or password is missing."""
        missing = [name for name in ("username", "password") if not self.options.get(name)]
        if missing:
            raise InvalidInputError(
                "auth_method %s needs %s." % (self.name, " and ".join(missing)),
                hint="Set them as options or through MOODLE_USERNAME / MOODLE_PASSWORD.")

    def login(self, client):
        """Log in through Moodle's login form (with its logintoken); return SessionInfo."""
        page = self.login_page(client)
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
        return self.finish_login(client, response)

    def login_page(self, client):
        """Moodle's own login page, parsed (SSO or alternate login bypassed), checked to be this wwwroot's."""
        response = client.transport.request("GET", LOGIN_PATH)
        if response.is_redirect:
            target = urlsplit(response.location)
            if target.path.endswith("/" + LOGIN_PATH):
                client.transport.check_redirect_target(response)
            # An SSO plugin (auth_userkey ssourl) or alternateloginurl took over the login page: bypass it.
            params = {"enrolkey_skipsso": "1", "loginredirect": "0"}
            response = client.transport.request("GET", LOGIN_PATH, params=params)
            if response.is_redirect and not CasAuth._is_moodle(client, urljoin(client.base_url + "/", response.location)):
                # auth_cas without multiauth sends every login page to CAS, except with a username parameter:
                # then it renders Moodle's own form (f24 451), so a manual account still logs in
                params = dict(params, username=self.options["username"])
                response = client.transport.request("GET", LOGIN_PATH, params=params)
            client.transport.check_redirect_target(response)
        if response.status == 404:
            wrong_url = wrong_url_error(client, response)
            if wrong_url is not None:
                raise wrong_url
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

    def finish_login(self, client, response):
        """Follow the login's redirects to a logged-in session (else LoginFailedError); return SessionInfo."""
        hops = 0
        while response.is_redirect and hops < 6:
            client.transport.check_redirect_target(response)
            path = urlsplit(response.location).path
            if path.endswith(MFA_PAGE):
                page = client.transport.request("GET", response.location)
                raise MfaRequiredError(self.options["username"], "the login", mfa_detail(page))
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
        if mfa_intercepted(response):
            raise MfaRequiredError(self.options["username"], "the login", mfa_detail(response))
        page = Page(response.text)
        if response.status != 200 or page.user_id <= 0:
            detail = "; ".join(page.error_messages or page.alerts) or "HTTP %s" % response.status
            raise LoginFailedError(
                "Logging in as '%s' did not give a logged-in Moodle session (%s)." % (self.options["username"], detail),
                hint="Check the credentials and that nothing (reCAPTCHA, MFA, a policy page) interrupts the login.")
        return SessionInfo(page.user_id, page.sesskey, page.release)


CAS_ENTRY = LOGIN_PATH + "?authCAS=CAS"
CAS_NOT_ACTIVE_HINT = (
    "Enable and configure auth_cas (moodleops.auth.moodle_auth_plugin with name: cas: hostname, baseuri, port, "
    "casversion). auth_cas left Moodle core in 5.0: on 5.0 and later it is the separate plugin "
    "moodlehq/moodle-auth_cas, which must be installed first. Without CAS use auth_method: password.")


class CasAuth(PasswordAuth):
    """Sign-in of a CAS account, as a browser does it: GET login/index.php?authCAS=CAS, follow Moodle (phpCAS) to
    the CAS server (a gateway round trip first), submit the CAS login form with all its hidden fields (Apereo
    ``execution`` + ``_eventId``, older ``lt``), follow the ticket back to Moodle and confirm ``M.cfg.userId``.
    Works with the site's auth_cas ``multiauth`` on or off. With ``cas_url`` the password goes to that CAS server
    only."""

    name = "cas"
    has_session = True
    MAX_HOPS = 12

    def validate(self):
        """Raise InvalidInputError when username or password is missing or cas_url is not http(s)."""
        PasswordAuth.validate(self)
        cas_url = self.options.get("cas_url")
        if cas_url and urlsplit(cas_url).scheme not in ("http", "https"):
            raise InvalidInputError("cas_url %s is not an http(s) URL." % cas_url,
                                    hint="Give the CAS server's base URL, e.g. https://cas.example.edu/cas/.")

    def login(self, client):
        """Sign in through CAS as the class describes; return SessionInfo."""
        transport = client.transport
        url = client.base_url + "/" + CAS_ENTRY
        response = transport.request("GET", url)
        if response.status == 404:
            wrong_url = wrong_url_error(client, response)
            if wrong_url is not None:
                raise wrong_url
        if response.is_redirect and self._is_moodle(client, urljoin(url, response.location)) is False and \
                urlsplit(response.location).path.endswith("/" + LOGIN_PATH):
            transport.check_redirect_target(response)       # http -> https, another host: the wwwroot differs
        posted = False
        on_cas = False
        for _hop in range(self.MAX_HOPS):
            if response.is_redirect:
                target = urljoin(url, response.location)
                self._note_secrets(client, target)
                if self._is_moodle(client, target):
                    self._check_moodle_hop(client, target)
                else:
                    self._check_cas_target(client, target)
                url = target
                response = transport.request("GET", url)
                continue
            if self._is_moodle(client, url):
                return self.finish_cas_login(client, response, on_cas)
            on_cas = True
            page = Page(response.text)
            form = page.form("fm1") or page.form_with_field("password")
            if posted or form is None:
                raise self._cas_refused(client, url, response, page, form)
            for control in form.controls:
                if control.tag == "input" and control.type == "hidden":
                    client.redact.add(control.value)
            data = [(name, value) for name, value in form.browser_submission() if name not in ("username", "password")]
            data = [("username", self.options["username"]), ("password", self.options["password"])] + data
            submit = [c for c in form.controls if c.tag == "input" and c.type == "submit" and c.name]
            if submit:
                data.append((submit[0].name, submit[0].value or ""))
            action = urljoin(url, form.action) if form.action else url
            self._check_cas_target(client, action)
            response = transport.request("POST", action, data=data)
            posted = True
            url = action
        raise LoginFailedError(
            "Signing in as '%s' through CAS did not finish within %d redirects (last: %s)." % (
                self.options["username"], self.MAX_HOPS, client.redact(url.split("?")[0])),
            hint="Check auth_cas's settings (hostname, baseuri, port) and that the CAS server sends the browser "
                 "back to Moodle with a ticket.")

    @staticmethod
    def _is_moodle(client, target):
        base, found = urlsplit(client.base_url), urlsplit(target)
        return (base.scheme, base.netloc.lower()) == (found.scheme, found.netloc.lower()) and \
            (found.path + "/").startswith(base.path.rstrip("/") + "/")

    @staticmethod
    def _note_secrets(client, target):
        for name in ("ticket", "lt", "execution"):
            for value in parse_qs(urlsplit(target).query).get(name, []):
                client.redact.add(value)

    def _check_moodle_hop(self, client, target):
        path = urlsplit(target).path
        if path.endswith(MFA_PAGE):
            page = client.transport.request("GET", target)
            raise MfaRequiredError(self.options["username"], "the CAS login", mfa_detail(page))
        for prefix, reason in _INTERRUPTING_PAGES.items():
            if path.endswith(prefix):
                raise LoginFailedError(
                    "Logged in as %s through CAS, but %s (Moodle redirected to %s)." % (
                        self.options["username"], reason, prefix),
                    hint="Log in once in a browser to complete that step, or use an account without it.")
        if path.endswith("/" + LOGIN_PATH) and "loginredirect" in parse_qs(urlsplit(target).query):
            raise LoginFailedError(
                "Moodle refused the CAS login of user '%s' (the CAS server accepted it, but Moodle has no usable "
                "account for it: unknown, suspended or not an auth 'cas' account)." % self.options["username"],
                errorcode="invalidlogin",
                hint="The Moodle account must exist with authentication method CAS and the same username.")

    def _check_cas_target(self, client, target):
        cas_url = self.options.get("cas_url")
        if not cas_url:
            return
        given, found = urlsplit(normalise_base_url(cas_url)), urlsplit(target)
        if (given.scheme, given.netloc.lower()) != (found.scheme, found.netloc.lower()) or \
                not (found.path + "/").startswith(given.path.rstrip("/") + "/"):
            raise LoginFailedError(
                "Moodle sent the CAS sign-in to %s://%s%s, not to cas_url %s: the password was not sent." % (
                    found.scheme, found.netloc, found.path, cas_url),
                hint="Set cas_url to the CAS server auth_cas uses (hostname, port, baseuri), or leave it unset.")

    def _cas_refused(self, client, url, response, page, form):
        where = client.redact(url.split("?")[0])
        if form is None:
            return LoginFailedError(
                "The CAS server at %s answered HTTP %s without a login form (form#fm1 with a password field)." % (
                    where, response.status),
                hint="Check auth_cas's hostname, port and baseuri: Moodle must send the browser to the CAS "
                     "login page.")
        message = "; ".join(self._cas_errors(page)) or "HTTP %s, the login form again" % response.status
        return LoginFailedError(
            "The CAS server at %s refused the login of user '%s': %s." % (where, self.options["username"], message),
            errorcode="invalidlogin",
            hint="Check username and password of the CAS account (MOODLE_USERNAME / MOODLE_PASSWORD). Repeated "
                 "failures can lock the account on the CAS server.")

    @staticmethod
    def _cas_errors(page):
        """div#loginErrorsPanel.alert.alert-danger (Apereo CAS, 462) is read as an alert."""
        return page.error_messages or page.alerts

    def finish_cas_login(self, client, response, on_cas):
        """SessionInfo from the Moodle page the CAS sign-in ended on, or LoginFailedError saying why."""
        if mfa_intercepted(response):
            raise MfaRequiredError(self.options["username"], "the CAS login", mfa_detail(response))
        page = Page(response.text)
        if response.status == 200 and page.user_id > 0:
            if normalise_base_url(page.wwwroot or client.base_url).lower() != client.base_url.lower():
                raise WwwrootMismatchError(client.base_url, normalise_base_url(page.wwwroot))
            return SessionInfo(page.user_id, page.sesskey, page.release)
        if not on_cas and page.form("login") is not None:
            raise LoginFailedError(
                "Moodle did not send the sign-in of '%s' to a CAS server: GET %s showed Moodle's own login form "
                "(auth_cas is not enabled or has no CAS server configured on %s)." % (
                    self.options["username"], CAS_ENTRY, client.base_url),
                hint=CAS_NOT_ACTIVE_HINT)
        detail = "; ".join(page.error_messages or page.alerts) or "HTTP %s" % response.status
        raise LoginFailedError(
            "Signing in as '%s' through CAS did not give a logged-in Moodle session: %s." % (
                self.options["username"], client.redact(detail)),
            hint="A ticket Moodle cannot validate means auth_cas's hostname, port, baseuri, casversion or certificate "
                 "settings do not match the CAS server (Moodle validates the ticket itself, server to server).")


AUTH_METHODS = {
    "password": PasswordAuth,
    "token": TokenAuth,
    "cas": CasAuth,
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
