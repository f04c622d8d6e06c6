"""What is compared per exchange, extracted from a response (recorded or live).

Compared: status; Location path + query keys (host only as wwwroot/external);
names of cookies set (multiset); content type (media type + charset); names of
the controls inside every <form> (set); per form (keyed by id, else method + action
path): control types, hidden inputs (present; value empty or not), <select> options
(values; all-digit ids by label), submit buttons (name, value); per table (id, else
generaltable / report table by position): header texts, per body row the link
targets (path + sorted query keys); JSON key paths (arrays as ``[]``);
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
RANDOM_ID = re.compile(r"[0-9a-f]{12,}")                # uniqid() parts of generated element ids
SR_ONLY = {"accesshide", "sr-only", "visually-hidden"}   # screen-reader-only helper text, not a header text


def control_type(tag: str, a: dict) -> str:
    """``input:<type>`` (default text), ``select`` / ``select:multiple``, ``textarea``, ``button:<type>``."""
    if tag == "input":
        return "input:" + (a.get("type") or "text").strip().lower()
    if tag == "select":
        return "select:multiple" if "multiple" in a else "select"
    if tag == "button":
        return "button:" + (a.get("type") or "submit").strip().lower()
    return tag


def link_shape(href: str, wwwroots: tuple = ()) -> tuple | None:
    """(host class, path, sorted query keys) of a link; host class "" = relative or the wwwroot, else the
    netloc (docs.moodle.org). None for empty hrefs, anchors, javascript: and mailto:."""
    href = (href or "").strip()
    if not href or href.startswith(("#", "javascript:", "mailto:")):
        return None
    u = urlsplit(href)
    if u.scheme and u.scheme not in ("http", "https"):
        return None
    own = {urlsplit(w).netloc for w in wwwroots}
    host = "" if (not u.netloc or u.netloc in own) else u.netloc
    return host, u.path, tuple(sorted({k for k, _unused in parse_qsl(u.query, keep_blank_values=True)}))


@dataclass
class FormInfo:
    """What a client relies on in one <form>."""
    key: str
    controls: dict = field(default_factory=dict)      # name -> set of control types
    hidden: dict = field(default_factory=dict)        # hidden input name -> set of "value"/"empty"
    selects: dict = field(default_factory=dict)       # select name -> [(value, label)] in order
    submits: list = field(default_factory=list)       # (name, value) of submit inputs/buttons


@dataclass
class TableInfo:
    key: str
    headers: list = field(default_factory=list)       # header cell texts (screen-reader-only text dropped)
    rows: list = field(default_factory=list)          # per body row: sorted tuple of hrefs


def _text(parts) -> str:
    return " ".join("".join(parts).split())


class _PageParser(HTMLParser):
    """One pass over a page: forms (controls, hidden inputs, selects, submits), tables, input values,
    hrefs, #copytoclipboardtoken."""

    VOID = {"input", "br", "img", "hr", "meta", "link", "col", "area", "base", "source", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.form_depth = 0
        self.form_fields: set[str] = set()
        self.forms: dict[str, FormInfo] = {}
        self.tables: dict[str, TableInfo] = {}
        self.inputs: list[tuple[str, str]] = []      # (name, value) of every <input>, anywhere
        self.links: list[str] = []                   # href / action / formaction, document order
        self.copy_token: str | None = None
        self._in_copy = 0
        self._copy_text: list[str] = []
        self._form: FormInfo | None = None
        self._select: list | None = None             # options of the open <select>
        self._option: list | None = None             # [value or None, text parts]
        self._tables: list = []                      # stack of [TableInfo or None, state dict]
        self._unnamed_tables = 0
        self._hide_depth = 0                          # inside a screen-reader-only element
        self._stack: list[str] = []                   # open elements whose end tag counts for _hide_depth

    # ---- forms
    def _form_key(self, a: dict) -> str:
        # not the id: mform ids are random per page view (mform1_3GB45hBJsDdyj9C)
        u = urlsplit(a.get("action", ""))
        base = (a.get("method") or "get").lower() + " " + (u.path or "''")
        key, i = base, 2
        while key in self.forms:
            key, i = f"{base} ({i})", i + 1
        return key

    def _control(self, tag: str, a: dict):
        f = self._form
        name = a.get("name")
        typ = control_type(tag, a)
        if name:
            f.controls.setdefault(name, set()).add(typ)
        if typ == "input:hidden" and name:
            f.hidden.setdefault(name, set()).add("value" if a.get("value", "") != "" else "empty")
        if typ in ("input:submit", "button:submit", "input:image"):
            f.submits.append((name or "", a.get("value", "")))

    # ---- tables
    def _table_open(self, a: dict):
        classes = set(a.get("class", "").split())
        info = None
        tid = a.get("id", "")
        if RANDOM_ID.search(tid) and not classes & {"generaltable", "reportbuilder-table"}:
            tid = ""        # page decoration with a per-view id (dashboard calendar month-detailed-<uniqid>)
        if tid or classes & {"generaltable", "reportbuilder-table"}:
            if tid and not RANDOM_ID.search(tid):
                key = "#" + a["id"]
            else:
                self._unnamed_tables += 1
                key = f"table.generaltable[{self._unnamed_tables}]"
            info = self.tables[key] = TableInfo(key)
        self._tables.append([info, {"thead": False, "row": None, "th": None, "header_row_done": False}])

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag not in self.VOID:
            hidden = bool(set(a.get("class", "").split()) & SR_ONLY)
            self._stack.append((tag, hidden))
            if hidden:
                self._hide_depth += 1
        if tag == "form":
            self.form_depth += 1
            if "action" in a:
                self.links.append(a["action"])
            if self.form_depth == 1:
                key = self._form_key(a)
                self._form = self.forms[key] = FormInfo(key)
        elif tag in FORM_CONTROLS and self.form_depth:
            if a.get("name"):
                self.form_fields.add(a["name"])
            if self._form is not None:
                self._control(tag, a)
        if tag == "select" and self.form_depth and self._form is not None:
            self._select = []
            self._form.selects.setdefault(a.get("name", ""), []).append(self._select)
        elif tag == "option" and self._select is not None:
            self._end_option()                           # <option> end tags are optional
            self._option = [a.get("value"), []]
        if tag == "input" and "name" in a:
            self.inputs.append((a["name"], a.get("value", "")))
        if "href" in a:
            self.links.append(a["href"])
        # tables
        if tag == "table":
            self._table_open(a)
        elif self._tables and self._tables[-1][0] is not None:
            info, st = self._tables[-1]
            if tag == "thead":
                st["thead"] = True
            elif tag == "tr":
                st["row"] = set()
            elif tag == "th" and (st["thead"] or not st["header_row_done"]) and st["row"] is not None \
                    and not info.rows:
                st["th"] = []
            elif tag == "a" and st["row"] is not None and not st["thead"] and st["th"] is None:
                if link_shape(a.get("href", "")) is not None:
                    st["row"].add(a["href"].strip())
        if self._in_copy:
            self._in_copy += 1
        elif a.get("id") == "copytoclipboardtoken":
            self._in_copy = 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID and self._stack:
            t, hidden = self._stack.pop()
            if hidden:
                self._hide_depth -= 1
        if self._in_copy:
            self._in_copy -= 1

    def _end_option(self):
        if self._option is not None and self._select is not None:
            value, parts = self._option
            label = _text(parts)
            self._select.append((label if value is None else value, label))
        self._option = None

    def handle_endtag(self, tag):
        if tag not in self.VOID:
            # pop up to the matching element (html.parser does not fix unclosed tags)
            for i in range(len(self._stack) - 1, -1, -1):
                if self._stack[i][0] == tag:
                    for _t, hidden in self._stack[i:]:
                        if hidden:
                            self._hide_depth -= 1
                    del self._stack[i:]
                    break
        if tag == "form" and self.form_depth:
            self.form_depth -= 1
            if not self.form_depth:
                self._form = None
        if tag == "option":
            self._end_option()
        elif tag == "select":
            self._end_option()
            self._select = None
        if self._tables:
            info, st = self._tables[-1]
            if tag == "table":
                self._tables.pop()
            elif info is not None:
                if tag == "th" and st["th"] is not None:
                    info.headers.append(_text(st["th"]))
                    st["th"] = None
                elif tag == "thead":
                    st["thead"] = False
                    st["header_row_done"] = True
                elif tag == "tr" and st["row"] is not None:
                    if info.headers and not st["header_row_done"]:
                        st["header_row_done"] = True      # a header row without <thead>
                    elif not st["thead"]:
                        info.rows.append(tuple(sorted(st["row"])))
                    st["row"] = None
        if self._in_copy:
            self._in_copy -= 1
            if not self._in_copy:
                self.copy_token = "".join(self._copy_text).strip()

    def handle_data(self, data):
        if self._in_copy:
            self._copy_text.append(data)
        if self._option is not None:
            self._option[1].append(data)
        if self._tables and self._tables[-1][0] is not None:
            st = self._tables[-1][1]
            if st["th"] is not None and not self._hide_depth:
                st["th"].append(data)


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


def location_shape(loc: str | None, wwwroots: tuple[str, ...], cas_roots: tuple[str, ...] = ()) -> tuple | None:
    """(host class, path, sorted query keys). Host class is 'wwwroot', 'cas' (the recorded and the live CAS
    server, f24) or the external netloc."""
    if loc is None:
        return None
    u = urlsplit(loc)
    own = {urlsplit(w).netloc for w in wwwroots}
    cas = {urlsplit(w).netloc for w in cas_roots}
    host = "wwwroot" if (not u.netloc or u.netloc in own) else ("cas" if u.netloc in cas else u.netloc)
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
    forms: dict | None = None                  # form key -> form_shape(); None = not an HTML page
    tables: dict | None = None                 # table key -> table_shape(); None = not an HTML page
    json_paths: frozenset | None = None        # None = body is not JSON
    errorcodes: tuple = ()
    # not compared, used for the substitution map
    page: object = field(default=None, repr=False, compare=False)
    json: object = field(default=None, repr=False, compare=False)


def option_key(value: str, label: str) -> str:
    """How a <select> option is compared: its value exactly, except all-digit values (database ids, which
    may legitimately differ between a live and a recorded run): those are compared as ``#<label>``."""
    return "#" + label if value.isdigit() else value


def form_shape(f: FormInfo) -> dict:
    return {
        "controls": {n: tuple(sorted(t)) for n, t in f.controls.items()},
        "hidden": {n: tuple(sorted(v)) for n, v in f.hidden.items()},
        "selects": {n: tuple(tuple((v, l) for v, l in opts) for opts in lists) for n, lists in f.selects.items()},
        "submits": tuple(sorted(f.submits)),
    }


def table_shape(t: TableInfo, wwwroots: tuple) -> dict:
    return {"headers": tuple(t.headers),
            "rows": tuple(tuple(sorted({link_shape(h, wwwroots) for h in row})) for row in t.rows)}


def features(msg: Message, wwwroots: tuple[str, ...], cas_roots: tuple[str, ...] = ()) -> Features:
    ct = content_type(msg.header("Content-Type"))
    f = Features(
        status=msg.status,
        location=location_shape(msg.header("Location"), wwwroots, cas_roots),
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
        f.forms = {k: form_shape(v) for k, v in page.forms.items()}
        f.tables = {k: table_shape(v, wwwroots) for k, v in page.tables.items()}
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
    if rec.forms is not None and live.forms is not None:
        d += compare_forms(rec.forms, live.forms)
    if rec.tables is not None and live.tables is not None:
        d += compare_tables(rec.tables, live.tables)
    if rec.json_paths is not None or live.json_paths is not None:
        if rec.json_paths is None or live.json_paths is None:
            d.append("json: " + ("live body is not JSON" if live.json_paths is None
                                 else "live body is JSON, recorded is not"))
        elif rec.json_paths != live.json_paths:
            d.append(_setdiff("json keys", rec.json_paths, live.json_paths))
    if rec.errorcodes != live.errorcodes:
        d.append(f"errorcode {list(rec.errorcodes)} != {list(live.errorcodes)}")
    return d


def _cut(xs, limit: int = 4) -> str:
    xs = [x if isinstance(x, str) else repr(x) for x in xs]
    return ", ".join(xs[:limit]) + (f", …(+{len(xs) - limit})" if len(xs) > limit else "")


def _fmt_link(shape) -> str:
    host, path, keys = shape
    return (f"//{host}" if host else "") + (path or "''") + ("?" + "&".join(keys) if keys else "")


def select_shape(options) -> tuple:
    """The order-insensitive part: (position, value) of every option whose value is not an id (placeholders such
    as ``<option value="">`` included), and the sorted labels of the id options. Moodle lists some id selects in
    database row order (token form services: 069 2,1,3; 147 2,3,1; 5.1.3 069 3,1,2), which a replay cannot
    reproduce."""
    fixed = tuple((i, v) for i, (v, _l) in enumerate(options) if not v.isdigit())
    ids = tuple(sorted(l for v, l in options if v.isdigit()))
    return fixed, ids


def compare_select(name: str, rec_lists, live_lists) -> list[str]:
    """Option lists of the selects called ``name``: equal values, or (only where both values are
    all-digit ids) equal labels at the same position."""
    if len(rec_lists) != len(live_lists):
        return [f"select {name}: {len(rec_lists)} != {len(live_lists)} selects"]
    out = []
    for rec, live in zip(rec_lists, live_lists):
        if [v for v, _l in rec] == [v for v, _l in live]:
            continue
        rk = [option_key(v, l) for v, l in rec]
        lk = [option_key(v, l) for v, l in live]
        if rk == lk or select_shape(rec) == select_shape(live):
            continue
        missing = [repr(k) for k in rk if k not in lk]
        extra = [repr(k) for k in lk if k not in rk]
        parts = []
        if missing:
            parts.append("missing option " + _cut(missing, 3))
        if extra:
            parts.append("extra option " + _cut(extra, 3))
        if not parts:
            i = next(i for i, (a, b) in enumerate(zip(rk, lk)) if a != b) if len(rk) == len(lk) else 0
            parts.append(f"{len(rk)} != {len(lk)} options" if len(rk) != len(lk)
                         else f"option order differs at {i}: {rk[i]!r} != {lk[i]!r}")
        out.append(f"select {name}: " + "; ".join(parts))
    return out


def compare_forms(rec: dict, live: dict) -> list[str]:
    """Per form (keyed by id, else method + action path): control types, hidden inputs (present, value
    empty or not), select options, submit buttons (name, value). Control names: see form_fields."""
    d = []
    missing, extra = sorted(set(rec) - set(live)), sorted(set(live) - set(rec))
    if missing or extra:
        d.append("forms: " + "; ".join(([f"missing {_cut(missing)}"] if missing else [])
                                       + ([f"extra {_cut(extra)}"] if extra else [])))
    for key in sorted(set(rec) & set(live)):
        r, l = rec[key], live[key]
        parts = []
        types = [f"{n} {'/'.join(r['controls'][n])} != {'/'.join(l['controls'][n])}"
                 for n in sorted(set(r["controls"]) & set(l["controls"])) if r["controls"][n] != l["controls"][n]]
        if types:
            parts.append("type " + _cut(types, 3))
        hm = sorted(set(r["hidden"]) - set(l["hidden"]))
        hx = sorted(set(l["hidden"]) - set(r["hidden"]))
        hv = [f"{n} {'/'.join(r['hidden'][n])} != {'/'.join(l['hidden'][n])}"
              for n in sorted(set(r["hidden"]) & set(l["hidden"])) if r["hidden"][n] != l["hidden"][n]]
        if hm:
            parts.append("hidden missing " + _cut(hm))
        if hx:
            parts.append("hidden extra " + _cut(hx))
        if hv:
            parts.append("hidden value " + _cut(hv, 3))
        for n in sorted(set(r["selects"]) | set(l["selects"])):
            parts += compare_select(n, r["selects"].get(n, ()), l["selects"].get(n, ()))
        if r["submits"] != l["submits"]:
            sm = [f"{n}={v}" for n, v in r["submits"] if (n, v) not in l["submits"]]
            sx = [f"{n}={v}" for n, v in l["submits"] if (n, v) not in r["submits"]]
            parts.append("submit " + "; ".join(([f"missing {_cut(sm)}"] if sm else [])
                                               + ([f"extra {_cut(sx)}"] if sx else []) or ["count differs"]))
        if parts:
            d.append(f"form {key}: " + "; ".join(parts))
    return d


def compare_tables(rec: dict, live: dict) -> list[str]:
    """Per table (id, else generaltable/report table by position): header texts and, per body row, the
    links (path + sorted query keys) in it."""
    d = []
    missing, extra = sorted(set(rec) - set(live)), sorted(set(live) - set(rec))
    if missing or extra:
        d.append("tables: " + "; ".join(([f"missing {_cut(missing)}"] if missing else [])
                                        + ([f"extra {_cut(extra)}"] if extra else [])))
    for key in sorted(set(rec) & set(live)):
        r, l = rec[key], live[key]
        parts = []
        if r["headers"] != l["headers"]:
            parts.append(f"headers {list(r['headers'])} != {list(l['headers'])}"
                         if len(r["headers"]) + len(l["headers"]) <= 12 else
                         f"headers ({len(r['headers'])} != {len(l['headers'])}) " + _cut(
                             [h for h in r["headers"] if h not in l["headers"]]
                             + ["+" + h for h in l["headers"] if h not in r["headers"]]))
        if len(r["rows"]) != len(l["rows"]):
            parts.append(f"{len(r['rows'])} != {len(l['rows'])} rows")
        # rows as a multiset: the order of rows that tie in the SQL sort is undefined (339: 40 tokens with the
        # same "Valid until"), so a row is matched by its set of links, not by its position
        rm, lm = list(r["rows"]), list(l["rows"])
        for row in r["rows"]:
            if row in lm:
                lm.remove(row)
                rm.remove(row)
        if rm or lm:
            def fmt(row):
                return "[" + ", ".join(_fmt_link(x) for x in row) + "]"
            parts.append("rows" + (f" missing {_cut([fmt(x) for x in rm], 2)}" if rm else "")
                         + (f" extra {_cut([fmt(x) for x in lm], 2)}" if lm else ""))
        if parts:
            d.append(f"table {key}: " + "; ".join(parts))
    return d
