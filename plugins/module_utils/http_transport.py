# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one HTTP path of the collection: a keep-alive session with retries, counting and redaction.

``requests`` is imported here only, so that ``transport: cli`` works on hosts without it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time
import traceback

try:
    from html import unescape
    from urllib.parse import urljoin, urlsplit
except ImportError:  # pragma: no cover
    from HTMLParser import HTMLParser
    from urlparse import urljoin, urlsplit
    unescape = HTMLParser().unescape

from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    MaintenanceModeError,
    MoodleConnectionError,
    WwwrootMismatchError,
)

REQUESTS_IMPORT_ERROR = None
try:
    import requests
except ImportError:  # pragma: no cover - exercised by the missing-library message
    requests = None
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

RETRY_STATUSES = (502, 503, 504)
# Moodle's fatal error page (print_error, default exception handler): what failed, in its own words
ERROR_MESSAGE = re.compile(r'<p class="errormessage">(.*?)</p>', re.S)
RERUN_HINT = "Re-run the task: it reads the site first and finishes what is missing without doing anything twice."
USER_AGENT = "moodleops.auth (Ansible collection; +https://galaxy.ansible.com/moodleops/auth)"
# What OpenSSL (1.1 to 3.x), LibreSSL and urllib3 say when the answer to a TLS handshake is plain HTTP: an https://
# url against a plain-HTTP port (nginx answers the ClientHello with "400 Bad Request" in clear text).
_PLAIN_HTTP_ANSWER = re.compile(r"wrong[ _]version[ _]number|record[ _]layer[ _]failure|"
                                r"packet[ _]length[ _]too[ _]long|unknown[ _]protocol|http[ _]request|plain http", re.I)
_SSL_REASON = re.compile(r"\[SSL: [A-Z0-9_]+\] [a-z0-9 ]+", re.I)
# nginx's answer to plain HTTP on its TLS port (error_page 497): an http:// url against an HTTPS-only port
_HTTP_TO_HTTPS_PORT = b"the plain http request was sent to https port"


def normalise_base_url(url):
    """``url`` without surrounding spaces and trailing slashes ('' for None)."""
    url = (url or "").strip()
    while url.endswith("/"):
        url = url[:-1]
    return url


class Response:
    """What the collection needs of an HTTP answer."""

    def __init__(self, method, path, status, headers, body, url):
        self.method = method
        self.path = path
        self.status = status
        self.headers = headers
        self.body = body
        self.url = url

    @property
    def text(self):
        """The body decoded as UTF-8 (invalid bytes replaced)."""
        return self.body.decode("utf-8", "replace")

    @property
    def location(self):
        """The Location header, or None."""
        return self.headers.get("Location")

    @property
    def is_redirect(self):
        """Whether the answer is a redirect with a Location."""
        return self.status in (301, 302, 303, 307, 308) and bool(self.location)

    @property
    def content_type(self):
        """The media type of Content-Type, lowercase, without parameters ('' when absent)."""
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def json(self):
        """The body decoded as JSON (ValueError when it is not)."""
        import json
        return json.loads(self.text)


