"""HTTP server of the simulator: request context, cookies/sessions, routing, faults, request log."""
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from . import capacity, control
from .html import esc, page, single_button
from .response import Response
from .state import SiteState
from .util import parse_php_params

COOKIE_NAME = "MoodleSession"


class RequestRecord(object):
    __slots__ = ("method", "path", "query", "form_keys", "status", "write")

    def __init__(self, method, path, query, form_keys, status, write):
        self.method = method
        self.path = path
        self.query = query
        self.form_keys = form_keys
        self.status = status
        self.write = write

    def to_json(self):
        return dict((k, getattr(self, k)) for k in self.__slots__)

    def __repr__(self):
        return "RequestRecord(%s %s?%s -> %s write=%s)" % (self.method, self.path, self.query, self.status,
                                                           self.write)


class Ctx(object):
    """Everything a page handler needs about one request."""

    def __init__(self, sim, method, path, query, headers, body, client_ip):
        self.sim = sim
        self.state = sim.state
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.client_ip = client_ip
        self.query_pairs = parse_qsl(query, keep_blank_values=True)
        ctype = (headers.get("Content-Type") or "").lower()
        self.form_pairs = []
        if method == "POST" and "application/x-www-form-urlencoded" in ctype:
            self.form_pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        self.get = parse_php_params(self.query_pairs)
        self.post = parse_php_params(self.form_pairs)
        self.cookies = {}
        for part in (headers.get("Cookie") or "").split(";"):
            if "=" in part:
                k, v = part.strip().split("=", 1)
                self.cookies[k] = v
        self.set_cookies = []
        self.write = False
        self.session = self.state.sessions.get(self.cookies.get(COOKIE_NAME, ""))
        self.user = None
        if self.session and self.session.userid:
            self.user = self.state.users.get(self.session.userid)

    # optional_param(): POST wins over GET, like Moodle
    def param(self, name, default=None):
        if name in self.post:
            return self.post[name]
        if name in self.get:
            return self.get[name]
        return default

    def form_values(self, name):
        return [v for k, v in self.form_pairs if k == name]

    def ensure_session(self):
        """Start a session as any Moodle page does (sets the cookie when the request had none)."""
        if self.session is None:
            self.session = self.state.new_session()
            if self.cookies.get(COOKIE_NAME) in getattr(self.state, "dead_sids", ()):
                self.session.has_timed_out = True     # $SESSION->has_timed_out (229-231)
            self.set_cookies.append("%s=%s; path=/; HttpOnly" % (COOKIE_NAME, self.session.sid))
        return self.session

    def new_session_cookie(self, session):
        self.set_cookies = [c for c in self.set_cookies if not c.startswith(COOKIE_NAME + "=")]
        self.set_cookies.append("%s=%s; path=/; HttpOnly" % (COOKIE_NAME, session.sid))

    def url(self, path):
        return self.state.wwwroot + path

    def sesskey_ok(self):
        given = self.param("sesskey")
        return bool(self.session) and isinstance(given, str) and given == self.session.sesskey

    @property
    def is_admin(self):
        return bool(self.user) and self.state.is_siteadmin(self.user["id"])

    @property
    def debug(self):
        return self.state.debug


def error500_response(ctx):
    main = ('<div data-rel="fatalerror" class="box py-3 errorbox alert alert-danger">'
            '<p class="errormessage">Error reading from database</p><p class="errorcode">'
            '<a href="https://docs.moodle.org/%s/en/error/moodle/dmlreadexception">More information about this error'
            '</a></p></div>' % ctx.state.moodle.docs)
    return page(ctx, "Error | lab", main, status=500, bodyid="page-error")


def nginx_error_response(status, reason):
    """What nginx itself answers when PHP-FPM is down (502) or a limit/upstream rule refuses (503): no Moodle
    page, no cookies; not the maintenance page (that one says "Moodle under maintenance")."""
    body = ("<html>\r\n<head><title>%(s)d %(r)s</title></head>\r\n<body>\r\n<center><h1>%(s)d %(r)s</h1></center>"
            "\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n" % dict(s=status, r=reason))
    return Response(status, body, content_type="text/html", reason=reason)


def notfound_html_response(ctx):
    """A Moodle fatal error page (print_error / moodle_exception: HTTP 404, p.errormessage, "Continue") where the
    client expected a form: what a missing record or a broken plugin serves."""
    from .html import error_page
    return error_page(ctx, "Can't find data record in database.", "invalidrecordunknown")


def kill_all_sessions(state):
    """Every session ends at once (an admin's "log out all users", a purged session store): the next request of a
    logged-in client carries a cookie Moodle no longer knows, and admin pages answer 303 to login/index.php."""
    dead = getattr(state, "dead_sids", None)
    for sid in list(state.sessions):
        if dead is not None:
            dead.add(sid)
        state.destroy_session(sid)


FAULT_MODES = ("error500", "error502", "error503", "slow", "drop", "unexpected", "notfound_html", "kill_sessions")


