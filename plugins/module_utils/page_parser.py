# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading Moodle's HTML pages: forms, M.cfg, error messages, links, the release in the footer."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

try:
    from urllib.parse import parse_qs, urlsplit
except ImportError:  # pragma: no cover
    from urlparse import parse_qs, urlsplit

try:
    from html.parser import HTMLParser
    from html import unescape
except ImportError:  # pragma: no cover
    from HTMLParser import HTMLParser
    unescape = HTMLParser().unescape

_MCFG = re.compile(r"M\.cfg\s*=\s*(\{.*?\});", re.S)
_SESSKEY = re.compile(r'"sesskey":"([^"]+)"')
_USERID = re.compile(r'"userId":(\d+)')
_WWWROOT = re.compile(r'"wwwroot":"([^"]+)"')
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.S | re.I)
_RELEASE = re.compile(r"Version\s+(\d+\.\d+(?:\.\d+)?(?:[^<\n]*?\(Build:\s*\d+\))?)")


def query_of(href):
    """The query parameters of a link, one value each: 'x.php?id=3&action=delete' -> {'id': '3', ...}."""
    return dict((key, values[0]) for key, values in parse_qs(urlsplit(href or "").query).items())


def toggle_links(page, path_pattern, name_parameter):
    """(name, "enable" or "disable") for each enable/disable link of an admin plugin table, in page order: the links
    whose href matches ``path_pattern`` and names the plugin in ``name_parameter`` (a "disable" link belongs to an
    enabled plugin)."""
    for link in page.links_matching(path_pattern):
        query = query_of(link.href)
        if query.get(name_parameter) and query.get("action") in ("enable", "disable"):
            yield query[name_parameter], query["action"]


def as_id(value):
    """A record id read from a page (option value, link parameter, cell): the int for a positive decimal
    number, None for anything else (placeholders such as ``<option value="">``, '0', '-1', text)."""
    text = ("%s" % value).strip() if value is not None else ""
    if not text.isdigit():
        return None
    number = int(text)
    return number if number > 0 else None


def id_param(href, name):
    """The id in query parameter ``name`` of a link, or None when it is missing, empty or not an id."""
    return as_id(query_of(href).get(name))


class Option(tuple):
    """One <option> of a select: unpacks as ``(value, label, selected)``; ``disabled`` is true for a disabled
    option or one inside a disabled <optgroup> (a browser never submits those)."""

    def __new__(cls, value, label, selected, disabled=False):
        option = tuple.__new__(cls, (value, label, selected))
        option.disabled = disabled
        return option