class HttpTransport:
    """Requests to one Moodle site. Never follows redirects on its own; never retries a write."""

    def __init__(self, base_url, redactor, validate_certs=True, ca_path=None, timeout=30, retries=3,
                 backoff=0.5, user_agent=USER_AGENT):
        if requests is None:
            raise ImportError("requests")
        self.base_url = normalise_base_url(base_url)
        self.redact = redactor
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.backoff = backoff
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent
        # passed with every request too: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE in the environment
        # override Session.verify for session.request() (the f24 finding), and a CAS server may need ca_path
        self.verify = (ca_path or True) if validate_certs else False
        self.session.verify = self.verify
        self.request_count = 0
        self.write_count = 0
        self.last_exchange = None   # "GET admin/x.php (HTTP 200)": where an unexpected answer came from
        if not validate_certs:
            try:
                requests.packages.urllib3.disable_warnings()
            except AttributeError:  # pragma: no cover
                pass

    def url_for(self, path):
        """The absolute URL of ``path`` (relative to the site; full http(s) URLs kept as they are)."""
        if path.startswith("http://") or path.startswith("https://"):
            return path
        return self.base_url + "/" + path.lstrip("/")

    def request(self, method, path, params=None, data=None, json_body=None, headers=None, write=False,
                idempotent=None, retries=None):
        """One request; ``write`` marks requests that ask Moodle to change something (never retried unless
        ``idempotent`` says the request may be repeated safely); ``retries`` overrides the transport's for this one
        (a probe that must stay one request)."""
        method = method.upper()
        if idempotent is None:
            idempotent = method == "GET" and not write
        url = self.url_for(path)
        attempts = 1 + ((self.retries if retries is None else max(0, int(retries))) if idempotent else 0)
        last_error = None
        for attempt in range(attempts):
            if attempt:
                time.sleep(self.backoff * (2 ** (attempt - 1)))
            self.request_count += 1
            if write:
                self.write_count += 1
            try:
                answer = self.session.request(method, url, params=params, data=data, json=json_body,
                                              headers=headers, timeout=self.timeout, allow_redirects=False,
                                              verify=self.verify)
            except requests.exceptions.RequestException as error:
                last_error = error
                if not idempotent or not self._retriable_error(error):
                    break
                continue
            response = Response(method, path, answer.status_code, answer.headers, answer.content, answer.url)
            self.last_exchange = "%s %s (HTTP %s)" % (method, path.split("?")[0], response.status)
            if response.status == 400 and url.lower().startswith("http://") and \
                    _HTTP_TO_HTTPS_PORT in response.body[:2048].lower():
                wrong_scheme = self._scheme_error(url, "https", "%s %s answered HTTP 400: The plain HTTP request "
                                                                "was sent to HTTPS port" % (
                                                                    method, self.redact(url.split("?")[0])))
                if wrong_scheme is not None:
                    raise wrong_scheme
            if response.status == 503 and "maintenance" in (answer.reason or "").lower():
                raise MaintenanceModeError(
                    "%s is in maintenance mode (HTTP 503 %s)." % (self.base_url, answer.reason),
                    hint="Retry after maintenance ends (admin/cli/maintenance.php --disable on the Moodle host).")
            if response.status in RETRY_STATUSES and idempotent and attempt + 1 < attempts:
                last_error = None
                continue
            if response.status in RETRY_STATUSES or (write and response.status >= 500 and response.body.strip()):
                raise self._server_error(response, answer.reason, write, attempt + 1)
            return response
        raise self._connection_error(last_error, method, path, write)

    @staticmethod
    def _retriable_error(error):
        """A network failure that may pass; a certificate that does not verify will not (SSLError is a
        ConnectionError for requests)."""
        if isinstance(error, requests.exceptions.SSLError):
            return False
        return isinstance(error, (requests.exceptions.ConnectionError, requests.exceptions.Timeout))

    def _after_failure(self, write, otherwise, slow=False):
        """What to do after a request failed: a write (or a read after writes) may have left a change behind."""
        rerun = RERUN_HINT + (" Raise timeout if the site is just slow." if slow else "")
        if write:
            return "Moodle may or may not have made this change. " + rerun
        if self.write_count:
            return "This task had already sent %d change(s) to Moodle, so the site may be half-way. %s" % (
                self.write_count, rerun)
        return otherwise

    def _server_error(self, response, reason, write, attempts):
        """A 502/503/504 from the web server in front of Moodle (after the retries of a read), or a Moodle error
        page answering a write: never a page to parse as if Moodle had answered the request."""
        where = "%s %s" % (response.method, response.path.split("?")[0])
        status = ("HTTP %s %s" % (response.status, reason or "")).strip()
        tries = " (%d attempts)" % attempts if attempts > 1 else ""
        if response.status in RETRY_STATUSES:
            message = ("%s answered %s with %s%s: the web server in front of Moodle could not get an answer from "
                       "Moodle (PHP overloaded, restarting or down)." % (self.base_url, where, status, tries))
            logs = "the web server's and PHP's logs"
        else:
            found = ERROR_MESSAGE.search(response.text)
            detail = " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split()) if found else "no message"
            message = "Moodle failed while handling %s with %s: %s." % (where, status, self.redact(detail))
            logs = "Moodle's error log (or debugging, on a test site)"
        hint = self._after_failure(write, "Retry when the site answers again.")
        return MoodleConnectionError(message, hint="%s If it persists, check %s." % (hint, logs))

    def _scheme_error(self, url, right, evidence):
        """url's scheme is not what its host and port speak: the url with the right one (same host, port and path;
        an implicit port stays the one that was used), or None for a request outside url's origin (CAS)."""
        parts, base = urlsplit(url), urlsplit(self.base_url)
        if (parts.scheme.lower(), parts.netloc.lower()) != (base.scheme.lower(), base.netloc.lower()):
            return None
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        host = "[%s]" % parts.hostname if ":" in (parts.hostname or "") else parts.hostname
        netloc = host if port == (443 if right == "https" else 80) else "%s:%d" % (host, port)
        fixed = normalise_base_url("%s://%s%s" % (right, netloc, base.path))
        if right == "http":
            message = "%s:%d speaks plain HTTP, not HTTPS: use url %s" % (host, port, fixed)
            if self.verify:
                message += " (and leave validate_certs unset: plain HTTP has no certificate to verify)"
        else:
            message = "%s:%d speaks HTTPS, not plain HTTP: use url %s" % (host, port, fixed)
        return MoodleConnectionError(message + ".", hint="(%s)" % evidence)

    def _connection_error(self, error, method, path, write=False):
        where = "%s %s" % (method, self.redact(self.url_for(path).split("?")[0]))
        text = self.redact(str(error))
        url = self.url_for(path)
        if url.lower().startswith("https://") and isinstance(error, requests.exceptions.ConnectionError) and \
                "ssl" in text.lower() and _PLAIN_HTTP_ANSWER.search(text):
            reason = _SSL_REASON.search(text)
            wrong_scheme = self._scheme_error(url, "http", "%s: the answer to the TLS handshake was plain HTTP, %s" % (
                where, reason.group(0).strip() if reason else "not TLS"))
            if wrong_scheme is not None:
                return wrong_scheme
        if isinstance(error, requests.exceptions.SSLError):
            return MoodleConnectionError(
                "TLS verification failed for %s: %s" % (where, text),
                hint="Give the CA bundle with ca_path, or (for a test site only) set validate_certs: false.")
        if isinstance(error, (requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout,
                              requests.exceptions.Timeout)):
            return MoodleConnectionError(
                "No answer within %s s for %s." % (self.timeout, where),
                hint=self._after_failure(write, "Check that url is reachable from where the task runs, or raise "
                                                "timeout.", slow=True))
        if isinstance(error, requests.exceptions.ConnectionError):
            lowered = text.lower()
            if "name or service not known" in lowered or "nodename nor servname" in lowered or \
                    "failed to resolve" in lowered or "name resolution" in lowered or "getaddrinfo" in lowered:
                reason = "the host name does not resolve (%s)" % text
            elif "refused" in lowered:
                reason = "the connection was refused (nothing listens on that host and port) (%s)" % text
            elif "remotedisconnected" in lowered or "connection aborted" in lowered or "reset" in lowered:
                reason = "the server closed the connection without answering %s" % where
            else:
                reason = "the connection failed (%s)" % text
            return MoodleConnectionError(
                "Cannot reach Moodle at %s: %s." % (self.base_url, reason),
                hint=self._after_failure(write, "Check url (scheme, host, port) and the network path from where the "
                                                "task runs."))
        return MoodleConnectionError("Request %s failed: %s" % (where, text))

    def check_redirect_target(self, response):
        """Fail clearly when Moodle redirects to another origin or path prefix: that is its wwwroot."""
        if not response.is_redirect:
            return
        target = urljoin(self.url_for(response.path), response.location)
        given, found = urlsplit(self.base_url), urlsplit(target)
        same_origin = (given.scheme, given.netloc.lower()) == (found.scheme, found.netloc.lower())
        if same_origin and (found.path + "/").startswith(given.path.rstrip("/") + "/"):
            return
        raise WwwrootMismatchError(self.base_url, canonical_from_redirect(response.path, target))

    def close(self):
        """Close the underlying requests session."""
        self.session.close()


def canonical_from_redirect(requested_path, target):
    """Guess the wwwroot from a redirect that kept the requested path, e.g. http -> https."""
    parts = urlsplit(target)
    path = parts.path
    requested = "/" + requested_path.split("?")[0].lstrip("/")
    if requested != "/" and path.endswith(requested):
        path = path[:-len(requested)]
    return normalise_base_url("%s://%s%s" % (parts.scheme, parts.netloc, path))
