# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""MoodleClient: a logged-in browser session, REST calls by token and AJAX calls, over one HttpTransport."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import time

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit

from ansible_collections.moodleops.auth.plugins.module_utils.auth import (
    LOGIN_PATH,
    SessionInfo,
    auth_method_for,
    mfa_detail,
    mfa_intercepted,
    wrong_url_error,
)
from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    InvalidInputError,
    MfaRequiredError,
    NotMoodleError,
    PageError,
    SessionLostError,
    UnexpectedAnswerError,
    WebServicesDisabledError,
    web_service_error,
)
from ansible_collections.moodleops.auth.plugins.module_utils.http_transport import HttpTransport
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import Page
from ansible_collections.moodleops.auth.plugins.module_utils.php_params import flatten_params
from ansible_collections.moodleops.auth.plugins.module_utils.session_cache import SessionCache, cache_key

from ansible_collections.moodleops.auth.plugins.module_utils.versions import TESTED_TEXT, release_branch

REST_PATH = "webservice/rest/server.php"
AJAX_PATH = "lib/ajax/service.php"
# the docs link of Moodle's error page for a sesskey it does not accept (checked before the page does anything)
_INVALID_SESSKEY_PAGE = re.compile(r"/en/error/[a-z_]+/invalidsesskey\b")


