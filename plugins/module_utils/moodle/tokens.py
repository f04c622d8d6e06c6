# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Web service tokens, the Moodle side: the admin page (admin/webservice/tokens.php), login/token.php and how a
token's IP restriction is read."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re
import socket
import time

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit

from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    AccessDeniedError,
    InvalidInputError,
    MoodleError,
    PageError,
    web_service_error,
)
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import Page, id_param

TOKENS_PATH = "admin/webservice/tokens.php"
TOKEN_PHP = "login/token.php"
SITE_INFO = "core_webservice_get_site_info"     # the function a token is proven with
ROWS_PER_PAGE = 30
_TOKEN_VALUE = re.compile(r'id="copytoclipboardtoken"[^>]*>\s*([0-9a-fA-F]{32})\s*<')

# The report's dates ("21 December 2026, 12:00 AM", English) and its "never" cells.
MONTHS = dict((name, index + 1) for index, name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
     "december")))
_REPORT_DATE = re.compile(r"(\d{1,2})\s+([A-Za-z]+)\s+(\d{4})")
_NEVER = ("", "never", "-")


def parse_report_date(text):
    """'21 December 2026, 12:00 AM' (the token report, English) -> '2026-12-21'; None when not a date."""
    match = _REPORT_DATE.search(text or "")
    if not match or match.group(2).lower() not in MONTHS:
        return None
    try:
        return datetime.date(int(match.group(3)), MONTHS[match.group(2).lower()], int(match.group(1))).isoformat()
    except ValueError:
        return None


class TokenRow:
    """One row of the token report: every column but the value, which Moodle never lists."""

    def __init__(self, token_id, name, user_id, service_name, service_shortname, ip_restriction, valid_until,
                 missing_capabilities, user_fullname=None, email=None, last_access=None, creator=None,
                 valid_until_date=None):
        self.id = token_id
        self.name = name
        self.user_id = user_id
        self.service_name = service_name
        self.service_shortname = service_shortname
        self.ip_restriction = ip_restriction
        self.valid_until = valid_until
        self.missing_capabilities = missing_capabilities
        self.user_fullname = user_fullname
        self.email = email
        self.last_access = last_access          # None: never used
        self.creator = creator
        self.valid_until_date = valid_until_date  # valid_until as YYYY-MM-DD, None when not a date

    def is_for(self, user_id, service, name=None):
        """Whether the row is a token of the user on the service (and name): the report's service cell holds the
        name, then the shortname in a muted line."""
        cell = self.service_name
        names = (service.name, ("%s %s" % (service.name, service.shortname)) if service.shortname else service.name)
        return self.user_id == user_id and cell in names and (name is None or self.name == name)

    def as_dict(self):
        """The row as moodle_token's states and results show it."""
        return {"id": self.id, "name": self.name, "user_id": self.user_id, "ip_restriction": self.ip_restriction,
                "valid_until": self.valid_until, "missing_capabilities": self.missing_capabilities}


def parse_token_rows(page):
    """The token rows of one tokens.php report page (a Page), in order; the padding rows of a short page
    (<tr class="emptyrow">, no token id) are skipped."""
    rows = []
    for row in page.rows:
        token_ids = [id_param(link.href, "tokenid") for link in row.links if "action=delete" in link.href]
        token_ids = [token_id for token_id in token_ids if token_id is not None]
        if not token_ids or len(row.cells) < 9:
            continue
        user_ids = [id_param(link.href, "id") for link in row.links if "/user/profile.php" in link.href]
        user_ids = [user_id for user_id in user_ids if user_id is not None]
        cells = row.cells
        missing = re.findall(r"[a-z]+/[a-z_]+:[a-z_]+", cells[8])
        valid_until = cells[5] or None
        rows.append(TokenRow(token_ids[0], cells[0], user_ids[0] if user_ids else None, cells[3], None,
                             cells[4] or None, valid_until, missing,
                             user_fullname=cells[1] or None, email=cells[2] or None,
                             last_access=None if cells[6].strip().lower() in _NEVER else cells[6],
                             creator=cells[7] or None, valid_until_date=parse_report_date(valid_until)))
    return rows


