"""Replay the recorded exchanges in order against a live site and compare."""
from __future__ import annotations

import email.utils
import http.client
import json
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .extract import compare, features
from .fixtures import Exchange, Message, load_exchanges, recorded_root
from .flows import REQUIRED_FLOWS, required_flows
from .preconditions import STEPS
from .subst import Substitutions
from .unmodelled import UNMODELLED

TIMEOUT = 30


# --------------------------------------------------------------------------- HTTP
def send(base_url: str, method: str, target: str, headers, body: bytes) -> Message:
    """One raw request (no redirects followed, headers as given, duplicates kept)."""
    u = urlsplit(base_url)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=TIMEOUT)
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for k, v in headers:
            conn.putheader(k, v)
        conn.endheaders(body or None)
        resp = conn.getresponse()
        data = resp.read()
        status_line = f"HTTP/1.1 {resp.status} {resp.reason}"
        return Message(status_line, list(resp.getheaders()), data)
    finally:
        conn.close()


class ControlAPI:
    """The simulator's test-only control API under /__sim__/ (tests/moodle_sim/README.md)."""

    def __init__(self, base_url: str):
        self.base = base_url.rstrip("/")

    def call(self, path: str, payload=None, method: str = "POST") -> tuple[int, object]:
        body = json.dumps(payload if payload is not None else {}).encode() if method == "POST" else b""
        host = urlsplit(self.base).netloc
        headers = [("Host", host), ("Content-Type", "application/json"), ("Connection", "close")]
        if body:
            headers.append(("Content-Length", str(len(body))))
        msg = send(self.base, method, path, headers, body)
        try:
            data = json.loads(msg.body.decode() or "null")
        except ValueError:
            data = msg.body.decode("utf-8", "replace")[:200]
        return msg.status, data

    def has_user(self, username: str) -> bool:
        status, state = self.call("/__sim__/state", method="GET")
        found = False

        def walk(v):
            nonlocal found
            if isinstance(v, dict):
                if v.get("username") == username:
                    found = True
                for k, sub in v.items():
                    if k == username and isinstance(sub, dict):
                        found = True
                    walk(sub)
            elif isinstance(v, list):
                for sub in v:
                    walk(sub)

        walk(state)
        return found


def run_steps(ctl: ControlAPI, ex: Exchange, gaps: list[str]) -> None:
    for kind, payload in STEPS.get(ex.short, []):
        where = f"before {ex.name}"
        if isinstance(payload, dict) and "fixtures" in payload:     # a step of one lab only
            if payload["fixtures"] != ex.folder.name:
                continue
            payload = dict((key, value) for key, value in payload.items() if key != "fixtures")
        if kind == "note":
            continue
        if kind == "user":
            if ctl.has_user(payload["username"]):
                continue
            status, data = ctl.call("/__sim__/user", payload)
        elif kind == "reset_bare":
            status, data = ctl.call("/__sim__/reset", {"state": "bare"})
            if status >= 300:
                gaps.append(f"{where}: reset to a site with only admin ({{\"state\":\"bare\"}}) "
                            f"-> {status}; used 'fresh' (teacher1 keeps id 3, later users shift)")
                status, data = ctl.call("/__sim__/reset", {"state": "fresh"})
        elif kind == "proposed":
            path, body = payload
            if path == "/__sim__/token":
                body = _tokens_at_recorded_time(body, ex)
            status, data = ctl.call(path, body)
            if status >= 300:
                gaps.append(f"{where}: {path} not available ({status}); state differs from the recording")
            continue
        else:
            status, data = ctl.call(f"/__sim__/{kind}", payload)
        if status >= 300 or (kind == "cfg" and isinstance(data, dict) and data.get("exit", 0) != 0):
            gaps.append(f"{where}: {kind} {json.dumps(payload)[:120]} -> {status} {str(data)[:120]}")


def _tokens_at_recorded_time(body: dict, ex: Exchange) -> dict:
    """``validuntil_days`` counted from the recorded ``Date`` of the exchange the tokens precede (not from the
    live clock): tokens created by the replayed forms carry the recorded absolute dates, so both sort as recorded."""
    date = ex.response().header("Date")
    if not date:
        return body
    t0 = int(email.utils.parsedate_to_datetime(date).timestamp())
    out = []
    for t in body.get("tokens", []):
        t = dict(t)
        days = t.pop("validuntil_days", None)
        if days is not None and "validuntil" not in t:
            t["validuntil"] = t0 + int(days) * 86400 if days else 0
        out.append(t)
    return dict(body, tokens=out)


