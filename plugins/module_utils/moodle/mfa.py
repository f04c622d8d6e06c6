# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Multi-factor authentication (tool_mfa, core since Moodle 4.3), the Moodle side: the factor table of Manage
multi-factor authentication (both releases' markup), the factors' settings pages, the order links and the pages of
an intercepted login (/admin/tool/mfa/auth.php).

Recorded facts (4.5.6 575-627, 5.1.3 508-565): every factor has admin/settings.php?section=factor_<name> with
s_factor_<name>_enabled (its saved callback is manager::do_factor_action, which also appends the factor to
tool_mfa/factor_order) and s_factor_<name>_weight; the order links (tool/mfa/index.php ... action=up|down) redirect to
the Referer, and without one to /admin/tool/mfa/ (404 "factornotfound") although the action was applied."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:
    from urllib.parse import urljoin, urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urljoin, urlsplit

from ansible_collections.moodleops.auth.plugins.module_utils.errors import MoodleError
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import query_of

MANAGE_SECTION = "managemfa"
SETTINGS_PATH = "admin/settings.php"
INDEX_PATH = "admin/tool/mfa/index.php"
AUTH_PAGE_PATH = "/admin/tool/mfa/auth.php"
AUTH_PAGE_BODY_ID = "page-admin-tool-mfa-auth"


_FACTOR_45 = re.compile(r"""tool/mfa/index\.php\?action=(enable|disable)&(?:amp;)?factor=(\w+)""")
_SWITCH_51 = re.compile(r"""<div[^>]*data-toggle-method="core_admin_set_plugin_state"[^>]*>""")
_ATTR = re.compile(r"""([\w-]+)="([^"]*)\"""")
_WEIGHT = re.compile(r"""<td[^>]*class="[^"]*\bc3\b[^"]*"[^>]*>\s*(-?\d+)\s*</td>""")
_HREF = re.compile(r"""href="([^"]*tool/mfa/index\.php\?[^"]*)\"""")
_MY_IP = re.compile(r"(?:own IP address|Your IP)\s*\(\s*(?:<i>)?\s*([0-9A-Fa-f:.]+)\s*(?:</i>)?\s*\)")
_BODY_ID = re.compile(r"""<body[^>]*\bid="([^"]+)\"""")


def _factor_table_html(html):
    """The factor table of the managemfa page (4.5.6 table#managemfatable, its first one; 5.1.3 the core plugin
    management table), or '' when the page has none."""
    start = html.find('id="managemfatable"')
    if start < 0:
        start = html.find('data-table-handler="admin_setting_managemfa"')
    if start < 0:
        return ""
    end = html.find("</table>", start)
    return html[start:end if end > 0 else len(html)]


def _unescape(href):
    return href.replace("&amp;", "&")


def parse_factor_table(html):
    """The rows of the factor table, in page order (the enabled factors first, in tool_mfa's order):
    [{'name', 'enabled', 'weight', 'links': {'up': href, 'down': href, 'enable'/'disable': href}}]. 4.5.6: the
    Enable column's link names the factor and its action; 5.1.3: the switch's data-plugin and data-state."""
    table = _factor_table_html(html or "")
    rows = []
    for chunk in re.split(r"<tr\b", table)[1:]:
        name = enabled = None
        links = {}
        switch = _SWITCH_51.search(chunk)
        if switch:
            attrs = dict(_ATTR.findall(switch.group(0)))
            if attrs.get("data-plugin", "").startswith("factor_"):
                name = attrs["data-plugin"][len("factor_"):]
                enabled = attrs.get("data-state") == "1"
        else:
            link = _FACTOR_45.search(chunk)
            if link:
                name, enabled = link.group(2), link.group(1) == "disable"
        if name is None:
            continue
        for href in _HREF.findall(chunk):
            action = query_of(_unescape(href)).get("action")
            if action:
                links[action] = _unescape(href)
        weight = _WEIGHT.search(chunk)
        rows.append({"name": name, "enabled": enabled, "weight": int(weight.group(1)) if weight else None,
                     "links": links})
    return rows


def parse_my_ip(html):
    """The address Moodle sees for this client, from factor_iprange's settings page ("You can add your own IP
    address (127.0.0.1)", "Your IP (127.0.0.1) is in the list ..."), or None."""
    match = _MY_IP.search(html or "")
    return match.group(1) if match else None


def parse_interception(html, url=None):
    """What an MFA page shows, or None when it is not one: {'page': 'verify' (a code form: 'factor' names it) or
    'unable' (no factor can be passed: only Log out)}. ``url``: where the page came from (the body id decides
    without it)."""
    html = html or ""
    body = _BODY_ID.search(html)
    on_auth = (body is not None and body.group(1) == AUTH_PAGE_BODY_ID) or \
        (url is not None and urlsplit(url).path.endswith(AUTH_PAGE_PATH))
    if not on_auth:
        return None
    factor = re.search(r"""<input[^>]*name="factor"[^>]*value="(\w+)\"""", html)
    if 'name="verificationcode"' in html:
        return {"page": "verify", "factor": factor.group(1) if factor else None}
    return {"page": "unable", "factor": None}


def is_interception_url(location):
    """Whether a redirect target (absolute or relative) is tool_mfa's auth.php."""
    return urlsplit(location or "").path.endswith(AUTH_PAGE_PATH)


def address_in_ranges(address, ranges):
    """Moodle's address_in_subnet() for the safe IP ranges of factor_iprange: CIDR (1.2.3.0/24), a range of the
    last group (1.2.3.4-10), a prefix (1.2.3. or 1.2.3) or one address."""
    for entry in ranges or []:
        entry = entry.strip()
        if not entry or not address:
            continue
        if "/" in entry:
            if _in_cidr(address, entry):
                return True
        elif "-" in entry:
            start, _sep, last = entry.rpartition("-")
            head, _dot, first = start.rpartition(".")
            tail = address.rpartition(".")
            if tail[0] == head and first.isdigit() and last.isdigit() and tail[2].isdigit() and \
                    int(first) <= int(tail[2]) <= int(last):
                return True
        elif address == entry or address.startswith(entry.rstrip(".") + "."):
            return True
    return False


def _in_cidr(address, network):
    try:
        import ipaddress
        return ipaddress.ip_address(u"%s" % address) in ipaddress.ip_network(u"%s" % network, strict=False)
    except ValueError:
        return False


class HttpMfa:
    """Manage multi-factor authentication (admin/settings.php?section=managemfa), the factors' settings pages and
    the order links of the factor table (sent with the Referer of the managemfa page, as a browser does)."""

    def __init__(self, client, settings):
        self.client = client
        self.settings = settings

    def factors(self):
        """The factor table's rows (parse_factor_table) as the site shows them now."""
        page = self.client.page(SETTINGS_PATH, params={"section": MANAGE_SECTION})
        rows = parse_factor_table(page.html)
        if not rows:
            raise self.client.unexpected(SETTINGS_PATH, "the factor table of Manage multi-factor authentication",
                                         page)
        return rows

    def my_ip(self):
        """The address Moodle sees for this controller (factor_iprange's settings page), or None."""
        return parse_my_ip(self.client.page(SETTINGS_PATH, params={"section": "factor_iprange"}).html)

    def move(self, name, direction, rows):
        """Follow the factor's up/down link of the table (``rows``) with the managemfa page as Referer."""
        href = rows_link(rows, name, direction)
        if href is None:
            raise MoodleError("The factor table has no 'Move %s' link for factor %s." % (direction, name))
        base = self.client.base_url + "/" + SETTINGS_PATH
        target = urljoin(base, href)
        referer = "%s?section=%s" % (base, MANAGE_SECTION)
        self.client.session()
        self.client.forget_pages()
        self.settings.forget()
        response = self.client.transport.request("GET", target, write=True, headers={"Referer": referer})
        if response.is_redirect:
            self.client.transport.check_redirect_target(response)
        if response.status not in (200, 303):
            raise MoodleError("%s?action=%s answered HTTP %s." % (INDEX_PATH, direction, response.status))

    def set_order(self, order):
        """Move factors up one step at a time until the enabled factors are in ``order`` (5.1.3 also moves past
        disabled factors still listed in tool_mfa's factor_order: one step may change nothing visible)."""
        rows = self.factors()
        for _attempt in range(len(rows) * len(rows) + 1):
            current = [row["name"] for row in rows if row["enabled"]]
            if current == order:
                return
            for index, name in enumerate(order):
                if current[index] != name:
                    self.move(name, "up", rows)
                    break
            rows = self.factors()
        raise MoodleError("Moving factors did not reach the order %s." % ", ".join(order))


def rows_link(rows, name, action):
    """The href of ``action`` in the factor's row, or None."""
    for row in rows:
        if row["name"] == name:
            return row["links"].get(action)
    return None
