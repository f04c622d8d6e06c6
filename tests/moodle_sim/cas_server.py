"""A small Apereo-like CAS server (flow f24), ours: the simulator starts it on a second port next to Moodle.

Modelled on the test CAS server of the f24 recordings (432-477): ``/cas/login`` (gateway, TGC single sign-on,
``form#fm1`` without action with hidden ``execution`` (single use), ``_eventId=submit`` and ``geolocation``; wrong
password = 401 + the form again with ``#loginErrorsPanel``; success = 302 to the service with ``ticket=ST-...`` and
``Set-Cookie: TGC``), ``/cas/validate`` (CAS 1.0), ``/cas/serviceValidate`` (2.0), ``/cas/p3/serviceValidate`` (3.0)
and ``/cas/logout``. Service tickets are single use and valid 10 s. ``legacy_lt`` adds the hidden ``lt`` field of old
CAS servers. Plain HTTP (the recorded one is HTTPS with a self-signed certificate: the standard library cannot make
one), so its TGC has no ``Secure`` flag. Standard library only.
"""
import base64
import os
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from .html import esc
from .util import random_string

DEFAULT_USERS = {"casadmin": "Cas#Admin12345", "casuser": "Cas#User12345"}
TICKET_LIFETIME = 10


class CasServer(object):
    def __init__(self, host="127.0.0.1", port=0):
        self.host = host
        self.port = port
        self.lock = threading.RLock()
        self._httpd = None
        self.reset()

    # ------------------------------------------------------------------ state
    def reset(self):
        with self.lock:
            self.users = dict(DEFAULT_USERS)
            self.tickets = {}        # ST -> (username, service, created)
            self.tgts = {}           # TGT -> username
            self.executions = set()
            self.counter = 0
            self.legacy_lt = False
            self.lts = set()
            self.log = []

    def to_json(self):
        with self.lock:
            return {"url": self.url, "legacy_lt": self.legacy_lt,
                    "users": dict((u, {"password": p}) for u, p in self.users.items()),
                    "ticket_tokens": sorted(self.tickets), "tgc_cookies": sorted(self.tgts),
                    "execution_keys": sorted(self.executions), "log": list(self.log)}

    @property
    def url(self):
        return "http://%s:%d/cas/" % (self.host, self.port)

    @property
    def netloc(self):
        return "%s:%d" % (self.host, self.port)

    def _next(self, prefix):
        self.counter += 1
        return "%s-%d-%s-cas-test" % (prefix, self.counter, random_string(32))

    def new_execution(self):
        raw = base64.b64encode(os.urandom(64)).decode()
        value = "%s_%s" % (uuid.uuid4(), raw)
        self.executions.add(value)
        return value

    def issue_ticket(self, username, service):
        st = self._next("ST")
        self.tickets[st] = (username, service, time.time())
        self.log.append("ST for %s -> %s" % (username, service))
        return st

    def validate(self, ticket, service, version):
        """(username, None) or (None, (code, message)); the ticket is used up either way."""
        with self.lock:
            found = self.tickets.pop(ticket, None)
            if found is None or time.time() - found[2] > TICKET_LIFETIME:
                error = ("INVALID_TICKET", "Ticket '%s' not recognized" % ticket)
            elif found[1] != service:
                error = ("INVALID_SERVICE", "Ticket '%s' does not match supplied service" % ticket)
            else:
                self.log.append("validate v%s %s -> OK %s" % (version, ticket[:15], found[0]))
                return found[0], None
            self.log.append("validate v%s %s -> %s" % (version, ticket[:15], error[0]))
            return None, error

    # ------------------------------------------------------------------ lifecycle
    def start(self):
        self._httpd = _Server((self.host, self.port), _Handler)
        self._httpd.cas = self
        self.port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, name="cas-sim", daemon=True).start()
        return self

    def stop(self):
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def _with_ticket(service, ticket):
    return service + ("&" if "?" in service else "?") + "ticket=" + ticket


def login_form(cas, username="", error=None):
    err = ('<div id="loginErrorsPanel" class="banner banner-danger alert alert-danger" role="alert"><p>%s</p></div>\n'
           % esc(error)) if error else ""
    lt = ""
    if cas.legacy_lt:
        value = "LT-%d-%s" % (cas.counter + 1, random_string(20))
        cas.lts.add(value)
        lt = '<input type="hidden" name="lt" value="%s">\n' % value
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"UTF-8\"><title>CAS - Central Authentication "
            "Service</title></head>\n<body><main id=\"main-content\">\n<h1>Enter Username &amp; Password</h1>\n%s"
            "<form method=\"post\" id=\"fm1\">\n"
            "<section class=\"cas-field\"><label for=\"username\">Username:</label><input class=\"form-control\" "
            "id=\"username\" name=\"username\" type=\"text\" value=\"%s\" size=\"25\" tabindex=\"1\" accesskey=\"u\" "
            "autocomplete=\"off\"></section>\n"
            "<section class=\"cas-field\"><label for=\"password\">Password:</label><input class=\"form-control\" "
            "id=\"password\" name=\"password\" type=\"password\" value=\"\" size=\"25\" tabindex=\"2\" accesskey=\"p\" "
            "autocomplete=\"off\"></section>\n%s"
            "<input type=\"hidden\" name=\"execution\" value=\"%s\">\n"
            "<input type=\"hidden\" name=\"_eventId\" value=\"submit\">\n"
            "<input type=\"hidden\" name=\"geolocation\">\n"
            "<input class=\"btn btn-submit btn-block\" name=\"submit\" accesskey=\"l\" value=\"LOGIN\" tabindex=\"6\" "
            "type=\"submit\">\n</form>\n</main></body></html>\n"
            % (err, esc(username), lt, esc(cas.new_execution())))