_BLOCK_TAGS = ("div", "p", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section", "small")


class FormControl:
    """One named control of a form, as a browser would see it."""

    def __init__(self, tag, name, control_type=None, value=None, checked=False, disabled=False):
        self.tag = tag
        self.name = name
        self.type = control_type
        self.value = value
        self.checked = checked
        self.disabled = disabled
        self.options = []  # (value, label, selected) for selects
        self.multiple = False

    def __repr__(self):
        return "FormControl(%s %s=%r)" % (self.tag, self.name, self.value)

    def choices(self):
        """[(value, label)] of the options a user can pick: not disabled, value not blank (Moodle starts many
        selects with a placeholder ``<option value="">``, and empty user selectors hold a disabled ``&nbsp;``)."""
        return [(option[0], option[1]) for option in self.options
                if not getattr(option, "disabled", False) and option[0] is not None and option[0].strip()]

    def id_choices(self):
        """[(id, label)] of the choices whose value is a record id (positive integer); others are skipped."""
        found = []
        for value, label in self.choices():
            number = as_id(value)
            if number is not None:
                found.append((number, label))
        return found

    def selected_values(self):
        """The values of the selected options a browser would submit (disabled ones are never submitted)."""
        return [option[0] for option in self.options if option[2] and not getattr(option, "disabled", False)]


class Form:
    """One <form> of a page: its id, action, method (lowercase), attributes and named controls."""
    def __init__(self, attrs):
        self.id = attrs.get("id")
        self.action = attrs.get("action") or ""
        self.method = (attrs.get("method") or "get").lower()
        self.attrs = attrs
        self.controls = []

    def control(self, name):
        """The first control named ``name``, or None."""
        for control in self.controls:
            if control.name == name:
                return control
        return None

    def controls_named(self, name):
        """Every control named ``name``, in page order."""
        return [control for control in self.controls if control.name == name]

    @property
    def field_names(self):
        """The names of the form's controls, in page order."""
        return [control.name for control in self.controls]

    def hidden_values(self):
        """{name: value} of the form's hidden inputs."""
        return dict((c.name, c.value or "") for c in self.controls if c.tag == "input" and c.type == "hidden")

    def current_values(self, include_disabled=False):
        """The value each named field currently holds: checkbox pairs resolve to '1'/'0', selects to the
        selected option (None when nothing is selected), multi-selects to a list. Disabled (frozen) controls
        count only with ``include_disabled``."""
        values = {}
        for control in self.controls:
            if control.disabled and not include_disabled:
                continue
            if control.tag == "input" and control.type in ("checkbox", "radio"):
                if control.checked:
                    values[control.name] = control.value if control.value is not None else "on"
                continue
            if control.tag == "input" and control.type in ("submit", "button", "image", "reset", "file"):
                continue
            if control.tag == "button":
                continue
            if control.tag == "select":
                selected = control.selected_values()
                values[control.name] = selected if control.multiple else (selected[0] if selected else None)
                continue
            values.setdefault(control.name, control.value or "")
        return values

    def browser_submission(self):
        """The (name, value) pairs a browser would submit unchanged (successful controls, no buttons)."""
        pairs = []
        for control in self.controls:
            if control.disabled:
                continue
            if control.tag == "input" and control.type in ("checkbox", "radio"):
                if control.checked:
                    pairs.append((control.name, control.value if control.value is not None else "on"))
            elif control.tag == "input" and control.type in ("submit", "button", "image", "reset", "file"):
                continue
            elif control.tag == "button":
                continue
            elif control.tag == "select":
                chosen = control.selected_values()
                if not chosen and not control.multiple:  # a browser shows (and submits) the first enabled option
                    chosen = [option[0] for option in control.options if not getattr(option, "disabled", False)][:1]
                pairs.extend((control.name, value) for value in chosen)
            else:
                pairs.append((control.name, control.value or ""))
        return pairs


class Link:
    """One <a> of a page: its href (never None), its text and its attributes."""
    def __init__(self, href, text, attrs):
        self.href = href or ""  # html.parser decodes character references in attribute values already
        self.text = text
        self.attrs = attrs


class TableRow:
    """A table row: its cells' texts, the links in it, and whether it shows a dimmed (disabled) name."""

    def __init__(self, table_id):
        self.table_id = table_id
        self.cells = []
        self.links = []
        self.dimmed = False


class _PageParser(HTMLParser):
    def __init__(self):
        HTMLParser.__init__(self, convert_charrefs=True)
        self.forms = []
        self.links = []
        self.error_messages = []
        self.alerts = []
        self.dimmed = []
        self.elements_by_id = {}
        self._form = None
        self._select = None
        self._option = None
        self._optgroup_disabled = False
        self._textarea = None
        self._link = None
        self._capture = []  # stack of [kind, depth, chunks]
        self._depth = 0
        self.rows = []
        self._tables = []
        self._row = None
        self._cell = None

    # Capture the text of a few marker elements.
    def _start_capture(self, kind):
        self._capture.append([kind, self._depth, []])

    def handle_starttag(self, tag, attrs):
        """Note forms, controls, links, table rows and cells, ids; start error, alert and dimmed texts."""
        attrs = dict((key, value if value is not None else "") for key, value in attrs)
        self._block_boundary(tag)
        if tag not in ("input", "br", "img", "meta", "link", "hr", "source", "wbr"):
            self._depth += 1
        classes = attrs.get("class", "").split()
        if tag == "table":
            self._tables.append(attrs.get("id"))
        elif tag == "tr" and self._tables:
            self._row = TableRow(self._tables[-1])
            self.rows.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            self._row.cells.append(self._cell)
        if tag == "form":
            self._form = Form(attrs)
            self.forms.append(self._form)
        elif tag == "input" and attrs.get("name") is not None:
            control = FormControl("input", attrs["name"], attrs.get("type", "text").lower(), attrs.get("value"),
                                  "checked" in attrs, "disabled" in attrs)
            self._add_control(control)
        elif tag == "select" and attrs.get("name") is not None:
            self._select = FormControl("select", attrs["name"], disabled="disabled" in attrs)
            self._select.multiple = "multiple" in attrs
            self._add_control(self._select)
        elif tag == "optgroup" and self._select is not None:
            self._finish_option()
            self._optgroup_disabled = "disabled" in attrs
        elif tag == "option" and self._select is not None:
            self._finish_option()  # </option> is optional in HTML
            self._option = [attrs.get("value"), [], "selected" in attrs, "disabled" in attrs or self._optgroup_disabled]
        elif tag == "textarea" and attrs.get("name") is not None:
            self._textarea = FormControl("textarea", attrs["name"], value="", disabled="disabled" in attrs)
            self._add_control(self._textarea)
        elif tag == "button" and attrs.get("name") is not None:
            self._add_control(FormControl("button", attrs["name"], attrs.get("type", "submit"), attrs.get("value")))
        elif tag == "a":
            self._link = Link(attrs.get("href"), [], attrs)
            self.links.append(self._link)
            if self._row is not None:
                self._row.links.append(self._link)
        if "id" in attrs:
            self.elements_by_id.setdefault(attrs["id"], (tag, attrs))
            if attrs["id"] == "loginerrormessage":
                self._start_capture("error")
        if "errormessage" in classes:
            self._start_capture("error")
        if "alert-danger" in classes or "alert-error" in classes:
            self._start_capture("alert")
        if "dimmed_text" in classes:
            self._start_capture("dimmed")
            if self._row is not None:
                self._row.dimmed = True

    def _add_control(self, control):
        if self._form is not None:
            self._form.controls.append(control)

    def handle_startendtag(self, tag, attrs):
        """A self-closing tag (<x/>): its start, and its end unless it is a void element."""
        self.handle_starttag(tag, attrs)
        if tag not in ("input", "br", "img", "meta", "link", "hr", "source", "wbr"):
            self.handle_endtag(tag)

    def _block_boundary(self, tag):
        """Text on either side of a block element is two words, as a browser shows it."""
        if tag in _BLOCK_TAGS and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        """Close what the tag opened: table rows, forms, selects and options, textareas, links, captured texts."""
        self._block_boundary(tag)
        if tag == "table" and self._tables:
            self._tables.pop()
            self._row = None
        elif tag == "tr":
            if self._row is not None:
                self._row.cells = [" ".join("".join(cell).split()) for cell in self._row.cells]
            self._row = None
            self._cell = None
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._finish_option()
            self._select = None
            self._optgroup_disabled = False
        elif tag == "optgroup":
            self._finish_option()
            self._optgroup_disabled = False
        elif tag == "option":
            self._finish_option()
        elif tag == "textarea":
            self._textarea = None
        elif tag == "a" and self._link is not None:
            self._link.text = " ".join("".join(self._link.text).split())
            self._link = None
        if tag not in ("input", "br", "img", "meta", "link", "hr", "source", "wbr"):
            while self._capture and self._capture[-1][1] >= self._depth:
                kind, _depth, chunks = self._capture.pop()
                text = " ".join("".join(chunks).split())
                {"error": self.error_messages, "alert": self.alerts, "dimmed": self.dimmed}[kind].append(text)
            self._depth -= 1

    def _finish_option(self):
        if self._option is not None and self._select is not None:
            value, label, selected, disabled = self._option
            label = " ".join("".join(label).split())
            self._select.options.append(Option(value if value is not None else label, label, selected, disabled))
        self._option = None

    def handle_data(self, data):
        """Text: into the open option, textarea, link, table cell and captured texts."""
        if self._option is not None:
            self._option[1].append(data)
        if self._textarea is not None:
            self._textarea.value += data
        if self._link is not None:
            self._link.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        for capture in self._capture:
            capture[2].append(data)


class Page:
    """A parsed HTML page."""

    def __init__(self, html):
        self.html = html or ""
        parser = _PageParser()
        try:
            parser.feed(self.html)
            parser.close()
        except Exception:  # a broken page still yields what was parsed so far
            pass
        self.forms = parser.forms
        self.links = parser.links
        self.error_messages = [text for text in parser.error_messages if text]
        self.alerts = [text for text in parser.alerts if text]
        self.dimmed_texts = parser.dimmed
        self.elements_by_id = parser.elements_by_id
        self.rows = parser.rows

    def form(self, form_id=None, action_contains=None):
        """The first form with id ``form_id`` and an action containing ``action_contains`` (each if given), or None."""
        for form in self.forms:
            if form_id is not None and form.id != form_id:
                continue
            if action_contains is not None and action_contains not in form.action:
                continue
            return form
        return None

    def form_with_field(self, name):
        """The first form with a control named ``name``, or None."""
        for form in self.forms:
            if form.control(name) is not None:
                return form
        return None

    @property
    def mcfg(self):
        """M.cfg as a dict, or {} on pages without it (JSON answers, non-Moodle pages)."""
        match = _MCFG.search(self.html)
        if not match:
            return {}
        try:
            return json.loads(match.group(1))
        except ValueError:
            cfg = {}
            for key, pattern in (("sesskey", _SESSKEY), ("wwwroot", _WWWROOT)):
                found = pattern.search(match.group(1))
                if found:
                    cfg[key] = found.group(1).replace("\\/", "/")
            found = _USERID.search(match.group(1))
            if found:
                cfg["userId"] = int(found.group(1))
            return cfg

    @property
    def is_moodle(self):
        """Whether the page is Moodle's (its M.cfg has a wwwroot)."""
        return bool(self.mcfg.get("wwwroot"))

    @property
    def sesskey(self):
        """The sesskey of M.cfg, or None."""
        return self.mcfg.get("sesskey")

    @property
    def user_id(self):
        """The user id of M.cfg (0 when absent or not a number)."""
        try:
            return int(self.mcfg.get("userId") or 0)
        except (TypeError, ValueError):
            return 0

    @property
    def wwwroot(self):
        """The site's wwwroot from M.cfg, or None."""
        return self.mcfg.get("wwwroot")

    @property
    def release(self):
        """The release printed in the footer (admins see it), e.g. '4.5.6 (Build: 20250811)'."""
        match = _RELEASE.search(self.html)
        return " ".join(match.group(1).split()) if match else None

    @property
    def title(self):
        """The text of the page's <title> (entities decoded, spaces collapsed), or None."""
        match = _TITLE.search(self.html)
        return " ".join(unescape(match.group(1)).split()) if match else None

    def table_rows(self, table_id):
        """The rows of table#table_id that show something (empty padding rows are skipped)."""
        return [row for row in self.rows if row.table_id == table_id and any(row.cells)]

    def links_matching(self, pattern):
        """The page's links whose href matches the regular expression ``pattern``."""
        regex = re.compile(pattern)
        return [link for link in self.links if regex.search(link.href)]


class _FieldErrors(HTMLParser):
    """Texts of ``div.invalid-feedback#id_error_<field>``; nested blocks become separate sentences."""

    def __init__(self):
        HTMLParser.__init__(self, convert_charrefs=True)
        self.errors = []
        self._field = None
        self._depth = 0
        self._chunks = []

    def handle_starttag(self, tag, attrs):
        """Start collecting at a field's error div; inside one, block tags break lines."""
        if self._field is not None:
            if tag in ("div", "p", "br", "li"):
                self._chunks.append("\n")
            if tag not in ("br", "input", "img"):
                self._depth += 1
            return
        attrs = dict(attrs)
        element_id = attrs.get("id") or ""
        if tag == "div" and element_id.startswith("id_error_") and "invalid-feedback" in (attrs.get("class") or ""):
            self._field = element_id[len("id_error_"):]
            self._depth = 1
            self._chunks = []

    def handle_endtag(self, tag):
        """At the end of a field's error div, keep (field, text) when it has text."""
        if self._field is None or tag in ("br", "input", "img"):
            return
        self._depth -= 1
        if tag in ("div", "p", "li"):
            self._chunks.append("\n")
        if self._depth <= 0:
            lines = [" ".join(line.split()) for line in "".join(self._chunks).split("\n")]
            text = " ".join(line for line in lines if line)
            if text:
                self.errors.append((self._field, text))
            self._field = None

    def handle_data(self, data):
        """Text inside a field's error div."""
        if self._field is not None:
            self._chunks.append(data)


def field_errors(html):
    """[(field, message)] shown by a re-rendered moodleform; never any input's value."""
    parser = _FieldErrors()
    try:
        parser.feed(html or "")
        parser.close()
    except Exception:  # a broken page still yields what was parsed so far
        pass
    return parser.errors