def fault_response(fault, ctx):
    """The answer a fault gives instead of Moodle's, or None when Moodle answers (slow, kill_sessions)."""
    mode = fault["mode"]
    if mode == "error500":
        return error500_response(ctx)
    if mode == "error502":
        return nginx_error_response(502, "Bad Gateway")
    if mode == "error503":
        return nginx_error_response(503, "Service Temporarily Unavailable")
    if mode == "unexpected":
        return unexpected_page_response(ctx)
    if mode == "notfound_html":
        return notfound_html_response(ctx)
    if mode == "kill_sessions":
        kill_all_sessions(ctx.state)
        ctx.session = None
        ctx.user = None
    return None


def unexpected_page_response(ctx):
    """A normal-looking Moodle page (logged in, M.cfg, footer) without the content the client came for: what a
    theme, a plugin or a Moodle release the collection was not written for may serve."""
    if ctx.session is None:
        ctx.ensure_session()
    return page(ctx, "Administration | lab", '<div class="box">This page was changed by a plugin.</div>',
                bodyid="page-admin-unexpected")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # keep-alive answers must not wait for delayed ACKs (~40 ms each)
    server_version = "nginx"
    sys_version = ""

    def log_message(self, fmt, *args):   # quiet
        pass

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_HEAD(self):
        self._handle("HEAD")

    def _handle(self, method):
        sim = self.server.sim
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        path = parts.path or "/"
        if path.startswith("/__sim__/"):
            resp = control.handle(sim, method, path, body)
            self._send(resp, method)
            return
        capacity.serve(sim)     # the server-time model (off unless POST /__sim__/capacity), outside the state lock
        fault = sim.take_fault(path, method, parts.query)
        if fault is not None and fault["mode"] == "drop":
            sim.log(RequestRecord(method, path, parts.query, [], 0, False))
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        with sim.state.lock:
            ctx = Ctx(sim, method if method != "HEAD" else "GET", path, parts.query, self.headers, body,
                      self.client_address[0])
            resp = fault_response(fault, ctx) if fault is not None else None
            if resp is None:
                resp = sim.dispatch(ctx)
            for c in ctx.set_cookies:
                _insert_cookie(resp, c)
            sim.log(RequestRecord(method, path, parts.query, [k for k, _unused in ctx.form_pairs], resp.status,
                                  bool(ctx.write)))
            if ctx.write:
                sim.arm_fault_after_write()
        if fault is not None and fault["mode"] == "slow":
            # Moodle did the work; the answer comes late (a client with a shorter timeout has given up)
            time.sleep(float(fault.get("delay") or 1))
            try:
                self._send(resp, method)
            except OSError:
                self.close_connection = True
            return
        self._send(resp, method)

    def _send(self, resp, method):
        self.send_response_only(resp.status, resp.reason)
        self.send_header("Server", "nginx")
        self.send_header("Date", self.date_time_string())
        for k, v in resp.headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(resp.body)
        self.wfile.flush()