class AdminTokens:
    """The token report and form (admin/webservice/tokens.php): list, create, delete."""

    def __init__(self, client):
        self.client = client
        self.shown_value = None     # a new token's value Moodle showed on the list (once per session)

    def _page(self, params=None):
        try:
            return self.client.page(TOKENS_PATH, params=params)
        except PageError as error:
            if "access denied" in error.page_message.lower():
                raise AccessDeniedError(
                    "User '%s' may not manage tokens (%s answered 'Access denied')." % (
                        self.client.options.get("username"), TOKENS_PATH),
                    hint="Use a site administrator account.")
            raise

    def list(self):
        """Every token row, all report pages (30 rows each; short pages are padded with empty rows)."""
        rows, page_number = [], 0
        while True:
            page = self._page(params={"page": page_number} if page_number else None)
            shown = _TOKEN_VALUE.search(page.html)
            if shown:   # created earlier in this session, its page lost (a dropped answer): never thrown away
                self.client.redact.add(shown.group(1))
                self.shown_value = shown.group(1)
            found = parse_token_rows(page)
            rows.extend(found)
            if len(found) < ROWS_PER_PAGE or page_number > 200:
                return rows
            page_number += 1

    def create(self, user_id, service_id, name=None, ip_restriction=None, valid_until=None):
        """Create a token and read its value, which Moodle shows once, on the next page."""
        form_page = self._page(params={"action": "create"})
        form = self.client.require_form(form_page, TOKENS_PATH, field="_qf__core_webservice_token_form",
                                        what="the token form")
        data = [("action", "create"), ("sesskey", self.client.sesskey), ("_qf__core_webservice_token_form", "1"),
                ("mform_isexpanded_id_token", "1"), ("name", name or ""), ("user", user_id), ("service", service_id),
                ("iprestriction", ip_restriction or "")]
        if form.control("validuntil[day]") is not None:
            if valid_until is not None:
                data.extend([("validuntil[enabled]", "1"), ("validuntil[day]", valid_until.day),
                             ("validuntil[month]", valid_until.month), ("validuntil[year]", valid_until.year)])
            else:  # unticked "enabled" = no expiry (4.5 pre-ticks 30 days ahead)
                today = form.current_values()
                data.extend([(key, today.get(key) or "") for key in ("validuntil[day]", "validuntil[month]",
                                                                     "validuntil[year]")])
        data.append(("submitbutton", "Save changes"))
        response = self.client.post(TOKENS_PATH, data)
        if not response.is_redirect:
            page = Page(response.text)
            problems = page.alerts + page.error_messages
            text = "; ".join(problems) or "the form came back (HTTP %s)" % response.status
            if "not allowed for this service" in text:
                raise AccessDeniedError("Moodle will not create the token: %s" % text, errorcode="usernotallowed",
                                        hint="Authorise the user on the restricted service first "
                                             "(moodleops.auth.moodle_external_service: authorised_users).")
            raise MoodleError("Moodle did not create the token: %s" % text)
        shown = self.client.get(TOKENS_PATH)
        match = _TOKEN_VALUE.search(shown.text)
        if not match:
            raise MoodleError("Moodle created the token but did not show its value (div#copytoclipboardtoken).",
                              hint="On Moodle 4.1/4.2 the value is in the token list instead; this version is not "
                                   "supported for method admin yet.")
        self.client.redact.add(match.group(1))
        return match.group(1)

    def delete(self, token_id):
        """Delete a token (the confirmation page, then the confirmed POST)."""
        self._page(params={"action": "delete", "tokenid": token_id})
        response = self.client.post(TOKENS_PATH, [("tokenid", token_id), ("action", "delete"), ("confirm", "1"),
                                                  ("sesskey", self.client.sesskey)])
        if not response.is_redirect:
            raise MoodleError("Moodle did not delete token %s (HTTP %s)." % (token_id, response.status))


def token_from_login(client, username, password, service):
    """login/token.php: the user's newest valid token for the service, created when the rules allow."""
    client.redact.add(password)
    response = client.transport.request("POST", TOKEN_PHP, data=[("username", username), ("password", password),
                                                                 ("service", service)])
    try:
        answer = response.json()
    except ValueError:
        raise MoodleError("%s answered HTTP %s with something other than JSON." % (TOKEN_PHP, response.status))
    if answer.get("token"):
        client.redact.add(answer["token"])
        if answer.get("privatetoken"):
            client.redact.add(answer["privatetoken"])
        return answer["token"]
    code = answer.get("errorcode")
    hints = {
        "invalidlogin": "Check user and user_password (the account must log in with a password, not SSO).",
        "cannotcreatetoken": "The user lacks moodle/webservice:createtoken (site admins never get one here): "
                             "grant it through a role, or use method: admin.",
        "usernotallowed": "The service is restricted: authorise the user on it.",
        "servicenotavailable": "No enabled service has that shortname.",
        "enablewsdescription": "Enable web services (moodleops.auth.moodle_webservice_enable).",
        "invalidiptoken": "The user's authorisation on the restricted service has an IP restriction that does not "
                          "include the address this host calls Moodle from: add it, or fetch the token from an "
                          "address it lists.",
    }
    error = web_service_error(code, answer.get("error"), answer.get("debuginfo"), via=TOKEN_PHP)
    if code in hints:
        error.hint = hints[code]
    raise error


