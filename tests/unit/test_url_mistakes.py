"""Issue 18 item 5: a wrong url fails with one message naming the fix, without a traceback, without a write and
after few requests. Each case runs a module in-process against the simulator (or, for nginx's answer to plain HTTP
on its TLS port, a stand-in of that one answer).

* a wrong path (``…/moodle``, ``…/admin/``, deeper): "url … is not the site's address: Moodle answers at <wwwroot>
  (its wwwroot); set url to it." - found in the 404 page itself (5.1: the router's themed 404 page names the wwwroot)
  or at a parent path (4.5: nginx's own 404, then GET <parent>/login/index.php, at most MAX_PARENT_PROBES);
* nothing answers as Moodle: the message says what was tried;
* ``https://`` against plain HTTP (validate_certs true or false): "<host:port> speaks plain HTTP, not HTTPS: use url
  http://…", never "validate_certs: false"; ``http://`` against nginx's TLS port: "… speaks HTTPS …";
* a page as url: the wwwroot it belongs to, without the YAML quoting advice (kept for YAML-typed values)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from module_harness import run_module
from tests.moodle_sim import Simulator

from ansible_collections.moodleops.auth.plugins.module_utils.auth import MAX_PARENT_PROBES, parent_urls
from ansible_collections.moodleops.auth.plugins.module_utils.http_transport import HttpTransport
from ansible_collections.moodleops.auth.plugins.module_utils.redact import Redactor

PASSWORD = "Admin#12345"
YAML_ADVICE = "quote text that YAML could read"


def https(sim):
    return sim.url.replace("http://", "https://")


# id, Moodle, module arguments (sim -> dict), the message's start or parts ({url} = the simulator's wwwroot, {port}
# its port, {cas} our CAS server's base URL), most requests, extra words the message must not hold
CASES = [
    ("path-moodle-45", "4.5", lambda s: dict(url=s.url + "/moodle"),
     ["url {url}/moodle is not the site's address: Moodle answers at {url} (its wwwroot); set url to it."], 2, ()),
    ("path-moodle-51", "5.1", lambda s: dict(url=s.url + "/moodle"),
     ["url {url}/moodle is not the site's address: Moodle answers at {url} (its wwwroot); set url to it."], 1, ()),
    ("path-admin-45", "4.5", lambda s: dict(url=s.url + "/admin/"),
     ["url {url}/admin is not the site's address: Moodle answers at {url} (its wwwroot); set url to it."], 2, ()),
    ("path-admin-51", "5.1", lambda s: dict(url=s.url + "/admin/"),
     ["url {url}/admin is not the site's address: Moodle answers at {url} (its wwwroot); set url to it."], 1, ()),
    ("path-deep-45", "4.5", lambda s: dict(url=s.url + "/a/b/c/d"),
     ["url {url}/a/b/c/d is not the site's address: Moodle answers at {url} (its wwwroot); set url to it."],
     1 + MAX_PARENT_PROBES, ()),
    ("path-token-rest-45", "4.5", lambda s: dict(url=s.url + "/moodle", token="a" * 32),
     ["url {url}/moodle is not the site's address: Moodle answers at {url} (its wwwroot); set url to it.",
      "POST {url}/moodle/webservice/rest/server.php answered HTTP 404"], 2, ()),
    ("path-cas-45", "4.5", lambda s: dict(url=s.url + "/moodle", auth_method="cas"),
     ["url {url}/moodle is not the site's address: Moodle answers at {url} (its wwwroot); set url to it."], 2, ()),
    ("nothing-at-root", "4.5", lambda s: dict(url=s.cas.url.rstrip("/").rsplit("/", 1)[0]),
     ["url {cas} is not the site's address: GET {cas}/login/index.php answered HTTP 404",
      "url has no parent path to try"], 1, ("Moodle answers at",)),
    ("nothing-at-parents", "4.5", lambda s: dict(url=s.cas.url.rstrip("/").rsplit("/", 1)[0] + "/moodle/x"),
     ["url {cas}/moodle/x is not the site's address: GET {cas}/moodle/x/login/index.php answered HTTP 404",
      "no Moodle answered at its parent paths (tried GET {cas}/moodle/login/index.php: HTTP 404; "
      "GET {cas}/login/index.php: HTTP 404)"], 3, ("Moodle answers at",)),
    ("https-to-http-verify", "4.5", lambda s: dict(url=https(s), validate_certs=True),
     ["127.0.0.1:{port} speaks plain HTTP, not HTTPS: use url {url}"], 1,
     ("validate_certs: false", "TLS verification")),
    ("https-to-http-noverify", "4.5", lambda s: dict(url=https(s), validate_certs=False),
     ["127.0.0.1:{port} speaks plain HTTP, not HTTPS: use url {url}."], 1,
     ("validate_certs", "TLS verification")),
    ("https-to-http-path", "5.1", lambda s: dict(url=https(s) + "/moodle", validate_certs=False),
     ["127.0.0.1:{port} speaks plain HTTP, not HTTPS: use url {url}/moodle."], 1, ("validate_certs",)),
    ("page-url", "4.5", lambda s: dict(url=s.url + "/login/index.php"),
     ["url '{url}/login/index.php' is a page; give the site's address (wwwroot), such as {url}. "
      "Fix the options named."],
     0, ("YAML",)),
    ("page-url-subdir", "4.5", lambda s: dict(url=s.url + "/moodle/admin/settings.php"),
     ["is a page; give the site's address (wwwroot), such as {url}/moodle. Fix the options named."], 0, ("YAML",)),
]


def session_secrets(sim):
    with sim.state.lock:
        return [value for s in sim.state.sessions.values() for value in (s.sid, s.sesskey)]


def check_failure(result, sim, expected, most, absent, fill):
    message = result.get("msg") or ""
    assert result.get("failed"), result
    assert "exception" not in result, result.get("exception")
    assert "Traceback" not in message
    for part in expected:
        assert part.format(**fill) in message, message
    for word in absent:
        assert word not in message, message
    if "is not the site's address" in message:     # as before: the 404 was not Moodle's login page
        assert "not Moodle's" in message
    # one message naming one fix
    fixes = ("set url to it", "use url ", "such as ", "Set url to the site's $CFG->wwwroot")
    assert sum(message.count(fix) for fix in fixes) == 1, message
    assert PASSWORD not in message and "MoodleSession" not in message
    for secret in session_secrets(sim) if sim is not None else ():
        assert secret not in message
    debug = result.get("debug") or {}
    assert debug.get("http_writes", 0) == 0
    assert debug.get("http_requests", 0) <= most, (debug, message)
    if sim is not None:
        assert not [r for r in sim.requests if r.write]
        assert not [r for r in sim.requests if r.method == "POST" and r.path.endswith("/login/index.php")]
        assert len(sim.requests) <= most, sim.requests


@pytest.fixture(scope="module")
def sims():
    with Simulator(state="configured", moodle="4.5") as old, Simulator(state="configured", moodle="5.1") as new:
        yield {"4.5": old, "5.1": new}


@pytest.mark.parametrize("case_id, moodle, make_args, expected, most, absent", CASES, ids=[c[0] for c in CASES])
def test_url_mistake_names_the_fix(sims, case_id, moodle, make_args, expected, most, absent):
    sim = sims[moodle]
    sim.clear_log()
    args = dict(username="admin", password=PASSWORD, timeout=10, retries=1)
    args.update(make_args(sim))
    result = run_module("moodle_info", args)
    fill = {"url": sim.url, "port": sim.port, "cas": sim.cas.url.rstrip("/").rsplit("/", 1)[0]}
    check_failure(result, sim, expected, most, absent, fill)


def test_the_quoting_advice_stays_for_a_value_yaml_typed():
    result = run_module("moodle_info", dict(url="http://127.0.0.1:9", username=True, password=PASSWORD))
    assert result.get("failed") and "exception" not in result
    assert "username is the boolean true" in result["msg"]
    assert YAML_ADVICE in result["msg"]


class _NginxTlsPort(BaseHTTPRequestHandler):
    """nginx's answer to plain HTTP on its TLS port (error page 497 as 400)."""

    def do_GET(self):
        body = (b"<html>\r\n<head><title>400 The plain HTTP request was sent to HTTPS port</title></head>\r\n<body>\r\n"
                b"<center><h1>400 Bad Request</h1></center>\r\n<center>The plain HTTP request was sent to HTTPS port"
                b"</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
        self.send_response(400, "Bad Request")
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


def test_http_to_an_https_port_names_https():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NginxTlsPort)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        result = run_module("moodle_info", dict(url="http://127.0.0.1:%d/moodle" % port, username="admin",
                                                password=PASSWORD))
    finally:
        server.shutdown()
        server.server_close()
    expected = ["127.0.0.1:{port} speaks HTTPS, not plain HTTP: use url https://127.0.0.1:{port}/moodle."]
    check_failure(result, None, expected, 1, ("validate_certs",), {"port": port})