def _insert_cookie(resp, cookie):
    """Set-Cookie goes right after Content-Type (where PHP puts it), before other headers."""
    idx = 1 if resp.headers and resp.headers[0][0] == "Content-Type" else 0
    existing = [i for i, (k, _unused) in enumerate(resp.headers) if k == "Set-Cookie"]
    if existing:
        idx = existing[-1] + 1
    resp.headers.insert(idx, ("Set-Cookie", cookie))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Simulator(object):
    """A running simulated Moodle site. Use as a context manager or call start()/stop()."""

    def __init__(self, state="fresh", port=0, host="127.0.0.1", moodle=None, tls=None):
        self.host = host
        self.port = port
        self.tls = tls      # (certfile, keyfile): serve HTTPS (wwwroot https://...); the CAS server stays HTTP
        self.state = SiteState(state, moodle=moodle)    # moodle: "4.5" (default) or "5.1", see versions.py
        self._log = []
        self._log_lock = threading.Lock()
        self._fault = None
        self._fault_lock = threading.Lock()
        self._httpd = None
        self._thread = None
        from .cas_server import CasServer
        self.cas = CasServer(host=host)       # our CAS server (f24), on a second port
        from .oidc_server import OidcServer
        self.oidc = OidcServer(host=host)     # our OpenID provider (f25), HTTPS on a third port
        from . import routes
        self._routes = routes.ROUTES

    # ------------------------------------------------------------------ lifecycle
    def start(self):
        self._listen()
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="moodle-sim", daemon=True)
        self._thread.start()
        return self

    def _start_cas(self):
        self.cas.start()
        self.state.cas_server = self.cas
        self.oidc.start()
        self.state.oidc_server = self.oidc

    def stop(self):
        self.cas.stop()
        self.oidc.stop()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def _listen(self):
        self._httpd = _Server((self.host, self.port), Handler)
        self._httpd.sim = self
        self.port = self._httpd.server_address[1]
        if self.tls:
            from .tls import serve_tls
            serve_tls(self._httpd, *self.tls)
        self.state.wwwroot = "%s://%s:%d" % ("https" if self.tls else "http", self.host, self.port)
        self._start_cas()

    def serve_forever(self):
        self._listen()
        try:
            self._httpd.serve_forever()
        finally:
            self._httpd.server_close()
            self.cas.stop()
            self.oidc.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self):
        return self.state.wwwroot

    # ------------------------------------------------------------------ log
    def log(self, record):
        with self._log_lock:
            self._log.append(record)

    @property
    def requests(self):
        with self._log_lock:
            return list(self._log)

    def clear_log(self):
        with self._log_lock:
            self._log = []

    # ------------------------------------------------------------------ faults
    def set_fault(self, mode, count=1, delay=0, path_prefix="/", after_write=False, method=None):
        """The next ``count`` requests under ``path_prefix`` (and of ``method``, when given) fail as ``mode``
        (FAULT_MODES); with ``after_write`` the fault arms only once a request that writes has been answered (so it
        hits the read-back)."""
        with self._fault_lock:
            if mode in (None, "none") or int(count) <= 0:
                self._fault = None
            elif mode not in FAULT_MODES:
                raise ValueError("unknown fault mode %r" % mode)
            else:
                self._fault = dict(mode=mode, count=int(count), delay=float(delay or 0),
                                   path_prefix=path_prefix or "/", armed=not after_write,
                                   method=(method or "").upper() or None)

    def arm_fault_after_write(self):
        with self._fault_lock:
            if self._fault is not None:
                self._fault["armed"] = True

    def take_fault(self, path, method=None, query=""):
        """The fault for this request, if any (``path_prefix`` with a "?" matches the query string too)."""
        with self._fault_lock:
            f = self._fault
            if not f or not f["armed"]:
                return None
            target = path + "?" + query if "?" in f["path_prefix"] else path
            if not target.startswith(f["path_prefix"]):
                return None
            if f["method"] and method and f["method"] != method:
                return None
            f["count"] -= 1
            if f["count"] <= 0:
                self._fault = None
            return dict(f)

    # ------------------------------------------------------------------ routing
    def dispatch(self, ctx):
        state = self.state
        if state.maintenance == "cli":
            from .pages import maintenance
            return maintenance.cli_response(ctx)
        handler = self._routes.get(ctx.path)
        if handler is None and ctx.path.endswith("/"):
            handler = self._routes.get(ctx.path + "index.php")
        if handler is None:
            return not_found(ctx)
        return handler(ctx)

    # ------------------------------------------------------------------ cli stand-in
    def make_moodle_root(self, path):
        """Write a directory that looks like a Moodle code root to the cli backend."""
        os.makedirs(os.path.join(path, "admin", "cli"), exist_ok=True)
        with open(os.path.join(path, "config.php"), "w") as fh:
            fh.write("<?php  // Moodle configuration file (moodle_sim stand-in)\n\nunset($CFG);\nglobal $CFG;\n"
                     "$CFG = new stdClass();\n\n$CFG->wwwroot   = '%s';\n$CFG->dataroot  = '%s';\n"
                     "$CFG->admin     = 'admin';\n\nrequire_once(__DIR__ . '/lib/setup.php');\n"
                     % (self.url, os.path.join(path, "moodledata")))
        with open(os.path.join(path, "admin", "cli", "cfg.php"), "w") as fh:
            fh.write("<?php\n// moodle_sim stand-in: run with tests/moodle_sim/bin/php, which forwards to the "
                     "simulator named in ../../config.php\n")
        with open(os.path.join(path, "version.php"), "w") as fh:
            fh.write("<?php\n$version  = %s.00;\n$release  = '%s';\n$branch   = '%s';\n$maturity = MATURITY_STABLE;\n"
                     % (self.state.moodle.version, self.state.moodle.release, self.state.moodle.branch))
        return path


def not_found(ctx):
    """A path no page serves. 4.5: nginx's own 404 page. 5.1: the lab's nginx sends unknown paths to Moodle's router
    (``try_files $uri $uri/ /r.php``, moodle-5.1.3/README.md), whose page_not_found_controller renders a themed 404
    page (M.cfg with the wwwroot, a session cookie, a Continue button to the wwwroot)."""
    if ctx.state.moodle.is51:
        return router_not_found(ctx)
    r = Response(404, "<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1>"
                      "</center><hr><center>nginx</center></body></html>\n")
    return r


def router_not_found(ctx):
    """5.1 r.php for an unknown path: HTTP 404, title pagenotexisttitle, an error notification naming the path, the
    support e-mail line (none on the lab) and, for users who may not message support (guests), Continue."""
    ctx.ensure_session()
    wwwroot = ctx.state.wwwroot
    main = ('<div class="alert alert-danger alert-block fade in" role="alert" data-aria-autofocus="true">'
            '<p>An unusual error occurred trying to view a page that does not exist: %s</p></div>'
            '<div class="continuebutton">%s</div>' % (esc(ctx.path), single_button(wwwroot, "Continue")))
    return page(ctx, "404 Error: File not found | lab", main, status=404, bodyid="page-error",
                pageurl=wwwroot + "/error")