class MoodleClient:
    """Requests to one Moodle site: the login session (cached when asked), pages, forms, REST and AJAX."""
    def __init__(self, options, redactor, state=None):
        self.options = options
        self.state = state          # module_utils.state_dir.StateDir: where the session cache lives
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
        self._pages = {}            # pages read since this client last wrote: (path, params) -> (read at, Page)
        self._reads = {}            # other reads kept until the client writes (read_cache)
        self._cache = None          # the SessionCache entry of this site/user/password, once the session is opened
        self._cache_created = None

    @property
    def caches_session(self):
        """Whether sessions are kept between tasks (option session_cache, for auth methods that log in)."""
        return bool(self.options.get("session_cache")) and self.auth.has_session

    @property
    def base_url(self):
        """The site's URL (the transport's, without trailing slash)."""
        return self.transport.base_url

    # -- session -------------------------------------------------------------------------------------------
    @property
    def has_session(self):
        """Whether a session is open (never logs in)."""
        return self._session is not None

    def session(self):
        """The logged-in session (SessionInfo): from the session cache, or a new login; opened once."""
        if self._session is None:
            self.auth.validate()
            if self.caches_session and self._cache is None:
                directory = self.state.path("sessions") if self.state is not None else None
                if directory is not None or self.state is None:
                    self._cache = SessionCache(cache_key(self.base_url, self.options.get("username"), self.auth.name,
                                                         self.options.get("password"), self.options.get("cas_url")),
                                               directory)
            entry = self._cache.load() if self._cache is not None else None
            if entry:
                self._session = self._restore(entry)
            else:
                self._session = self.auth.login(self)
                self._cache_created = None
                self._remember()
            self.redact.add(self._session.sesskey)
            for cookie in self._cookie_jar():
                self.redact.add(cookie.value)
            if self._session.release:
                self._release = self._session.release
        return self._session

    def _restore(self, entry):
        """The cached session: its cookies into the jar, no request."""
        for cookie in entry["cookies"]:
            self.redact.add(cookie.get("value"))
            self._cookie_jar().set(cookie["name"], cookie["value"], domain=cookie.get("domain"),
                                   path=cookie.get("path") or "/", secure=bool(cookie.get("secure")))
        self._cache_created = entry.get("created")
        return SessionInfo(int(entry.get("user_id") or 0), entry["sesskey"], entry.get("release"))

    def _cookie_jar(self):
        """The transport's cookies (requests' jar; none for a transport without cookies, as in tests' stubs)."""
        session = getattr(self.transport, "session", None)
        return session.cookies if session is not None else []

    def _site_cookies(self):
        host = (urlsplit(self.base_url).hostname or "").lower()
        found = []
        for cookie in self._cookie_jar():
            domain = (cookie.domain or "").lstrip(".").lower()
            if domain in (host, host + ".local") or host.endswith("." + domain):
                found.append({"name": cookie.name, "value": cookie.value, "domain": cookie.domain,
                              "path": cookie.path, "secure": bool(cookie.secure)})
        return found

    def _remember(self):
        """Put the session into the cache (with its current sesskey), when sessions are cached."""
        if self._cache is None or self._session is None:
            return
        try:
            self._cache.save(self._site_cookies(), self._session.sesskey, self._session.user_id,
                             release=self._release or self._session.release, created=self._cache_created)
        except (IOError, OSError) as error:     # a local problem: the task goes on without the cache
            if self.state is not None:
                self.state.unusable("sessions", self._cache.directory, error)
            self._cache = None

    def _start_over(self):
        """The session is dead (Moodle sent it to the login page or refused its sesskey): drop it and its cache
        entry, log in again."""
        if self._cache is not None:
            self._cache.drop()
        self._cookie_jar().clear()
        self._session = None
        return self.session()

    @property
    def sesskey(self):
        """The sesskey of the session (logs in if needed)."""
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
        """The site's branch, e.g. (4, 5), or None when the release is unknown."""
        return release_branch(self.release)

    def _note_page(self, page):
        if self._release is None and page.release:
            self._release = page.release
        if page.sesskey and self._session is not None and page.user_id == self._session.user_id:
            self._session.sesskey = page.sesskey

    # -- pages ---------------------------------------------------------------------------------------------
    def get(self, path, params=None, write=False, follow=True):
        """GET a page of the logged-in session, following Moodle's redirects inside the site (unless
        ``follow`` is false). A redirect to the login page means the session is gone: log in again once and repeat
        the request (with the new sesskey): Moodle's require_login() runs before a page does anything."""
        self.session()
        if write:
            self.forget_pages()
        for attempt in (1, 2):
            response = self.transport.request("GET", path, params=params, write=write)
            if follow:
                response = self.follow(response)
            elif response.is_redirect:
                self.transport.check_redirect_target(response)
            if mfa_intercepted(response):
                raise self._mfa_error(path, response)
            if not self.is_login_page(response):
                return response
            if attempt == 2:
                break
            params = with_sesskey(params, self._start_over().sesskey)
        raise SessionLostError(
            "Moodle sent the logged-in session back to the login page for %s." % path.split("?")[0],
            hint="Another login of the same account may have ended this session (limitconcurrentlogins), "
                 "or the session timed out.")

    def follow(self, response, limit=6):
        """Follow up to ``limit`` redirects (each checked to stay in the site), stopping at one to the login page
        or to tool_mfa's auth.php."""
        hops = 0
        while response.is_redirect and hops < limit:
            self.transport.check_redirect_target(response)
            if self._points_to_login(response.location) or mfa_intercepted(response):
                return response
            response = self.transport.request("GET", response.location)
            hops += 1
        return response

    @staticmethod
    def _points_to_login(location):
        return urlsplit(location or "").path.endswith("/" + LOGIN_PATH)

    def is_login_page(self, response):
        """Whether ``response`` redirects to the login page."""
        return response.is_redirect and self._points_to_login(response.location)

    def page(self, path, params=None, write=False):
        """GET and parse a page; HTML error pages become PageError. A page read since this client's last write is
        read once (moodle_site converges many objects on the same lists)."""
        key = None if write else page_key(path, params)
        if key in self._pages:
            return self._pages[key][1]
        read_at = time.time()
        response = self.get(path, params=params, write=write)
        page = Page(response.text)
        if response.status != 200:
            message = "; ".join(page.error_messages) or "no error message"
            raise PageError(message, "/" + path.split("?")[0].lstrip("/"), response.status)
        self._note_page(page)
        if key is not None:
            self._pages[key] = (read_at, page)
        return page

    def forget_pages(self, read_before=None):
        """Read pages again: all of them, or those read before ``read_before`` (a time.time())."""
        if read_before is None:
            self._pages, self._reads = {}, {}
        else:
            self._pages = dict((key, item) for key, item in self._pages.items() if item[0] > read_before)
            self._reads = dict((key, item) for key, item in self._reads.items() if item[0] > read_before)

    def read_cache(self, name):
        """A dict for reads of one kind (users by username...), forgotten with the pages (its start counts as the
        time of its reads)."""
        if name not in self._reads:
            self._reads[name] = (time.time(), {})
        return self._reads[name][1]

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
        """POST a form of the logged-in session. Not followed: the caller reads the answer. Repeated once, with
        the new sesskey, only when Moodle refused the session itself (a redirect to the login page, or the
        invalidsesskey error page): it checks both before the page does anything, so nothing was written."""
        self.session()
        self.forget_pages()
        for attempt in (1, 2):
            response = self.transport.request("POST", path, params=params, data=data, write=write)
            if response.is_redirect:
                self.transport.check_redirect_target(response)
                if mfa_intercepted(response):
                    raise self._mfa_error(path, response)
            if attempt == 2 or not self._session_refused(response):
                return response
            sesskey = self._start_over().sesskey
            data, params = with_sesskey(data, sesskey), with_sesskey(params, sesskey)
        return response

    def _mfa_error(self, path, response):
        """MfaRequiredError for a page of the session that tool_mfa sent to /admin/tool/mfa/auth.php (a session
        from the cache opened before MFA was switched on, or one MFA re-checks)."""
        if self._cache is not None:
            self._cache.drop()
        detail = None
        if response.is_redirect:
            try:
                detail = mfa_detail(self.transport.request("GET", response.location))
            except Exception:   # the detail is a courtesy
                detail = None
        else:
            detail = mfa_detail(response)
        return MfaRequiredError(self.options.get("username"), "GET /%s" % path.split("?")[0].lstrip("/"), detail)

    def _session_refused(self, response):
        if self.is_login_page(response):
            return True
        return not response.is_redirect and response.status != 200 and \
            _INVALID_SESSKEY_PAGE.search(response.text) is not None

    def logout(self):
        """Log the session out (if one is open) and forget it."""
        if self._session is None:
            return
        try:
            self.transport.request("GET", "login/logout.php", params={"sesskey": self._session.sesskey})
        finally:
            self._session = None

    def close(self):
        """A cached session stays logged in for the next task (its cache entry notes the use and the current
        sesskey), unless another run of the same key replaced it meanwhile; otherwise log out."""
        try:
            if self._cache is not None and self._session is not None and self._still_cached():
                self._remember()
            else:
                self.logout()
        except Exception:  # logging out is a courtesy; the work is done
            pass
        self.transport.close()

    def _still_cached(self):
        """False when a task running at the same time cached its own session over this one (then log out)."""
        entry = self._cache.load()
        if entry is None:
            return True
        ours = dict((cookie["name"], cookie["value"]) for cookie in self._site_cookies())
        return dict((cookie["name"], cookie["value"]) for cookie in entry["cookies"]) == ours

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
        if not read_only:
            self.forget_pages()
        response = self.transport.request("POST", REST_PATH, data=data, idempotent=read_only)
        if response.status == 403:
            raise WebServicesDisabledError(
                "%s answered HTTP 403: web services or the REST protocol are disabled on the site." % REST_PATH,
                hint="Enable both with moodleops.auth.moodle_webservice_enable (state: present, protocols: [rest]).")
        if response.is_redirect:
            self.transport.check_redirect_target(response)
        if response.status == 404:      # every Moodle has the REST entry point: url is not the site's address
            wrong_url = wrong_url_error(self, response)
            if wrong_url is not None:
                raise wrong_url
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
        if not read_only:
            self.forget_pages()
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
                self._start_over()
                continue
            raise error
        raise SessionLostError("The AJAX session could not be restored for %s." % methodname)


def page_key(path, params):
    """The key of a page read: its path and its parameters, sorted, as strings."""
    items = params.items() if isinstance(params, dict) else (params or ())
    return path, tuple(sorted((str(name), str(value)) for name, value in items))


def with_sesskey(fields, sesskey):
    """``fields`` (form data or query parameters) with their sesskey, if any, replaced by ``sesskey``."""
    if isinstance(fields, dict):
        return dict(fields, sesskey=sesskey) if "sesskey" in fields else fields
    if isinstance(fields, (list, tuple)):
        return [(name, sesskey if name == "sesskey" else value) for name, value in fields]
    return fields


def describe_page(page):
    """A short description of a page for error messages: its title and its first error or alert."""
    title = page.title or "a page without a title"
    notes = page.error_messages or page.alerts
    text = "the page '%s'" % title
    if notes:
        text += " saying '%s'" % notes[0][:200]
    return text
