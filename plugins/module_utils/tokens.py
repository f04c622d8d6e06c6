# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Web service tokens: the admin page (admin/webservice/tokens.php) and login/token.php."""

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

from ansible_collections.moodleops.auth.plugins.module_utils.converge import Resource
from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    AccessDeniedError,
    InvalidInputError,
    MoodleError,
    PageError,
    WebServicesDisabledError,
    WriteNotAppliedError,
    web_service_error,
)
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import Page, id_param
from ansible_collections.moodleops.auth.plugins.module_utils.services import ExternalServices
from ansible_collections.moodleops.auth.plugins.module_utils.state_dir import check_writable
from ansible_collections.moodleops.auth.plugins.module_utils.token_store import TokenStore, store_key
from ansible_collections.moodleops.auth.plugins.module_utils.users import Users
from ansible_collections.moodleops.auth.plugins.module_utils.webservice import HttpWebServices

TOKENS_PATH = "admin/webservice/tokens.php"
TOKEN_PHP = "login/token.php"
ROWS_PER_PAGE = 30
_TOKEN_VALUE = re.compile(r'id="copytoclipboardtoken"[^>]*>\s*([0-9a-fA-F]{32})\s*<')


class TokenRow:
    """One row of the token report: everything but the value, which Moodle never lists."""

    def __init__(self, token_id, name, user_id, service_name, service_shortname, ip_restriction, valid_until,
                 missing_capabilities):
        self.id = token_id
        self.name = name
        self.user_id = user_id
        self.service_name = service_name
        self.service_shortname = service_shortname
        self.ip_restriction = ip_restriction
        self.valid_until = valid_until
        self.missing_capabilities = missing_capabilities

    def is_for(self, user_id, service, name=None):
        """The report's service cell holds the name, then the shortname in a muted line."""
        cell = self.service_name
        names = (service.name, ("%s %s" % (service.name, service.shortname)) if service.shortname else service.name)
        return self.user_id == user_id and cell in names and (name is None or self.name == name)

    def as_dict(self):
        return {"id": self.id, "name": self.name, "user_id": self.user_id, "ip_restriction": self.ip_restriction,
                "valid_until": self.valid_until, "missing_capabilities": self.missing_capabilities}


class AdminTokens:
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
            found = self._rows(page)
            rows.extend(found)
            if len(found) < ROWS_PER_PAGE or page_number > 200:
                return rows
            page_number += 1

    @staticmethod
    def _rows(page):
        rows = []
        for row in page.rows:
            # Short report pages are padded with empty <tr class="emptyrow">: only rows with a token id count.
            token_ids = [id_param(link.href, "tokenid") for link in row.links if "action=delete" in link.href]
            token_ids = [token_id for token_id in token_ids if token_id is not None]
            if not token_ids or len(row.cells) < 9:
                continue
            user_ids = [id_param(link.href, "id") for link in row.links if "/user/profile.php" in link.href]
            user_ids = [user_id for user_id in user_ids if user_id is not None]
            service_cell = row.cells[3]
            missing = re.findall(r"[a-z]+/[a-z_]+:[a-z_]+", row.cells[8])
            rows.append(TokenRow(token_ids[0], row.cells[0], user_ids[0] if user_ids else None, service_cell,
                                 None, row.cells[4] or None, row.cells[5] or None, missing))
        return rows

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


# -- moodle_token as a converge resource ----------------------------------------------------------------------------

SITE_INFO = "core_webservice_get_site_info"


def restriction_set(text):
    """An IP restriction as Moodle compares it: the comma-separated entries, without spaces, in any order."""
    return frozenset(part.strip() for part in (text or "").split(",") if part.strip())


def parse_valid_until(value):
    if value is None or str(value).strip() == "":
        return None
    value = str(value).strip()
    if re.match(r"^\d+$", value):
        return datetime.date.fromtimestamp(time.time() + int(value))
    try:
        return datetime.datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInputError("valid_until %r is neither a date (YYYY-MM-DD) nor a number of seconds." % value)


