# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""moodle_token: the tokens of a user on a service as a converge resource, and its options."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import time

from ansible_collections.moodleops.auth.plugins.module_utils.converge import Resource
from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    AccessDeniedError,
    InvalidInputError,
    MoodleError,
    WebServicesDisabledError,
    WriteNotAppliedError,
)
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.tokens import (
    SITE_INFO,
    TOKENS_PATH,
    AdminTokens,
    address_moodle_saw,
    ip_refusal,
    parse_valid_until,
    restriction_set,
    token_from_login,
)
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.services import ExternalServices
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.users import Users
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.webservice import HttpWebServices
from ansible_collections.moodleops.auth.plugins.module_utils.site.section import PENDING, Section
from ansible_collections.moodleops.auth.plugins.module_utils.state_dir import check_writable
from ansible_collections.moodleops.auth.plugins.module_utils.token_store import TokenStore, store_key


class TokenOptions(Resource):
    """What both ways to a token share: moodle_token's option checks, the token store and the client, both made
    on first use (``__init__`` sends nothing and creates neither)."""

    def __init__(self, moodle):
        Resource.__init__(self, moodle)
        self.value = self.params.get("token_value")
        self.valid_until = None
        moodle.redact.add(self.params["user_password"])
        moodle.redact.add(self.value)
        self._store = None

    @property
    def client(self):
        """The run's client (created, not logged in, on first use)."""
        return self.moodle.client

    @property
    def store(self):
        """The token store (option token_store, else tokens.json in the state directory)."""
        if self._store is None:
            self._store = TokenStore(self.moodle.state.token_store(self.params["token_store"]))
        return self._store

    def open(self):
        """(client, token store), made in this order before the first request: both may warn (TLS, state dir)."""
        return self.client, self.store

    def check_options(self):
        """valid_until in the future, user_password for method: login, token_value and invalid_token_value only
        where they mean something."""
        params = self.params
        self.valid_until = parse_valid_until(params["valid_until"])
        if self.valid_until is not None and self.valid_until <= datetime.date.today():
            raise InvalidInputError("valid_until %s is not in the future." % self.valid_until)
        if params["method"] == "login" and params["state"] != "absent" and not params["user_password"]:
            raise InvalidInputError("method: login needs user_password (the password of %s)." % params["user"])
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


