# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MoodleClient: a logged-in browser session, REST calls by token and AJAX calls, over one HttpTransport."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit

from ansible_collections.moodleops.auth.plugins.module_utils.auth import LOGIN_PATH, auth_method_for
from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    InvalidInputError,
    NotMoodleError,
    PageError,
    SessionLostError,
    UnexpectedAnswerError,
    WebServicesDisabledError,
    web_service_error,
)
from ansible_collections.moodleops.auth.plugins.module_utils.http_transport import HttpTransport
from ansible_collections.moodleops.auth.plugins.module_utils.pages import Page
from ansible_collections.moodleops.auth.plugins.module_utils.params import flatten_params

from ansible_collections.moodleops.auth.plugins.module_utils.versions import TESTED_TEXT, release_branch

REST_PATH = "webservice/rest/server.php"
AJAX_PATH = "lib/ajax/service.php"


class MoodleClient:
    def __init__(self, options, redactor):
        self.options = options
        self.redact = redactor
        for secret in (options.get("password"), options.get("token")):
            redactor.add(secret)
        self.auth = auth_method_for(options, validate=False)
        self.transport = HttpTransport(
            options["url"], redactor, validate_certs=options.get("validate_certs", True),
            ca_path=options.get("ca_path"), timeout=options.get("timeout") or 30,
            retries=options.get("retries") if options.get("retries") is not None else 3)
        self._session = None
        self._release = None

    @property
    def base_url(self):
        return self.transport.base_url

    # -- session -------------------------------------------------------------------------------------------
    @property
    def has_session(self):
        return self._session is not None

    def session(self):
        if self._session is None:
            self.auth.validate()
            self._session = self.auth.login(self)
            self.redact.add(self._session.sesskey)
            for cookie in self.transport.session.cookies:
                self.redact.add(cookie.value)
            if self._session.release:
                self._release = self._session.release
        return self._session

    @property
    def sesskey(self):
        return self.session().sesskey

    @property
    def release(self):
        """The site's release, detected once: from the footer of an admin page, or core_webservice_get_site_info."""
        if self._release is None and not self.auth.has_session and self.auth.token:
            info = self.rest("core_webservice_get_site_info", read_only=True)
            self._release = info.get("release")
        return self._release

    @property
    def known_release(self):
        """The release if already seen, without asking the site."""
        return self._release

    @property
    def branch(self):
        return release_branch(self.release)

    def _note_page(self, page):
        if self._release is None and page.release:
            self._release = page.release
        if page.sesskey and self._session is not None and page.user_id == self._session.user_id:
            self._session.sesskey = page.sesskey

    # -- pages ---------------------------------------------------------------------------------------------
    def get(self, path, params=None, write=False, follow=True):
        """GET a page of the logged-in session, following Moodle's redirects inside the site (unless
        ``follow`` is false). A redirect to the login page means the session is gone: log in again once."""
        self.session()
        for attempt in (1, 2):
            response = self.transport.request("GET", path, params=params, write=write)
            if follow:
                response = self.follow(response)
            elif response.is_redirect:
                self.transport.check_redirect_target(response)
            if not self._is_login_page(response):
                return response
            if attempt == 2 or write:
                break
            self._session = None
            self.session()
        raise SessionLostError(
            "Moodle sent the logged-in session back to the login page for %s." % path.split("?")[0],
            hint="Another login of the same account may have ended this session (limitconcurrentlogins), "
                 "or the session timed out.")

    def follow(self, response, limit=6):
        hops = 0
        while response.is_redirect and hops < limit:
            self.transport.check_redirect_target(response)
            if self._points_to_login(response.location):
                return response
            response = self.transport.request("GET", response.location)
            hops += 1
        return response

    @staticmethod
    def _points_to_login(location):
        return urlsplit(location or "").path.endswith("/" + LOGIN_PATH)

    def _is_login_page(self, response):
        return response.is_redirect and self._points_to_login(response.location)

    def page(self, path, params=None, write=False):
        """GET and parse a page; HTML error pages become PageError."""
        response = self.get(path, params=params, write=write)
        page = Page(response.text)
        if response.status != 200:
            message = "; ".join(page.error_messages) or "no error message"
            raise PageError(message, "/" + path.split("?")[0].lstrip("/"), response.status)
        self._note_page(page)
        return page

    def unexpected(self, path, expected, page=None, found=None):
        """The error for a page that lacks what the client came for: where, what was expected, what was found."""
        if found is None:
            found = describe_page(page) if page is not None else "something else"
        where = self.transport.last_exchange or "GET %s" % path.split("?")[0]
        return UnexpectedAnswerError(where, expected, self.redact(found),
                                     release=self.known_release, tested=TESTED_TEXT)

    def require_form(self, page, path, field=None, form_id=None, what=None):
        """The page's form holding ``field`` (or with id ``form_id``), or UnexpectedAnswerError naming the page."""
        form = page.form(form_id=form_id) if form_id is not None else page.form_with_field(field)
        if form is None:
            raise self.unexpected(path, what or "a form with the field %s" % (field or form_id), page)
        return form

    def require_element(self, page, path, element_id, what=None):
        """Fail naming the page when an element the client reads (a table, a list) is not on it."""
        if element_id not in page.elements_by_id:
            raise self.unexpected(path, what or "an element with id %s" % element_id, page)

    def post(self, path, data, params=None, write=True):
        """POST a form of the logged-in session. Not followed, not retried: the caller reads the answer."""
        self.session()
        response = self.transport.request("POST", path, params=params, data=data, write=write)
        if response.is_redirect:
            self.transport.check_redirect_target(response)
        return response

    def logout(self):
        if self._session is None:
            return
        try:
            self.transport.request("GET", "login/logout.php", params={"sesskey": self._session.sesskey})
        finally:
            self._session = None

    def close(self):
        try:
            self.logout()
        except Exception:  # logging out is a courtesy; the work is done
            pass
        self.transport.close()

    # -- web services ----------------------------------------------------------------------------------------
    def rest(self, function, params=None, token=None, read_only=False):
        """Call a web service function by token (in the POST body, never the URL); return the decoded answer."""
        token = token or self.auth.token
        if not token:
            raise InvalidInputError("Calling %s needs a web service token." % function,
                                    hint="Set token (or MOODLE_TOKEN).")
        self.redact.add(token)
        data = [("wstoken", token), ("wsfunction", function), ("moodlewsrestformat", "json")]
        data.extend(flatten_params(params or {}))
        response = self.transport.request("POST", REST_PATH, data=data, idempotent=read_only)
        if response.status == 403:
            raise WebServicesDisabledError(
                "%s answered HTTP 403: web services or the REST protocol are disabled on the site." % REST_PATH,
                hint="Enable both with moodleops.auth.moodle_webservice_enable (state: present, protocols: [rest]).")
        if response.is_redirect:
            self.transport.check_redirect_target(response)
        try:
            answer = response.json()
        except ValueError:
            raise NotMoodleError("%s answered HTTP %s with something other than JSON." % (REST_PATH, response.status),
                                 hint="Check url: it must be the Moodle wwwroot.")
        if isinstance(answer, dict) and answer.get("exception") and answer.get("errorcode"):
            raise web_service_error(answer["errorcode"], answer.get("message"), answer.get("debuginfo"), function)
        return answer

    def ajax(self, methodname, args=None, read_only=False):
        """Call an AJAX-enabled function with the logged-in session."""
        for attempt in (1, 2):
            body = json.dumps([{"index": 0, "methodname": methodname, "args": args or {}}], separators=(",", ":"))
            response = self.transport.request(
                "POST", AJAX_PATH, params={"sesskey": self.sesskey, "info": methodname}, data=body,
                headers={"Content-Type": "application/json", "X-Requested-With": "XMLHttpRequest"},
                write=not read_only, idempotent=read_only)
            try:
                answer = response.json()
            except ValueError:
                raise NotMoodleError("%s answered HTTP %s with something other than JSON." % (AJAX_PATH, response.status))
            if isinstance(answer, dict):
                raise web_service_error(answer.get("errorcode"), answer.get("error"), answer.get("debuginfo"),
                                        methodname, via="AJAX")
            result = answer[0] if answer else {}
            if not result.get("error"):
                return result.get("data")
            exception = result.get("exception") or {}
            error = web_service_error(exception.get("errorcode"), exception.get("message"), None, methodname, via="AJAX")
            if isinstance(error, SessionLostError) and attempt == 1:
                self._session = None
                continue
            raise error
        raise SessionLostError("The AJAX session could not be restored for %s." % methodname)


def describe_page(page):
    """A short description of a page for error messages: its title and its first error or alert."""
    title = page.title or "a page without a title"
    notes = page.error_messages or page.alerts
    text = "the page '%s'" % title
    if notes:
        text += " saying '%s'" % notes[0][:200]
    return text
