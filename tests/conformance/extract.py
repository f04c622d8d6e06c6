"""What is compared per exchange, extracted from a response (recorded or live).

Compared: status; Location path + query keys (host only as wwwroot/external);
names of cookies set (multiset); content type (media type + charset); names of
the controls inside every <form> (set); JSON key paths (arrays as ``[]``);
``errorcode`` values (JSON) and ``<ERRORCODE>`` (REST XML).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

from .fixtures import Message

FORM_CONTROLS = {"input", "select", "textarea", "button"}


# --------------------------------------------------------------------------- HTML
class _PageParser(HTMLParser):
    """One pass over a page: form control names, input values, hrefs, #copytoclipboardtoken."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.form_depth = 0
        self.form_fields: set[str] = set()
        self.inputs: list[tuple[str, str]] = []      # (name, value) of every <input>, anywhere
        self.links: list[str] = []                   # href / action / formaction, document order
        self.copy_token: str | None = None
        self._in_copy = 0
        self._copy_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.form_depth += 1
            if "action" in a:
                self.links.append(a["action"])
        elif tag in FORM_CONTROLS and self.form_depth and a.get("name"):
            self.form_fields.add(a["name"])
        if tag == "input" and "name" in a:
            self.inputs.append((a["name"], a.get("value", "")))
        if "href" in a:
            self.links.append(a["href"])
        if self._in_copy:
            self._in_copy += 1
        elif a.get("id") == "copytoclipboardtoken":
            self._in_copy = 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self._in_copy:
            self._in_copy -= 1

    def handle_endtag(self, tag):
        if tag == "form" and self.form_depth:
            self.form_depth -= 1
        if self._in_copy:
            self._in_copy -= 1
            if not self._in_copy:
                self.copy_token = "".join(self._copy_text).strip()

    def handle_data(self, data):
        if self._in_copy:
            self._copy_text.append(data)


def parse_page(html: str) -> _PageParser:
    p = _PageParser()
    try:
        p.feed(html)
        p.close()
    except Exception:  # html.parser is lenient; never let a page break the run
        pass
    return p


# --------------------------------------------------------------------------- JSON / XML
def json_key_paths(value, prefix: str = "") -> set[str]:
    """All key paths: ``a.b``, arrays as ``[]`` (``[].error``). The root is ``$``."""
    out: set[str] = set()

    def walk(v, path):
        out.add(path or "$")
        if isinstance(v, dict):
            for k, sub in v.items():
                walk(sub, f"{path}.{k}" if path else str(k))
        elif isinstance(v, list):
            for sub in v:
                walk(sub, f"{path}[]")

    walk(value, prefix)
    return out


def json_values_for(value, key: str) -> list:
    """Values of every ``key`` anywhere in a JSON document, document order."""
    out = []

    def walk(v):
        if isinstance(v, dict):
            for k, sub in v.items():
                if k == key:
                    out.append(sub)
                walk(sub)
        elif isinstance(v, list):
            for sub in v:
                walk(sub)

    walk(value)
    return out


_NOJSON = object()