class TokenResource(TokenOptions):
    """The tokens of a user on a service (and name): one, whose value the run returns; or none.

    States are {"tokens": [rows of the token report, never values]}; a token still to be made is
    {"id": None, "name": ...}. What the run does (:meth:`action`): keep (the store or token_value has the value),
    create, rotate (delete the matching tokens, create one) or delete."""

    def __init__(self, moodle):
        TokenOptions.__init__(self, moodle)
        self.user_id = self.service = self.key = None
        self.rows, self.created, self.listed_ids = [], [], set()
        self.token, self.token_id, self.verified, self.stale = None, None, False, False

    @property
    def services(self):
        """The site's external services (admin/settings.php?section=externalservices)."""
        return self.driver(ExternalServices)

    @property
    def admin_tokens(self):
        """The token report and form (admin/webservice/tokens.php)."""
        return self.driver(AdminTokens)

    # -- reading ---------------------------------------------------------------------------------------------------
    def resolve(self):
        """The user's id, the service and the token store key of this task."""
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
        """Fail when web services or REST are off: a token would not answer."""
        web = HttpWebServices(self.client, self.moodle.settings)
        enabled, _mobile = web.switches()
        if not enabled or not web.protocols().get("rest"):
            raise WebServicesDisabledError(
                "Web services%s are off: a token would not answer (REST gives HTTP 403)." % (
                    "" if not enabled else " over REST"),
                hint="Run moodleops.auth.moodle_webservice_enable (state: present, protocols: [rest]) first.")

    def lock_name(self):
        """One lock per user/service/name, or per site while the admin session is shared (the session cache)."""
        if self.client.caches_session:
            # Moodle shows a new token's value once, in the admin's session, which the session cache shares between
            # concurrent tasks: a tokens.php page loaded by another task in between would take it. One lock per site.
            return "tokens", "shared admin session"
        return "token", "%s|%s|%s" % (self.params["user"].strip().lower(), self.params["service"], self.params["name"] or "")

    def read(self):
        """The matching rows of the token report (web services and REST must be on unless state: absent)."""
        self.open()
        self.resolve()
        if self.params["state"] != "absent":
            self.require_rest()
        self.rows = self.matching()
        return {"tokens": [row.as_dict() for row in self.rows]}

    # -- desired -----------------------------------------------------------------------------------------------------
    def desired(self, before):
        """Absent: no token. Rotated: a new one. Present: the token whose value the store (or token_value) has, a
        new one when none is listed; fails when tokens are listed whose value the module cannot have."""
        state = self.params["state"]
        new = {"tokens": [{"id": None, "name": self.params["name"]}]}
        if state == "absent":
            if not self.rows and not self.moodle.check_mode:
                # Nothing to delete, so nothing is applied: the store forgets a token Moodle no longer lists here.
                self.store.drop(self.key)
            return {"tokens": []}
        if state == "rotated":
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
            return new
        raise InvalidInputError(
            "The token_value given for %s on service %s %s." % (self.params["user"], self.service.label, problem),
            hint="Give the token's current value (token_value), or set invalid_token_value: rotate to replace the "
                 "matching tokens with a new one (returned in token; the play must then keep it, the token store is "
                 "not written). Nothing was changed.")

    def value_problem(self):
        """Why token_value is not the value of a matching token (a sentence part), or None when it is."""
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
        if self.action(before, after) in ("create", "rotate") and self.value is None and not self.moodle.check_mode:
            check_writable(self.store.path)

    def action(self, before, after):
        """What the run does, from the states and the options only: "delete" (no token wanted, some listed),
        "create" (a new token, none listed), "rotate" (a new token replacing the listed ones; state: rotated or
        invalid_token_value: rotate, even with none listed) or None (keep)."""
        listed, wanted = before["tokens"], after["tokens"]
        if not wanted:
            return "delete" if listed else None
        if not any(token.get("id") is None for token in wanted):
            return None
        if listed or self.params["state"] == "rotated" or self.value is not None:
            return "rotate"
        return "create"

    def describe(self, before, after):
        """One line per token deleted and one for the token created; none when the token is kept."""
        action = self.action(before, after)
        created = "token for %s on %s: created" % (self.params["user"], self.service.label)
        deleted = ["token %s (%s): deleted" % (row["id"], row["name"]) for row in before["tokens"]]
        return {None: [], "create": [created], "rotate": deleted + [created], "delete": deleted}[action]

    # -- writing -------------------------------------------------------------------------------------------------------
    def apply(self, plan):
        """Delete the listed tokens (rotate, delete), create the new one and keep its value (create, rotate)."""
        if plan.action in ("rotate", "delete"):
            self.delete(self.rows)
        if plan.action in ("create", "rotate"):
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
        """Delete tokens, check that Moodle lists none of them after, and drop the store's entry."""
        for row in rows:
            self.admin_tokens.delete(row.id)
        left = [row.id for row in self.matching() if row.id in set(r.id for r in rows)]
        if left:
            raise WriteNotAppliedError("Moodle answered normally but tokens %s still exist." % left)
        if self.value is None:
            self.store.drop(self.key)

    def verify(self, plan):
        """The state after: no token, or the created one (which must answer REST, when verify)."""
        if plan.action == "delete":
            return {"tokens": []}
        if self.created and self.created[0].missing_capabilities:
            self.moodle.warn(self.missing_capabilities_warning(self.created[0]))
        self.verified = self.verify_token(self.token)
        return {"tokens": [row.as_dict() for row in self.created]}

    def missing_capabilities_warning(self, row):
        """The warning for a token whose user lacks capabilities the service's functions need."""
        return ("Token %s (%s) of %s on service %s: the user lacks capabilities that functions of the service need: %s "
                "(Moodle's token report, column Missing capabilities). Those functions will refuse the token: grant "
                "the capabilities to the user through a role (moodleops.auth.moodle_role), or leave the functions "
                "out of the service." % (
                    row.id, row.name, self.params["user"], self.service.label, ", ".join(row.missing_capabilities)))

    def verify_token(self, token):
        """Whether the new token answered core_webservice_get_site_info (False: not checked or not offered); raises
        when REST refuses it."""
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
        """token (revealed: the module returns it on purpose), token_id, user_id, verified, service and
        missing_capabilities."""
        self.moodle.reveal(self.token)
        rows = [row for row in self.created + self.rows if self.token_id is not None and row.id == self.token_id]
        return {"token": self.token, "token_id": self.token_id, "user_id": self.user_id, "verified": self.verified,
                "service": {"id": self.service.id, "name": self.service.name, "shortname": self.service.shortname},
                "missing_capabilities": rows[0].missing_capabilities if rows else None}