# --------------------------------------------------------------------------- results
@dataclass
class Result:
    ex: Exchange
    diffs: list[str]
    unmodelled: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.diffs and not self.unmodelled and not self.error


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    fixtures: str = ""
    learnt: list = field(default_factory=list)    # (kind, recorded, live) substitutions
    required: set = field(default_factory=lambda: set(REQUIRED_FLOWS))   # the gate of the replayed release

    @property
    def matched(self) -> int:
        return sum(r.ok for r in self.results)

    def failing(self, flows: set[int] | None = None) -> list[Result]:
        flows = self.required if flows is None else flows
        return [r for r in self.results if r.ex.flow in flows and not r.ok and not r.unmodelled]

    def summary(self) -> str:
        k = sum(1 for r in self.results if r.unmodelled)
        return (f"conformance: {self.matched}/{len(self.results)} exchanges match "
                f"({k} not modelled, listed below)")

    def render(self, verbose: bool = False) -> str:
        lines = [self.summary(), f"fixtures: {self.fixtures}"]
        by_flow = defaultdict(list)
        for r in self.results:
            by_flow[r.ex.flow].append(r)
        lines.append("")
        lines.append("per flow (matched/total, * = required):")
        row = []
        for flow in sorted(by_flow):
            rs = by_flow[flow]
            mark = "*" if flow in self.required else " "
            row.append(f"{mark}f{flow:02d} {sum(r.ok for r in rs)}/{len(rs)}")
        for i in range(0, len(row), 8):
            lines.append("  " + "  ".join(row[i:i + 8]))
        mism = [r for r in self.results if not r.ok and not r.unmodelled]
        if mism:
            lines.append("")
            lines.append(f"mismatches ({len(mism)}):")
            for flow in sorted(by_flow):
                for r in by_flow[flow]:
                    if r.ok or r.unmodelled:
                        continue
                    what = r.error or "; ".join(r.diffs)
                    if not verbose and len(what) > 300:
                        what = what[:300] + " …"
                    lines.append(f"  {r.ex.name}: {what}")
        unm = [r for r in self.results if r.unmodelled]
        if unm:
            lines.append("")
            lines.append(f"not modelled ({len(unm)}):")
            for r in unm:
                lines.append(f"  {r.ex.name}: {r.unmodelled}")
        if self.gaps:
            lines.append("")
            lines.append(f"precondition gaps ({len(self.gaps)}):")
            lines += [f"  {g}" for g in self.gaps]
        req = self.failing()
        lines.append("")
        lines.append(f"required flows {sorted(self.required)}: "
                     + ("all match" if not req else f"{len(req)} exchanges do not match"))
        return "\n".join(lines)


# --------------------------------------------------------------------------- replay
def replay(exchanges: list[Exchange], live_url: str, *, control: bool = True,
           only: set[int] | None = None, recorded_wwwroot: str | None = None) -> Report:
    """Replay ``exchanges`` in order against ``live_url`` (a fresh simulator)."""
    report = Report()
    recorded_wwwroot = recorded_wwwroot or recorded_root(exchanges)
    subst = Substitutions(live_url, recorded_wwwroot)
    ctl = ControlAPI(live_url) if control else None
    roots = (recorded_wwwroot, live_url)
    cas_roots: tuple = ()
    recorded_cas = other_recorded_root(exchanges, recorded_wwwroot)
    if recorded_cas and ctl:
        # f24: the recorded CAS server's exchanges go to the simulator's CAS server (GET /__sim__/cas names it)
        try:
            status, data = ctl.call("/__sim__/cas", method="GET")
        except OSError:
            status, data = 0, None
        if status == 200 and isinstance(data, dict) and data.get("url"):
            u = urlsplit(data["url"])
            live_cas = f"{u.scheme}://{u.netloc}"
            subst.add_root(recorded_cas, live_cas)
            cas_roots = (recorded_cas, live_cas)
        else:
            report.gaps.append(f"no CAS server in the simulator (/__sim__/cas -> {status}): "
                               f"exchanges with {recorded_cas} go to the wwwroot")
    for ex in exchanges:
        if only is not None and ex.n not in only:
            continue
        if ctl:
            try:
                run_steps(ctl, ex, report.gaps)
            except OSError as e:
                report.gaps.append(f"before {ex.n:03d}: control API unreachable: {e}")
        rec_req, rec_resp = ex.request(), ex.response()
        method, target, headers, body = subst.request(rec_req)
        try:
            live = send(subst.live_root_for(rec_req.header("Host")), method, target, headers, body)
        except (OSError, http.client.HTTPException) as e:
            report.results.append(Result(ex, [], UNMODELLED.get(ex.short), error=f"request failed: {e!r}"))
            continue
        rf, lf = features(rec_resp, roots, cas_roots), features(live, roots, cas_roots)
        diffs = compare(rf, lf)
        subst.learn(rec_resp, rf, live, lf, rec_req)
        report.results.append(Result(ex, diffs, UNMODELLED.get(ex.short)))
    report.learnt = subst.learnt
    return report


def other_recorded_root(exchanges: list[Exchange], recorded_wwwroot: str) -> str | None:
    """The root of a second recorded host (f24: the test CAS server, index.json ``url``), or None."""
    own = urlsplit(recorded_wwwroot).netloc
    for ex in exchanges:
        if ex.meta.get("server") == "idp":     # f25's OpenID provider stub: unmodelled.py (the sim aliases it)
            continue
        url = ex.meta.get("url") or ""
        u = urlsplit(url)
        if u.netloc and u.netloc != own:
            return f"{u.scheme}://{u.netloc}"
    return None


def moodle_of(folder) -> str:
    """The simulator version for a fixture folder: moodle-5.1.3 -> "5.1", anything else -> "4.5"."""
    name = str(folder).rstrip("/").rsplit("/", 1)[-1]
    return "5.1" if name.startswith("moodle-5.1") else "4.5"


def run_against_simulator(folder, **kw) -> Report:
    """Start a fresh tests.moodle_sim Simulator and replay the folder against it."""
    from tests.moodle_sim import Simulator  # imported late: it may not exist yet

    exchanges = load_exchanges(folder)
    with Simulator(state="fresh", moodle=moodle_of(folder)) as sim:
        report = replay(exchanges, sim.url, **kw)
    report.fixtures = str(folder)
    report.required = set(required_flows(moodle_of(folder)))
    return report