class TokenResource(Resource):
    """The tokens of a user on a service (and name): one, whose value the run returns; or none.

    States are {"tokens": [rows of the token report, never values]}. ``self.chosen`` is what the run is about:
    keep (the store or token_value has the value), create, rotate (delete the matching tokens, create one) or
    delete."""

    def __init__(self, moodle):
        Resource.__init__(self, moodle)
        params = self.params
        self.valid_until = parse_valid_until(params["valid_until"])
        if self.valid_until is not None and self.valid_until <= datetime.date.today():
            raise InvalidInputError("valid_until %s is not in the future." % self.valid_until)
        if params["method"] == "login" and params["state"] != "absent" and not params["user_password"]:
            raise InvalidInputError("method: login needs user_password (the password of %s)." % params["user"])
        self.value = params.get("token_value")
        moodle.redact.add(params["user_password"])
        moodle.redact.add(self.value)
        if self.value is not None:
            if not self.value.strip():
                raise InvalidInputError("token_value is empty.", hint="Give the token's value, or leave token_value out.")
            if params["state"] != "present" or params["method"] != "admin":
                raise InvalidInputError(
                    "token_value checks a token the play already holds: it needs state: present and method: admin "
                    "(it is %s with method: %s)." % (params["state"], params["method"]),
                    hint="Remove token_value to %s." % ("rotate or delete tokens" if params["state"] != "present"
                                                        else "fetch the token through login/token.php"))
        elif params["invalid_token_value"] != "fail":
            raise InvalidInputError("invalid_token_value needs token_value.",
                                    hint="Give token_value, or remove invalid_token_value.")
        self.client = moodle.client
        self.store = TokenStore(moodle.state.token_store(params["token_store"]))
        self.services = ExternalServices(self.client)
        self.admin_tokens = AdminTokens(self.client)
        self.user_id = self.service = self.key = None
        self.rows, self.created, self.listed_ids = [], [], set()
        self.chosen, self.token, self.token_id, self.verified, self.stale = "keep", None, None, False, False

    # -- reading ---------------------------------------------------------------------------------------------------
    def resolve(self):
        self.user_id = Users(self.client).ids_for([self.params["user"]], option="user")[self.params["user"].strip().lower()]
        self.service = self.services.find(shortname=self.params["service"])
        if self.service is None:
            raise InvalidInputError("External service '%s' does not exist on the site." % self.params["service"],
                                    hint="Give its shortname, or its name if it has none. The site has: %s."
                                         % ", ".join(self.services.labels()))
        self.key = store_key(self.client.base_url, self.params["user"].strip().lower(), self.service.label,
                             self.params["name"])

    def matching(self):
        """The user's tokens on the service; remembers every token id listed, so a new one can be told apart."""
        rows = self.admin_tokens.list()
        self.listed_ids = set(row.id for row in rows)
        return [row for row in rows if row.is_for(self.user_id, self.service, self.params["name"])]

    def require_rest(self):
        web = HttpWebServices(self.client, self.moodle.settings)
        enabled, _mobile = web.switches()
        if not enabled or not web.protocols().get("rest"):
            raise WebServicesDisabledError(
                "Web services%s are off: a token would not answer (REST gives HTTP 403)." % (
                    "" if not enabled else " over REST"),
                hint="Run moodleops.auth.moodle_webservice_enable (state: present, protocols: [rest]) first.")

    def lock_name(self):
        if self.client.caches_session:
            # Moodle shows a new token's value once, in the admin's session, which the session cache shares between
            # concurrent tasks: a tokens.php page loaded by another task in between would take it. One lock per site.
            return "tokens", "shared admin session"
        return "token", "%s|%s|%s" % (self.params["user"].strip().lower(), self.params["service"], self.params["name"] or "")

    def read(self):
        self.resolve()
        if self.params["state"] != "absent":
            self.require_rest()
        self.rows = self.matching()
        return {"tokens": [row.as_dict() for row in self.rows]}

    # -- desired -----------------------------------------------------------------------------------------------------
    def desired(self, before):
        state = self.params["state"]
        new = {"tokens": [{"id": None, "name": self.params["name"]}]}
        if state == "absent":
            self.chosen = "delete"
            return {"tokens": []}
        if state == "rotated":
            self.chosen = "rotate"
            return new
        if self.value is not None:
            return self.desired_from_value(before, new)
        entry = self.store.get(self.key)
        known = [row for row in self.rows if entry and row.id == entry.get("token_id")]
        if known:
            self.moodle.redact.add(entry["token"])
            self.token, self.token_id = entry["token"], known[0].id
            self.warn_restriction_drift(known[0])
            return {"tokens": [known[0].as_dict()]}
        if self.rows and self.recover_shown_value():
            return {"tokens": [row.as_dict() for row in self.rows if row.id == self.token_id]}
        if self.rows:
            raise InvalidInputError(
                "%d token(s) of %s for service %s exist in Moodle (id %s), but their value is not in token_store %s; "
                "Moodle shows a token's value only once." % (len(self.rows), self.params["user"], self.service.label,
                                                             ", ".join(str(row.id) for row in self.rows), self.store.path),
                hint="Use state: rotated to replace them with a new token whose value the module keeps, or give the "
                     "value the play holds in token_value.")
        self.stale = bool(entry)  # deleted in Moodle since
        self.chosen = "create"
        return new

    def warn_restriction_drift(self, row):
        """Moodle cannot change a token's IP restriction: a kept token whose restriction differs from the task's is
        said, with the way to apply it (a re-run would otherwise be ok and silent about it)."""
        wanted = self.params["ip_restriction"]
        if wanted is None or restriction_set(wanted) == restriction_set(row.ip_restriction):
            return
        self.moodle.warn(
            "Token %s of %s on service %s keeps ip_restriction '%s', not '%s' as the task asks: Moodle cannot change "
            "an existing token's restriction. Set state: rotated once to replace it with a token that has the new "
            "restriction (the play then gets a new value)." % (
                row.id, self.params["user"], self.service.label, row.ip_restriction or "", wanted))

    def recover_shown_value(self):
        """A token created by an earlier task of this (cached) session whose answer was lost: Moodle shows its value
        on the next list. Kept when it is this user's token on this service; stored even in check mode, since the
        value is shown only once and the site is not changed."""
        shown = self.admin_tokens.shown_value
        if shown is None:
            return False
        self.value = shown
        try:
            if self.value_problem() is not None:
                return False
        finally:
            self.value = None
        self.token, self.token_id = shown, max(row.id for row in self.rows)
        self.store.put(self.key, {"token": shown, "token_id": self.token_id, "user": self.params["user"],
                                  "service": self.service.label, "name": self.params["name"], "created": int(time.time())})
        self.moodle.warn("Kept the value of token %s of %s, which Moodle showed once after an earlier task's "
                                "answer was lost, in token_store %s." % (self.token_id, self.params["user"], self.store.path))
        return True

    def desired_from_value(self, before, new):
        """token_value: the play holds the value. Keep it when Moodle lists the token and the value answers
        core_webservice_get_site_info as the user on the service; otherwise fail (or rotate, when asked)."""
        problem = self.value_problem()
        if problem is None:
            self.token, self.verified = self.value, True
            self.token_id = self.rows[0].id if len(self.rows) == 1 else None
            return before
        if self.params["invalid_token_value"] == "rotate":
            self.chosen = "rotate"
            return new
        raise InvalidInputError(
            "The token_value given for %s on service %s %s." % (self.params["user"], self.service.label, problem),
            hint="Give the token's current value (token_value), or set invalid_token_value: rotate to replace the "
                 "matching tokens with a new one (returned in token; the play must then keep it, the token store is "
                 "not written). Nothing was changed.")

    def value_problem(self):
        if not self.rows:
            return "does not belong to a token that exists in Moodle (no token of %s on %s%s is listed in %s)" % (
                self.params["user"], self.service.label,
                " named %s" % self.params["name"] if self.params["name"] else "", TOKENS_PATH)
        try:
            info = self.client.rest(SITE_INFO, token=self.value, read_only=True)
        except MoodleError as error:
            restrictions = sorted(set(row.ip_restriction for row in self.rows if row.ip_restriction))
            refusal = ip_refusal(error, restrictions[0], self.client.base_url) if (
                isinstance(error, AccessDeniedError) and len(restrictions) == 1) else None
            if refusal is not None:
                return "is refused by REST because of the token's IP restriction: %s (add that address to the " \
                       "token's IP restriction, or check the token from an address it lists)" % refusal[1]
            return "does not work: %s answered '%s'%s" % (
                SITE_INFO, self.moodle.redact(error.message).rstrip("."),
                " (errorcode %s)" % error.errorcode if error.errorcode else "")
        for key in ("userprivateaccesskey",):
            self.moodle.redact.add(info.get(key))
        if info.get("userid") != self.user_id:
            return "is a token of another user (%s), not of %s" % (info.get("username"), self.params["user"])
        offered = set(function.get("name") for function in info.get("functions") or [])
        expected = set(self.services.functions(self.service))
        if offered != expected:
            differing = sorted(offered ^ expected)
            return "is a token of %s for another service: it offers %d function(s), %s has %d (differing: %s%s)" % (
                self.params["user"], len(offered), self.service.label, len(expected), ", ".join(differing[:5]),
                ", ..." if len(differing) > 5 else "")
        return None

    def check(self, before, after):
        """A value Moodle shows once must have somewhere to go before the token is made (or an old one deleted)."""
        if self.chosen in ("create", "rotate") and self.value is None and not self.moodle.check_mode:
            check_writable(self.store.path)

    def describe(self, before, after):
        created = "token for %s on %s: created" % (self.params["user"], self.service.label)
        deleted = ["token %s (%s): deleted" % (row.id, row.name) for row in self.rows]
        return {"keep": [], "create": [created], "rotate": deleted + [created], "delete": deleted}[self.chosen]

    # -- writing -------------------------------------------------------------------------------------------------------
    def apply(self, plan):
        if self.chosen in ("rotate", "delete"):
            self.delete(self.rows)
        if self.chosen in ("create", "rotate"):
            if self.stale:
                self.store.drop(self.key)
            known_ids = self.listed_ids  # read just before: by read() for create, by delete() for rotate
            self.token = self.admin_tokens.create(self.user_id, self.service.id, self.params["name"],
                                                  self.params["ip_restriction"], self.valid_until)
            self.created = [row for row in self.matching() if row.id not in known_ids]
            self.token_id = self.created[0].id if self.created else None
            if self.value is None:  # with token_value the play keeps the value: the store is never written
                self.store.put(self.key, {"token": self.token, "token_id": self.token_id, "user": self.params["user"],
                                          "service": self.service.label, "name": self.params["name"],
                                          "created": int(time.time())})

    def delete(self, rows):
        for row in rows:
            self.admin_tokens.delete(row.id)
        left = [row.id for row in self.matching() if row.id in set(r.id for r in rows)]
        if left:
            raise WriteNotAppliedError("Moodle answered normally but tokens %s still exist." % left)
        if self.value is None:
            self.store.drop(self.key)

    def verify(self, plan):
        if self.chosen == "delete":
            return {"tokens": []}
        if self.created and self.created[0].missing_capabilities:
            self.moodle.warn(self.missing_capabilities_warning(self.created[0]))
        self.verified = self.verify_token(self.token)
        return {"tokens": [row.as_dict() for row in self.created]}

    def missing_capabilities_warning(self, row):
        return ("Token %s (%s) of %s on service %s: the user lacks capabilities that functions of the service need: %s "
                "(Moodle's token report, column Missing capabilities). Those functions will refuse the token: grant "
                "the capabilities to the user through a role (moodleops.auth.moodle_role), or leave the functions "
                "out of the service." % (
                    row.id, row.name, self.params["user"], self.service.label, ", ".join(row.missing_capabilities)))

    def verify_token(self, token):
        if not self.params["verify"]:
            return False
        try:
            self.client.rest(SITE_INFO, token=token, read_only=True)
            return True
        except AccessDeniedError as error:
            offered = SITE_INFO in self.services.functions(self.service)
            refusal = ip_refusal(error, self.params["ip_restriction"], self.client.base_url)
            # Moodle checks the token's IP restriction before anything else: its own words settle it; this host's
            # address outside the restriction does when the function was offered (else the refusal may be that).
            if refusal is not None and (offered or address_moodle_saw(error)):
                address, why = refusal
                raise AccessDeniedError(
                    "The new token (%s) is refused by REST because of its IP restriction: %s." % (
                        "kept in token_store" if self.value is None else "returned in the failure's token", why),
                    errorcode="accessexception",
                    hint="Add the address the module calls Moodle from to ip_restriction (for example '%s,%s'), or "
                         "set verify: false when only the listed addresses use the token.%s" % (
                             self.params["ip_restriction"], address, "" if self.value is not None else
                             " The token exists: a re-run keeps it and creates no other."))
            if not offered:
                return False
            raise AccessDeniedError(
                "The new token (%s) is refused by REST: %s cannot use service %s." % (
                    "kept in token_store" if self.value is None else "returned in the failure's token",
                    self.params["user"], self.service.label), errorcode="accessexception",
                hint="Give the user webservice/rest:use through a role (moodleops.auth.moodle_role), and check that "
                     "the service is enabled and, if restricted, that the user is authorised on it%s." % (
                         " and that Moodle sees this host's address inside ip_restriction '%s'"
                         % self.params["ip_restriction"] if self.params["ip_restriction"] else ""))

    # -- reporting -------------------------------------------------------------------------------------------------------
    def result(self, plan):
        if self.chosen == "delete" and not self.moodle.check_mode:
            self.store.drop(self.key)
        self.moodle.reveal(self.token)
        rows = [row for row in self.created + self.rows if self.token_id is not None and row.id == self.token_id]
        return {"token": self.token, "token_id": self.token_id, "user_id": self.user_id, "verified": self.verified,
                "service": {"id": self.service.id, "name": self.service.name, "shortname": self.service.shortname},
                "missing_capabilities": rows[0].missing_capabilities if rows else None}


