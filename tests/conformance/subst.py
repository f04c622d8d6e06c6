"""The substitution map: recorded (dead) values -> live values, learnt while replaying.

Learnt by aligning each recorded response with the live response to the same request:
cookies (per name: recorded value -> live value, i.e. one jar per recorded browser), sesskeys
(M.cfg and input[name=sesskey]), logintokens, tokens (JSON "token", "loginurl" key=,
div#copytoclipboardtoken), changed query values in Location and numeric ids in links.
Values never learnt (deliberately wrong sesskeys, dead cookies) stay as recorded.
"""
from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

from .extract import Features, json_values_for, set_cookie_pairs
from .fixtures import RECORDED_WWWROOT, Message

ID_KEYS = {"id", "tokenid", "roleid", "regid", "serviceid", "userid", "contextid"}
SECRET_KEYS = {"sesskey", "key", "token", "wstoken", "logintoken", "ticket"}   # learnt from Location
MIN_SECRET = 6  # values shorter than this are never substituted as free text

_MCFG_SESSKEY = re.compile(r'"sesskey":"([^"]+)"')
_LINK_SESSKEY = re.compile(r"[?&;]sesskey=([A-Za-z0-9]+)")
_QS_ID = re.compile(r"[?&;](" + "|".join(sorted(ID_KEYS)) + r")=(\d+)")


def _first(xs):
    return xs[0] if xs else None


def _body_text(msg: Message) -> str:
    return msg.body.decode("utf-8", "replace")