@pytest.mark.parametrize("text", [
    "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)",      # OpenSSL 1.1 - 3.1
    "[SSL: RECORD_LAYER_FAILURE] record layer failure (_ssl.c:1000)",      # OpenSSL 3.2+
    "[SSL: PACKET_LENGTH_TOO_LONG] packet length too long (_ssl.c:1000)",
    "[SSL: UNKNOWN_PROTOCOL] unknown protocol (_ssl.c:1000)",              # LibreSSL
    "[SSL: HTTP_REQUEST] http request (_ssl.c:1000)",
])
def test_every_plain_http_answer_to_tls_names_http(text):
    transport = HttpTransport("https://moodle.example.edu", Redactor())
    error = requests.exceptions.SSLError("HTTPSConnectionPool(host='moodle.example.edu', port=443): Max retries "
                                         "exceeded with url: /login/index.php (Caused by SSLError(SSLError(1, '%s')))"
                                         % text)
    message = str(transport._connection_error(error, "GET", "login/index.php"))
    assert message.startswith("moodle.example.edu:443 speaks plain HTTP, not HTTPS: use url "
                              "http://moodle.example.edu:443 "), message
    assert "validate_certs: false" not in message


def test_a_certificate_that_does_not_verify_is_still_a_tls_failure():
    transport = HttpTransport("https://moodle.example.edu", Redactor())
    error = requests.exceptions.SSLError("HTTPSConnectionPool(host='moodle.example.edu', port=443): (Caused by "
                                         "SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] "
                                         "certificate verify failed: self-signed certificate (_ssl.c:1006)')))")
    assert str(transport._connection_error(error, "GET", "login/index.php")).startswith("TLS verification failed")


@pytest.mark.parametrize("url, parents", [
    ("http://h", []),
    ("http://h/moodle", ["http://h"]),
    ("http://h:8080/a/b", ["http://h:8080/a", "http://h:8080"]),
    ("https://h/a/b/c/d/e", ["https://h/a/b/c/d", "https://h/a/b/c", "https://h"]),
])
def test_parent_paths_are_few_and_end_at_the_root(url, parents):
    assert parent_urls(url) == parents
