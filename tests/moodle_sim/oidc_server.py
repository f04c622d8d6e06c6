"""A small OpenID provider for tests (flow f25), ours: the simulator starts it on a second port next to Moodle.

Modelled on the test OpenID provider of the f25 recordings (4.5.6 478-574, 5.1.3 411-507): HTTPS with a self-signed
certificate for 127.0.0.1 (Moodle's curl does not verify it), ``/.well-known/openid-configuration`` (issuer,
authorization/token/userinfo/end_session endpoints, jwks_uri, scopes_supported ``openid profile email
offline_access``; every URL on the scheme and host:port the request was sent to) and ``200 ok`` at ``/authorize``.
The rest of a real provider (tokens, userinfo) is not modelled: Moodle only reaches it after a user logs in there.

The certificate comes from tests/tls_certs.py (``cryptography``, present wherever the tests run), else from the
``openssl`` command; the rest is the standard library. ``document(host)`` is the discovery document as served for
that Host, used in-process by the simulator for a provider address only the recordings know (``aliases``)."""
import json
import os
import shutil
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

SCOPES = ["openid", "profile", "email", "offline_access"]


def _certificate(directory):
    """(certfile, keyfile) of a throwaway certificate for 127.0.0.1 / localhost in ``directory``."""
    try:
        from tests.tls_certs import make_test_certificates
        return make_test_certificates(directory).server_pair
    except ImportError:     # pragma: no cover - the simulator run on its own, without the test tree
        cert, key = os.path.join(directory, "oidc.pem"), os.path.join(directory, "oidc.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                        "/CN=127.0.0.1", "-keyout", key, "-out", cert], check=True, capture_output=True)
        return cert, key


def discovery_document(scheme, netloc):
    """The provider's /.well-known/openid-configuration for requests sent to ``scheme://netloc``."""
    base = "%s://%s" % (scheme, netloc)
    return {"issuer": base, "authorization_endpoint": base + "/authorize", "token_endpoint": base + "/token",
            "userinfo_endpoint": base + "/userinfo", "end_session_endpoint": base + "/logout",
            "jwks_uri": base + "/jwks", "scopes_supported": list(SCOPES),
            "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"]}


class OidcServer(object):
    def __init__(self, host="127.0.0.1", port=0):
        self.host = host
        self.port = port
        self.lock = threading.RLock()
        self._httpd = None
        self._dir = None
        self.reset()

    def reset(self):
        with self.lock:
            self.log = []            # [{"method", "path", "user_agent"}]
            self.aliases = []        # host:port the recordings used, answered in-process by the simulator

    @property
    def netloc(self):
        return "%s:%d" % (self.host, self.port)

    @property
    def url(self):
        return "https://%s" % self.netloc

    @property
    def running(self):
        return self._httpd is not None

    def to_json(self):
        with self.lock:
            return {"url": self.url, "log": list(self.log), "aliases": list(self.aliases)}

    def document(self, netloc, user_agent=""):
        """The discovery document as served to a request for https://netloc (logged like one)."""
        with self.lock:
            self.log.append({"method": "GET", "path": "/.well-known/openid-configuration", "host": netloc,
                             "user_agent": user_agent})
        return discovery_document("https", netloc)

    def start(self):
        from .tls import serve_tls
        self._dir = tempfile.mkdtemp(prefix="oidc-sim-")
        certfile, keyfile = _certificate(self._dir)
        self._httpd = _Server((self.host, self.port), _Handler)
        self._httpd.oidc = self
        self.port = self._httpd.server_address[1]
        serve_tls(self._httpd, certfile, keyfile)
        threading.Thread(target=self._httpd.serve_forever, name="oidc-sim", daemon=True).start()
        return self

    def stop(self):
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "oidc-test-server"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        oidc = self.server.oidc
        path = urlsplit(self.path).path
        with oidc.lock:
            oidc.log.append({"method": "GET", "path": self.path, "host": self.headers.get("Host") or oidc.netloc,
                             "user_agent": self.headers.get("User-Agent") or ""})
        if path == "/.well-known/openid-configuration":
            body = json.dumps(discovery_document("https", self.headers.get("Host") or oidc.netloc))
            return self._send(200, body, "application/json")
        if path == "/authorize":
            return self._send(200, "ok", "text/plain; charset=utf-8")
        return self._send(404, "not found", "text/plain; charset=utf-8")

    def _send(self, status, body, ctype):
        body = body.encode("utf-8")
        self.send_response_only(status)
        self.send_header("Server", "oidc-test-server")
        self.send_header("Date", self.date_time_string())
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