class Substitutions:
    def __init__(self, live_wwwroot: str, recorded_wwwroot: str = RECORDED_WWWROOT):
        self.rec_root = recorded_wwwroot.rstrip("/")
        self.live_root = live_wwwroot.rstrip("/")
        self.cookies: dict[tuple[str, str], str] = {}
        self.values: dict[str, str] = {}
        self.ids: dict[str, dict[str, str]] = {}
        self.learnt: list[tuple[str, str, str]] = []   # (kind, recorded, live) for debugging
        self.other_roots: list[tuple[str, str]] = []    # (recorded, live) roots of other hosts (f24: CAS server)

    def add_root(self, recorded: str, live: str) -> None:
        """Another recorded host replayed against a live one (f24: https://127.0.0.1:8443 -> the simulator's
        CAS server); its absolute URLs are rewritten like the wwwroot's."""
        pair = (recorded.rstrip("/"), live.rstrip("/"))
        if pair not in self.other_roots:
            self.other_roots.append(pair)

    # ------------------------------------------------------------------ learning
    def _value(self, kind, rec, live):
        if not isinstance(rec, str) or not isinstance(live, str):
            return
        if rec == live or len(rec) < MIN_SECRET:
            return
        if self.values.get(rec) != live:
            self.values[rec] = live
            self.learnt.append((kind, rec, live))

    def _id(self, key, rec, live):
        if rec != live:
            self.ids.setdefault(key, {})[rec] = live
            self.learnt.append((f"id:{key}", rec, live))

    def learn(self, rec: Message, rec_f: Features, live: Message, live_f: Features,
              rec_req: Message | None = None) -> None:
        # cookies: last value per name, ignoring "deleted" tombstones
        def jar(msg):
            out = {}
            for k, v in set_cookie_pairs(msg):
                if v and v != "deleted":
                    out[k] = v
            return out

        rj, lj = jar(rec), jar(live)
        pairs = [(name, rv) for name, rv in rj.items() if name in lj]
        # The live site set a cookie the recording did not (e.g. a new session for a cookie it
        # does not know): the browser's jar now holds the live value, so the value this browser
        # sent in the recorded request stands for it from now on.
        if rec_req is not None:
            sent = dict(p.strip().split("=", 1) for p in (rec_req.header("Cookie") or "").split(";")
                        if "=" in p)
            pairs += [(name, sent[name]) for name in lj if name not in rj and name in sent]
        for name, rv in pairs:
            if self.cookies.get((name, rv)) != lj[name]:
                self.cookies[(name, rv)] = lj[name]
                self.learnt.append((f"cookie:{name}", rv, lj[name]))

        rt, lt = _body_text(rec), _body_text(live)
        # sesskey
        self._value("sesskey", _first(_MCFG_SESSKEY.findall(rt)), _first(_MCFG_SESSKEY.findall(lt)))
        self._value("sesskey", _first(_LINK_SESSKEY.findall(rt)), _first(_LINK_SESSKEY.findall(lt)))
        # inputs on pages: sesskey, logintoken
        if rec_f.page is not None and live_f.page is not None:
            for field in ("sesskey", "logintoken", "execution", "lt"):   # execution, lt: the CAS form (f24)
                r = [v for k, v in rec_f.page.inputs if k == field]
                li = [v for k, v in live_f.page.inputs if k == field]
                self._value(field, _first(r), _first(li))
            self._value("copytoclipboardtoken", rec_f.page.copy_token, live_f.page.copy_token)
            # numeric ids in links, aligned position by position when the key sequences agree
            rl = [m for link in rec_f.page.links for m in _QS_ID.findall(link)]
            ll = [m for link in live_f.page.links for m in _QS_ID.findall(link)]
            # (only when the ids really differ: the same ids in another order are left alone)
            if rl and [k for k, _unused in rl] == [k for k, _unused in ll]:
                for key in {k for k, _unused in rl}:
                    rids = [v for k, v in rl if k == key]
                    lids = [v for k, v in ll if k == key]
                    if set(rids) != set(lids):
                        for rv, lv in zip(rids, lids):
                            self._id(key, rv, lv)
        # JSON: token, loginurl
        if rec_f.json is not None and live_f.json is not None:
            for key in ("token", "privatetoken"):
                for rv, lv in zip(json_values_for(rec_f.json, key), json_values_for(live_f.json, key)):
                    self._value(f"json:{key}", rv, lv)
            for rv, lv in zip(json_values_for(rec_f.json, "loginurl"),
                              json_values_for(live_f.json, "loginurl")):
                if isinstance(rv, str) and isinstance(lv, str):
                    rq, lq = dict(parse_qsl(urlsplit(rv).query)), dict(parse_qsl(urlsplit(lv).query))
                    self._value("loginurl:key", rq.get("key"), lq.get("key"))
        # Location: changed query values (ids by key, secrets as text)
        rloc, lloc = rec.header("Location"), live.header("Location")
        if rloc and lloc:
            rq = parse_qsl(urlsplit(rloc).query, keep_blank_values=True)
            lq = dict(parse_qsl(urlsplit(lloc).query, keep_blank_values=True))
            for k, rv in rq:
                if k in lq:
                    if rv.isdigit() and lq[k].isdigit():
                        self._id(k, rv, lq[k])
                    elif k in SECRET_KEYS:
                        self._value(f"location:{k}", rv, lq[k])

    # ------------------------------------------------------------------ applying
    def _root_forms(self):
        out = []
        for r, l in [(self.rec_root, self.live_root)] + self.other_roots:
            out += [(r, l), (quote(r, safe=""), quote(l, safe="")),
                    (quote(r, safe="").lower(), quote(l, safe="").lower()),
                    (r.replace("/", "\\/"), l.replace("/", "\\/"))]
        return out

    def _text(self, s: str) -> str:
        for rv in sorted(self.values, key=len, reverse=True):
            lv = self.values[rv]
            pairs = {(rv, lv), (quote(rv, safe=""), quote(lv, safe="")),
                     (quote_plus(rv, safe=""), quote_plus(lv, safe=""))}
            for a, b in sorted(pairs, key=lambda p: len(p[0]), reverse=True):
                s = s.replace(a, b)
        for r, l in self._root_forms():
            s = s.replace(r, l)
        return s

    def _params(self, qs: str) -> str:
        """ids (by parameter name) and base64-encoded wwwroot URLs in a query string / form body."""
        if not qs:
            return qs
        parts = qs.split("&")
        for i, part in enumerate(parts):
            k, sep, v = part.partition("=")
            if not sep:
                continue
            m = self.ids.get(k)
            if m and v in m:
                parts[i] = f"{k}={m[v]}"
                continue
            if len(v) >= 12 and re.fullmatch(r"[A-Za-z0-9+/]+=*|[A-Za-z0-9+/]+%3D*", v):
                raw = v.replace("%3D", "=")
                try:
                    dec = base64.b64decode(raw, validate=True).decode("utf-8")
                except (binascii.Error, ValueError):
                    continue
                if dec.startswith(self.rec_root):
                    enc = base64.b64encode((self.live_root + dec[len(self.rec_root):]).encode()).decode()
                    parts[i] = f"{k}={enc if '%3D' not in v else enc.replace('=', '%3D')}"
        return "&".join(parts)

    def target(self, target: str) -> str:
        path, sep, qs = target.partition("?")
        return path + sep + self._params(self._text(qs)) if sep else target

    def body(self, path: str, content_type: str | None, body: bytes) -> bytes:
        if not body:
            return body
        if path.startswith("/auth/apilogin/"):
            return body   # signed with the lab key: any change would break the signature
        text = body.decode("utf-8", "surrogateescape")
        text = self._text(text)
        if content_type and content_type.lower().startswith("application/x-www-form-urlencoded"):
            text = self._params(text)
        return text.encode("utf-8", "surrogateescape")

    def cookie_header(self, value: str) -> str:
        out = []
        for pair in value.split(";"):
            k, sep, v = pair.strip().partition("=")
            if sep:
                v = self.cookies.get((k, v), v)
                out.append(f"{k}={v}")
            elif pair.strip():
                out.append(pair.strip())
        return "; ".join(out)

    def live_root_for(self, host: str | None) -> str:
        """The live root a recorded request goes to, by its Host header (the wwwroot, or another host's)."""
        for r, l in self.other_roots:
            if host and urlsplit(r).netloc == host:
                return l
        return self.live_root

    def request(self, req: Message) -> tuple[str, str, list[tuple[str, str]], bytes]:
        """(method, target, headers, body) of a recorded request, ready for the live site."""
        target = self.target(req.target)
        body = self.body(req.target.split("?")[0], req.header("Content-Type"), req.body)
        live_host = urlsplit(self.live_root_for(req.header("Host"))).netloc
        headers = []
        for k, v in req.headers:
            lk = k.lower()
            if lk == "host":
                v = live_host
            elif lk == "cookie":
                v = self.cookie_header(v)
            elif lk == "content-length":
                v = str(len(body))
            elif lk in ("origin", "referer"):
                v = self._text(v)
            elif lk == "connection":
                v = "close"
            headers.append((k, v))
        if body and not any(k.lower() == "content-length" for k, _unused in headers):
            headers.append(("Content-Length", str(len(body))))
        return req.method, target, headers, body