def parse_json_body(body: bytes):
    s = body.strip()
    if not s or s[:1] not in (b"{", b"["):
        return _NOJSON
    try:
        return json.loads(s.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return _NOJSON


_XML_ERRORCODE = re.compile(rb"<ERRORCODE>(.*?)</ERRORCODE>", re.S)


# --------------------------------------------------------------------------- features
def content_type(value: str | None) -> tuple[str, str | None] | None:
    if not value:
        return None
    parts = [p.strip() for p in value.split(";")]
    charset = None
    for p in parts[1:]:
        k, _unused, v = p.partition("=")
        if k.strip().lower() == "charset":
            charset = v.strip().strip('"').lower()
    return parts[0].lower(), charset


def location_shape(loc: str | None, wwwroots: tuple[str, ...]) -> tuple | None:
    """(host class, path, sorted query keys). Host class is 'wwwroot' or the external netloc."""
    if loc is None:
        return None
    u = urlsplit(loc)
    own = {urlsplit(w).netloc for w in wwwroots}
    host = "wwwroot" if (not u.netloc or u.netloc in own) else u.netloc
    keys = tuple(sorted({k for k, _unused in parse_qsl(u.query, keep_blank_values=True)}))
    return host, u.path, keys


def set_cookie_pairs(msg: Message) -> list[tuple[str, str]]:
    out = []
    for sc in msg.header_all("Set-Cookie"):
        nv = sc.split(";", 1)[0]
        k, _unused, v = nv.partition("=")
        out.append((k.strip(), v.strip()))
    return out


def is_html(ct) -> bool:
    return bool(ct) and ct[0] in ("text/html", "application/xhtml+xml")


@dataclass
class Features:
    status: int
    location: tuple | None
    cookies: tuple[str, ...]
    content_type: tuple | None
    form_fields: frozenset | None = None       # None = not an HTML page
    json_paths: frozenset | None = None        # None = body is not JSON
    errorcodes: tuple = ()
    # not compared, used for the substitution map
    page: object = field(default=None, repr=False, compare=False)
    json: object = field(default=None, repr=False, compare=False)


def features(msg: Message, wwwroots: tuple[str, ...]) -> Features:
    ct = content_type(msg.header("Content-Type"))
    f = Features(
        status=msg.status,
        location=location_shape(msg.header("Location"), wwwroots),
        cookies=tuple(sorted(n for n, _unused in set_cookie_pairs(msg))),
        content_type=ct,
    )
    data = parse_json_body(msg.body)
    codes: list[str] = []
    if data is not _NOJSON:
        f.json = data
        f.json_paths = frozenset(json_key_paths(data))
        codes += [str(c) for c in json_values_for(data, "errorcode")]
    elif is_html(ct):
        page = parse_page(msg.body.decode("utf-8", "replace"))
        f.page = page
        f.form_fields = frozenset(page.form_fields)
    codes += [c.decode("utf-8", "replace").strip() for c in _XML_ERRORCODE.findall(msg.body)]
    f.errorcodes = tuple(codes)
    return f


# --------------------------------------------------------------------------- compare
def _setdiff(label: str, rec, live, limit: int = 6) -> str:
    rec, live = set(rec or ()), set(live or ())
    missing, extra = sorted(rec - live), sorted(live - rec)

    def cut(xs):
        return ", ".join(xs[:limit]) + (f", …(+{len(xs) - limit})" if len(xs) > limit else "")

    parts = []
    if missing:
        parts.append(f"missing {cut(missing)}")
    if extra:
        parts.append(f"extra {cut(extra)}")
    return f"{label}: " + "; ".join(parts)


def _fmt_ct(ct):
    if ct is None:
        return "none"
    return ct[0] + (f"; charset={ct[1]}" if ct[1] else "")


def _fmt_loc(loc):
    if loc is None:
        return "none"
    host, path, keys = loc
    return ("" if host == "wwwroot" else f"//{host}") + (path or "''") + (
        "?" + "&".join(keys) if keys else "")


def compare(rec: Features, live: Features) -> list[str]:
    """Differences, concise, empty list = match."""
    d = []
    if rec.status != live.status:
        d.append(f"status {rec.status} != {live.status}")
    if rec.location != live.location:
        d.append(f"location {_fmt_loc(rec.location)} != {_fmt_loc(live.location)}")
    if rec.cookies != live.cookies:
        d.append(f"set-cookie {list(rec.cookies)} != {list(live.cookies)}")
    if rec.content_type != live.content_type:
        d.append(f"content-type {_fmt_ct(rec.content_type)} != {_fmt_ct(live.content_type)}")
    if rec.form_fields is not None or live.form_fields is not None:
        if rec.form_fields is None or live.form_fields is None:
            d.append("form fields: " + ("no HTML page" if live.form_fields is None else
                                        "unexpected HTML page") + " in live response")
        elif rec.form_fields != live.form_fields:
            d.append(_setdiff("form fields", rec.form_fields, live.form_fields))
    if rec.json_paths is not None or live.json_paths is not None:
        if rec.json_paths is None or live.json_paths is None:
            d.append("json: " + ("live body is not JSON" if live.json_paths is None
                                 else "live body is JSON, recorded is not"))
        elif rec.json_paths != live.json_paths:
            d.append(_setdiff("json keys", rec.json_paths, live.json_paths))
    if rec.errorcodes != live.errorcodes:
        d.append(f"errorcode {list(rec.errorcodes)} != {list(live.errorcodes)}")
    return d