# -- a token's IP restriction ----------------------------------------------------------------------------------------

# webservice_server::authenticate_by_token() refuses a token used from an address its iprestriction does not
# include with webservice_access_exception('Invalid service - IP:<getremoteaddr()> is not supported - check this
# allowed user'): errorcode accessexception, message "Access control exception"; the address is in the debuginfo,
# which Moodle sends only with debugging on (developer level and debugdisplay).
_IP_REFUSED = re.compile(r"IP:\s*([0-9A-Fa-f:.]+) is not supported")


def address_moodle_saw(error):
    """The caller's address as Moodle saw it, when its answer says so (debugging on), else None."""
    match = _IP_REFUSED.search("%s" % getattr(error, "message", error))
    return match.group(1) if match else None


def local_address(base_url):
    """The address this host calls the site from, as far as it knows (the source address its routing picks; a proxy or
    NAT on the way makes Moodle see another one), or None."""
    try:
        parts = urlsplit(base_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        family, _type, _proto, _name, address = socket.getaddrinfo(parts.hostname, port, 0, socket.SOCK_DGRAM)[0]
        probe = socket.socket(family, socket.SOCK_DGRAM)
        try:
            probe.connect(address)      # UDP: nothing is sent, the kernel only picks the route and source address
            return probe.getsockname()[0]
        finally:
            probe.close()
    except Exception:  # pylint: disable=broad-except  # no name resolution, no route: unknown
        return None


def address_allowed(address, restriction):
    """Moodle's address_in_subnet() for an iprestriction: exact addresses, CIDR ranges, a range of the last group
    (192.0.2.10-20) and incomplete addresses (10.1. or 10.1); True, False, or None when it cannot be told."""
    try:
        import ipaddress
        wanted = ipaddress.ip_address(u"%s" % address)
    except (ImportError, ValueError):
        return None
    unknown = False
    for part in re.split(r"[,\n]", restriction or ""):
        part = part.strip()
        if not part:
            continue
        try:
            if "/" in part:
                if wanted in ipaddress.ip_network(u"%s" % part, strict=False):
                    return True
            elif "-" in part:
                start, end = (piece.strip() for piece in part.split("-", 1))
                separator = ":" if ":" in start else "."
                last = ipaddress.ip_address(u"%s%s%s" % (start.rsplit(separator, 1)[0], separator, end))
                if ipaddress.ip_address(u"%s" % start) <= wanted <= last:
                    return True
            elif re.match(r"^[0-9.]+$", part) and part.count(".") < 3 or part.endswith("."):
                if ("%s" % wanted).startswith(part.rstrip(".") + "."):
                    return True
            elif wanted == ipaddress.ip_address(u"%s" % part):
                return True
        except (ValueError, TypeError):
            unknown = True
    return None if unknown else False


def ip_refusal(error, restriction, base_url):
    """(address, why) when Moodle refused a token over its IP restriction, or None when that is not (known to be) the
    cause: Moodle's own answer when it names the address (debugging on), else this host's address when the
    restriction does not include it."""
    seen = address_moodle_saw(error)
    if seen:
        return seen, "Moodle saw the call come from %s, which %s does not include" % (
            seen, "ip_restriction '%s'" % restriction if restriction else "the token's IP restriction")
    if not restriction:
        return None
    here = local_address(base_url)
    if here is None or address_allowed(here, restriction) is not False:
        return None
    where = urlsplit(base_url).netloc
    return here, ("ip_restriction '%s' does not include %s, the address this host (%s) calls %s from (Moodle's answer "
                  "names no address without debugging; behind a proxy or NAT it sees another one)"
                  % (restriction, here, socket.gethostname(), where))


# -- option values as Moodle reads them -----------------------------------------------------------------------------

def restriction_set(text):
    """An IP restriction as Moodle compares it: the comma-separated entries, without spaces, in any order."""
    return frozenset(part.strip() for part in (text or "").split(",") if part.strip())


def parse_valid_until(value):
    """valid_until (YYYY-MM-DD, or seconds from now) as a date; None when not given."""
    if value is None or str(value).strip() == "":
        return None
    value = str(value).strip()
    if re.match(r"^\d+$", value):
        return datetime.date.fromtimestamp(time.time() + int(value))
    try:
        return datetime.datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInputError("valid_until %r is neither a date (YYYY-MM-DD) nor a number of seconds." % value)