class TokenByLogin:
    """method: login, state: present: the user's own credentials through login/token.php, no admin page."""

    def __init__(self, moodle):
        self.moodle = moodle
        self.params = moodle.params
        self.resource = TokenResource(moodle)  # the same input checks
        self.store = self.resource.store

    def run(self):
        params, moodle = self.params, self.moodle
        client = moodle.client
        key = store_key(client.base_url, params["user"].strip().lower(), params["service"], params["name"])
        entry = self.store.get(key)
        changes = ["token for %s on %s: fetched" % (params["user"], params["service"])]
        user_id, verified = None, False
        if moodle.check_mode:
            if entry:
                moodle.redact.add(entry["token"])
            token, changed = (entry["token"] if entry else None), entry is None
        else:
            check_writable(self.store.path)
            token = token_from_login(client, params["user"], params["user_password"], params["service"])
            changed = not entry or entry.get("token") != token
            if changed:
                self.store.put(key, {"token": token, "token_id": None, "user": params["user"],
                                     "service": params["service"], "name": params["name"], "created": int(time.time())})
            if changed and params["verify"]:
                try:
                    info = client.rest(SITE_INFO, token=token, read_only=True)
                    user_id, verified = info.get("userid"), True
                except AccessDeniedError as error:
                    moodle.warn("Could not verify the token with %s: %s" % (SITE_INFO, moodle.redact(str(error))))
        result = {"changed": changed, "changes": changes if changed else [], "token": token, "token_id": None,
                  "user_id": user_id, "verified": verified, "missing_capabilities": None,
                  "service": {"id": None, "name": None, "shortname": params["service"]}}
        if changed:
            moodle.add_diff(result, {"tokens": []}, {"tokens": []})
        moodle.reveal(token)
        return result


def manage_token(moodle):
    """moodle_token: the converge runner, or login/token.php for method: login with state: present."""
    if moodle.params["method"] == "login" and moodle.params["state"] == "present":
        moodle.run(lambda: TokenByLogin(moodle).run())
    else:
        moodle.converge(TokenResource)


TOKEN_OPTIONS = dict(
    user=dict(type="str", required=True),
    service=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "rotated", "absent"]),
    method=dict(type="str", default="admin", choices=["admin", "login"]),
    user_password=dict(type="str", no_log=True),
    name=dict(type="str"),
    ip_restriction=dict(type="str"),
    valid_until=dict(type="str"),
    token_store=dict(type="path", no_log=False),
    verify=dict(type="bool", default=True),
    token_value=dict(type="str", no_log=True),
    invalid_token_value=dict(type="str", default="fail", choices=["fail", "rotate"]),
)