def _xml_success(user, version):
    attrs = ""
    if version == "3":
        attrs = "<cas:attributes><cas:email>%s@example.com</cas:email></cas:attributes>" % esc(user)
    return ("<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'>\n  <cas:authenticationSuccess>\n"
            "    <cas:user>%s</cas:user>%s\n  </cas:authenticationSuccess>\n</cas:serviceResponse>\n" % (esc(user), attrs))


def _xml_failure(code, message):
    return ("<cas:serviceResponse xmlns:cas='http://www.yale.edu/tp/cas'>\n  <cas:authenticationFailure code='%s'>\n"
            "    %s\n  </cas:authenticationFailure>\n</cas:serviceResponse>\n" % (code, esc(message)))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cas-test-server"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def _send(self, status, body=b"", location=None, cookie=None, ctype="text/html;charset=UTF-8"):
        body = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response_only(status, {401: "Unauthorized"}.get(status))
        self.send_header("Server", "cas-test-server")
        self.send_header("Date", self.date_time_string())
        if location:
            self.send_header("Location", location)
        if cookie:
            self.send_header("Set-Cookie", cookie)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _handle(self, method):
        cas = self.server.cas
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)) if method == "POST" else {}
        cookies = {}
        for part in (self.headers.get("Cookie") or "").split(";"):
            if "=" in part:
                k, v = part.strip().split("=", 1)
                cookies[k] = v
        with cas.lock:
            path = parts.path
            if path == "/cas/login":
                return self._login(cas, method, query, form, cookies)
            if path in ("/cas/serviceValidate", "/cas/p3/serviceValidate", "/cas/validate",
                        "/cas/proxyValidate", "/cas/p3/proxyValidate"):
                version = "3" if "/p3/" in path else ("1" if path == "/cas/validate" else "2")
                user, error = cas.validate(query.get("ticket", ""), query.get("service", ""), version)
                if version == "1":
                    return self._send(200, "yes\n%s\n" % user if user else "no\n", ctype="text/plain;charset=UTF-8")
                xml = _xml_success(user, version) if user else _xml_failure(*error)
                return self._send(200, xml, ctype="application/xml;charset=UTF-8")
            if path == "/cas/logout":
                cas.tgts.pop(cookies.get("TGC", ""), None)
                service = query.get("service")
                cookie = "TGC=; Path=/cas/; Max-Age=0; HttpOnly"
                if service:
                    return self._send(302, location=service, cookie=cookie)
                return self._send(200, "<!DOCTYPE html>\n<html><head><title>CAS - Logout</title></head><body><main>"
                                       "<h1>Logout successful</h1></main></body></html>\n", cookie=cookie)
            return self._send(404, "<html><body><h1>404 Not Found</h1></body></html>\n")

    def _login(self, cas, method, query, form, cookies):
        service = query.get("service", "")
        user = cas.tgts.get(cookies.get("TGC", ""))
        if method == "GET":
            if user and service:                       # single sign-on (446): a ticket at once, no form
                return self._send(302, location=_with_ticket(service, cas.issue_ticket(user, service)))
            if query.get("gateway") in ("true", "1") and service:     # gateway, no TGC (433): back without ticket
                return self._send(302, location=service)
            return self._send(200, login_form(cas))
        execution = form.get("execution", "")
        lt_ok = not cas.legacy_lt or form.get("lt", "") in cas.lts
        if execution not in cas.executions or form.get("_eventId") != "submit" or not lt_ok:
            return self._send(400, login_form(cas, form.get("username", ""), "Your login attempt could not be "
                                              "processed: start again."))
        cas.executions.discard(execution)
        cas.lts.discard(form.get("lt", ""))
        username = (form.get("username") or "").strip()
        if not username or cas.users.get(username) != form.get("password"):
            cas.log.append("login failed for %r" % username)
            return self._send(401, login_form(cas, username, "Invalid credentials."))
        cas.log.append("login ok for %r" % username)
        tgt = cas._next("TGT")
        cas.tgts[tgt] = username
        cookie = "TGC=%s; Path=/cas/; HttpOnly" % tgt
        if not service:
            return self._send(200, "<!DOCTYPE html>\n<html><head><title>CAS - Log In Successful</title></head><body>"
                                   "<main><h1>Log In Successful</h1></main></body></html>\n", cookie=cookie)
        return self._send(302, location=_with_ticket(service, cas.issue_ticket(username, service)), cookie=cookie)
