"""A stand-in live site for testing the harness itself (no simulator needed).

It answers the n-th request with the recorded response of the n-th exchange, but every
dynamic value (cookies, sesskeys, logintokens, tokens, userkey keys) is changed
(``swapcase``) and the wwwroot is its own. It checks each incoming request: a value it
handed out earlier must come back in its new form, never in the recorded one; the Host,
absolute URLs and Content-Length must be live. So a replay against the stub proves that
the substitution map works end to end, and every exchange must match.
``break_exchanges`` {n: fn(status, headers, body) -> (status, headers, body)} damages
chosen responses, to prove the comparison can fail.
"""
from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, quote_plus

from .fixtures import Exchange, recorded_root

_PATTERNS = [
    re.compile(rb'"sesskey":"([^"]+)"'),
    re.compile(rb'name="(?:sesskey|logintoken)" value="([^"]+)"'),
    re.compile(rb'id="copytoclipboardtoken">\s*([0-9a-f]{32})'),
    re.compile(rb'"(?:token|privatetoken)":\s*"([0-9A-Za-z]{16,})"'),
    re.compile(rb"key=([0-9a-f]{32})"),
]


def dynamic_values(body: bytes, set_cookies: list[str]) -> set[bytes]:
    out = set()
    for p in _PATTERNS:
        out.update(m for m in p.findall(body) if len(m) >= 6)
    for sc in set_cookies:
        v = sc.split(";", 1)[0].partition("=")[2].encode()
        if v and v != b"deleted":
            out.add(v)
    return out


def mutate(v: bytes) -> bytes:
    return v.swapcase()


def _forms(v: bytes) -> list[bytes]:
    s = v.decode("latin-1")
    return [v, quote(s, safe="").encode(), quote_plus(s, safe="").encode()]


class StubSite:
    def __init__(self, exchanges: list[Exchange], break_exchanges=None):
        self.exchanges = exchanges
        self.root = recorded_root(exchanges)
        self.breaks = break_exchanges or {}
        self.pos = 0
        self.emitted: set[bytes] = set()
        self.problems: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.lock = threading.Lock()

    # ---------------------------------------------------------------- lifecycle
    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    # ---------------------------------------------------------------- helpers
    def _rewrite(self, data: bytes) -> bytes:
        for v in sorted(self.emitted, key=len, reverse=True):
            for a, b in zip(_forms(v), _forms(mutate(v))):
                data = data.replace(a, b)
        return data.replace(self.root.encode(), self.url.encode()).replace(
            self.root.replace("/", "\\/").encode(), self.url.replace("/", "\\/").encode())

    def _check_request(self, ex: Exchange, target: str, headers, body: bytes) -> None:
        rec = ex.request()
        where = ex.name
        host = headers.get("Host")
        if host != self.url.split("//", 1)[1]:
            self.problems.append(f"{where}: Host {host}")
        if body and int(headers.get("Content-Length", -1)) != len(body):
            self.problems.append(f"{where}: Content-Length {headers.get('Content-Length')} != {len(body)}")
        if rec.method != self.command:
            self.problems.append(f"{where}: method {self.command} != {rec.method}")
        netloc = self.root.split("//", 1)[1]
        if netloc in target or netloc.replace(":", "%3A") in target:
            self.problems.append(f"{where}: recorded wwwroot in target")
        parts = [("target", rec.target.encode(), target.encode()),
                 ("cookie", (rec.header("Cookie") or "").encode(), (headers.get("Cookie") or "").encode())]
        if not rec.target.startswith("/auth/apilogin/"):
            parts.append(("body", rec.body, body))
        for label, recorded, actual in parts:
            for v in self.emitted:
                if v in recorded:
                    if mutate(v) not in actual:
                        self.problems.append(f"{where}: {label}: {v.decode()} not substituted")
                    elif v in actual:
                        self.problems.append(f"{where}: {label}: dead {v.decode()} still sent")

    def _respond(self, handler, status, headers, body):
        handler.send_response_only(status)
        for k, v in headers:
            handler.send_header(k, v)
        handler.end_headers()
        handler.wfile.write(body)

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if self.path.startswith("/__sim__/"):
                    answer = {"exit": 0, "stdout": ""}
                    if self.path == "/__sim__/state":
                        answer = {"users": [{"username": "teacher1"}]}
                    data = json.dumps(answer).encode()
                    return site._respond(self, 200, [("Content-Type", "application/json"),
                                                     ("Content-Length", str(len(data)))], data)
                with site.lock:
                    if site.pos >= len(site.exchanges):
                        site.problems.append(f"extra request {self.command} {self.path}")
                        return site._respond(self, 500, [("Content-Length", "0")], b"")
                    ex = site.exchanges[site.pos]
                    site.pos += 1
                    site.command = self.command
                    site._check_request(ex, self.path, self.headers, body)
                    resp = ex.response()
                    new = dynamic_values(resp.body, resp.header_all("Set-Cookie"))
                    site.emitted |= new
                    status = resp.status
                    out_body = site._rewrite(resp.body)
                    headers = []
                    for k, v in resp.headers:
                        if k.lower() in ("transfer-encoding", "content-length", "connection"):
                            continue
                        headers.append((k, site._rewrite(v.encode("latin-1")).decode("latin-1")))
                    if ex.n in site.breaks:
                        status, headers, out_body = site.breaks[ex.n](status, headers, out_body)
                    headers += [("Content-Length", str(len(out_body))), ("Connection", "close")]
                site._respond(self, status, headers, out_body)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        return Handler