class TokenByLogin(TokenOptions):
    """method: login, state: present: the user's own credentials through login/token.php, no admin page.

    States are {"stored_token": "current"} (the store has the value login/token.php gives; in check mode, which
    does not call it: the store has a value), "different" or "none"; wanted is "current"."""

    def __init__(self, moodle):
        TokenOptions.__init__(self, moodle)
        self.key = self.token = self.user_id = None
        self.verified = False

    def read(self):
        """The store's entry for user/service/name, and (not in check mode) whether it is still the value
        login/token.php gives: calling it may make Moodle create the token, so the store must be writable first."""
        params = self.params
        client, store = self.open()
        self.key = store_key(client.base_url, params["user"].strip().lower(), params["service"], params["name"])
        entry = store.get(self.key)
        if self.moodle.check_mode:
            if entry:
                self.moodle.redact.add(entry["token"])
            self.token = entry["token"] if entry else None
            return {"stored_token": "current" if entry else "none"}
        check_writable(store.path)
        self.token = token_from_login(client, params["user"], params["user_password"], params["service"])
        if not entry:
            return {"stored_token": "none"}
        return {"stored_token": "current" if entry.get("token") == self.token else "different"}

    def desired(self, before):
        """The store holds the value login/token.php gives."""
        return {"stored_token": "current"}

    def describe(self, before, after):
        """The one line of a token fetched (and stored)."""
        if before == after:
            return []
        return ["token for %s on %s: fetched" % (self.params["user"], self.params["service"])]

    def apply(self, plan):
        """Keep the fetched value in the token store."""
        params = self.params
        self.store.put(self.key, {"token": self.token, "token_id": None, "user": params["user"],
                                  "service": params["service"], "name": params["name"], "created": int(time.time())})

    def verify(self, plan):
        """Prove the fetched token with core_webservice_get_site_info (when verify); a refusal is a warning."""
        if self.params["verify"]:
            try:
                info = self.client.rest(SITE_INFO, token=self.token, read_only=True)
                self.user_id, self.verified = info.get("userid"), True
            except AccessDeniedError as error:
                self.moodle.warn("Could not verify the token with %s: %s" % (SITE_INFO, self.moodle.redact(str(error))))
        return plan.after

    def diff(self, plan):
        """No diff: nothing but the (secret) value changes, and no report row is read."""
        return None

    def result(self, plan):
        """token (revealed: the module returns it on purpose), user_id and verified; no report row is read."""
        self.moodle.reveal(self.token)
        return {"token": self.token, "token_id": None, "user_id": self.user_id, "verified": self.verified,
                "missing_capabilities": None,
                "service": {"id": None, "name": None, "shortname": self.params["service"]}}


def token_resource(context):
    """The resource of one moodle_token run: a token fetched through login/token.php, or one the admin pages make."""
    params = context.params
    if params["method"] == "login" and params["state"] == "present":
        return TokenByLogin(context)
    return TokenResource(context)


def manage_token(moodle):
    """moodle_token: its resource through the converge runner."""
    moodle.converge(token_resource)


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


# -- the site description's section ---------------------------------------------------------------------------------
def token_key(entry):
    """user@service[#name], the key of moodle_site_tokens."""
    return "%s@%s%s" % (entry.get("user"), entry.get("service"), "#%s" % entry["name"] if entry.get("name") else "")


def skip_token(entry, run):
    """(entry, why it is skipped or None): the run's tokens_rotate and tokens_filter, and references to objects check
    mode would create."""
    key = token_key(entry)
    if run.rotate:
        if entry.get("state", "present") == "absent":
            return entry, "state: absent (tokens_rotate rotates the others)"
        entry["state"] = "rotated"
    if run.filter is not None and not run.filter.search(key):
        return entry, "not matched by tokens_filter"
    for kind in ("user", "service"):
        if run.is_pending(kind, entry.get(kind)):
            return entry, "%s %s %s" % (kind, entry.get(kind), PENDING)
    return entry, None


def pending_token_changes(entry, skipped):
    """Check mode: a token of an account or service the run would create is not checked against the site (it cannot
    be), but it would be made: its change line, as moodle_token would say it."""
    if not skipped.endswith(PENDING) or entry.get("state", "present") == "absent":
        return []
    if entry.get("method") == "login" and entry.get("state", "present") == "present":
        return ["token for %s on %s: fetched" % (entry.get("user"), entry.get("service"))]
    return ["token for %s on %s: created" % (entry.get("user"), entry.get("service"))]


SECTION = Section("tokens", order=50, role="webservices", module="moodle_token", options=TOKEN_OPTIONS,
                  resource=token_resource, label=token_key, account_options=("user",), skip=skip_token,
                  pending_changes=pending_token_changes, returns_secret="token")
