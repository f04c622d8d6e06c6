# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One OAuth 2 service (issuer) of Moodle, found by name, with its endpoints and user field mappings: what
moodle_oauth2_issuer converges (the pages: moodle/oauth2.py). OAUTH2_ISSUER_OPTIONS is the entry spec a site
description section can reuse as it is."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.moodleops.auth.plugins.module_utils.converge import Resource
from ansible_collections.moodleops.auth.plugins.module_utils.errors import (
    HttpsOnlyError,
    InvalidInputError,
    WriteNotAppliedError,
)
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.oauth2 import (
    LOGIN_PATH,
    SHOW_ON_LOGIN_PAGE,
    TEMPLATES,
    TEXT_FIELDS,
    OAuth2Admin,
)
from ansible_collections.moodleops.auth.plugins.module_utils.site.section import Section

SERVICES = ("custom",) + TEMPLATES
# Moodle's user fields a mapping can fill (the internalfield select of 4.5.6 and 5.1.3)
INTERNAL_FIELDS = ("firstname", "lastname", "email", "city", "country", "lang", "description", "idnumber",
                   "institution", "department", "phone1", "phone2", "address", "firstnamephonetic", "lastnamephonetic",
                   "middlename", "alternatename", "picture", "username")
# options kept in the issuer's state dict, in the order change lines name them
STATE_OPTIONS = ("service", "client_id", "client_secret", "base_url", "image", "show_on_login_page", "login_page_name",
                 "system_email", "login_scopes", "login_scopes_offline", "login_params", "login_params_offline",
                 "allowed_domains", "require_confirmation", "basic_auth", "enabled")
SECRET_MASK = "********"

OAUTH2_ISSUER_OPTIONS = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    service=dict(type="str", default="custom", choices=list(SERVICES)),
    client_id=dict(type="str"),
    client_secret=dict(type="str", no_log=True),
    base_url=dict(type="str"),
    image=dict(type="str"),
    show_on_login_page=dict(type="str", choices=sorted(SHOW_ON_LOGIN_PAGE)),
    login_page_name=dict(type="str"),
    system_email=dict(type="str"),
    login_scopes=dict(type="str"),
    login_scopes_offline=dict(type="str"),
    login_params=dict(type="str"),
    login_params_offline=dict(type="str"),
    allowed_domains=dict(type="str"),
    require_confirmation=dict(type="bool"),
    basic_auth=dict(type="bool"),
    enabled=dict(type="bool"),
    endpoints=dict(type="dict"),
    endpoints_mode=dict(type="str", default="append", choices=["append", "exact"]),
    user_field_mappings=dict(type="dict"),
    user_field_mappings_mode=dict(type="str", default="append", choices=["append", "exact"]),
)


def endpoint_name(name):
    """Moodle's endpoint name: "authorization" and "authorization_endpoint" are both authorization_endpoint."""
    name = ("%s" % name).strip()
    return name if name.endswith("_endpoint") else name + "_endpoint"


def is_https(url):
    return ("%s" % (url or "")).strip().lower().startswith("https://") and len(url.strip()) > len("https://")


class OAuth2Issuer(Resource):
    """The state is the issuer as {name, service, client_id, client_secret, ..., endpoints: {name: url},
    user_field_mappings: {external: internal}, id}, or None."""

    name = "issuer"

    def __init__(self, moodle):
        Resource.__init__(self, moodle)
        self._found = None          # the issuer read: with the rows of its endpoints and mappings (ids)
        self._issuer_id = None      # the issuer apply created or updated (verify reads it back)
        self.moodle.redact.add(self.params.get("client_secret"))

    @property
    def admin(self):
        return self.driver(OAuth2Admin)

    # -- the protocol ------------------------------------------------------------------------------------------
    def check_options(self):
        """A name; https URLs (base_url, every endpoint); known internal fields; no empty endpoint or claim."""
        params = self.params
        if not (params.get("name") or "").strip():
            raise InvalidInputError("name must not be empty.", hint="Give the OAuth 2 service's name.")
        if params["state"] == "absent":
            return
        if params.get("base_url") and not is_https(params["base_url"]):
            raise HttpsOnlyError("base_url")
        if params.get("image") and not params["image"].strip().lower().startswith(("https://", "http://")):
            raise InvalidInputError("image must be a complete URL, not %r." % params["image"],
                                    hint="Give the logo's URL (https://...).")
        for name, url in (params.get("endpoints") or {}).items():
            if not ("%s" % name).strip() or ("%s" % name).strip() == "_endpoint":
                raise InvalidInputError("endpoints: an endpoint name must not be empty.",
                                        hint="Name endpoints as Moodle does: authorization_endpoint, token_endpoint, "
                                             "userinfo_endpoint (or authorization, token, userinfo).")
            if not isinstance(url, str) or not is_https(url):
                raise HttpsOnlyError("endpoints.%s" % name)
        for external, internal in (params.get("user_field_mappings") or {}).items():
            if not ("%s" % external).strip():
                raise InvalidInputError("user_field_mappings: an external claim name must not be empty.",
                                        hint="Map the provider's claim (given_name) to a Moodle field (firstname).")
            if internal not in INTERNAL_FIELDS:
                raise InvalidInputError(
                    "user_field_mappings.%s: %r is not a Moodle user field a mapping can fill." % (external, internal),
                    hint="Choose one of %s." % ", ".join(INTERNAL_FIELDS))

    def lock_name(self):
        return ("oauth2_issuer", self.params["name"].strip())

    def read(self):
        """The issuer of this name (the first in the list's order), with its form's values, endpoints and mappings."""
        name = self.params["name"].strip()
        for issuer in self.admin.issuers():
            if issuer["name"] == name:
                return self.read_issuer(issuer["id"], issuer)
        return None

    def desired(self, before):
        """None for state absent. An existing issuer: the options given over what it holds; endpoints and mappings
        appended to or replacing the ones found (the *_mode options). A new one (or one to create again): only the
        options given (the form's own defaults, or the template's, fill the rest)."""
        if self.params["state"] == "absent":
            return None
        existing = before is not None and not self.needs_recreate(before)
        wanted = dict(before) if existing else {"service": self.params.get("service") or "custom"}
        wanted["name"] = self.params["name"].strip()
        for option in STATE_OPTIONS:
            value = self.params.get(option)
            if value is None or option == "service":
                continue
            wanted[option] = value.strip() if isinstance(value, str) and option != "client_secret" else value
        if existing:
            wanted["service"] = self.params.get("service") or before["service"]
        base = before if existing else {}
        wanted["endpoints"] = self.combine(base.get("endpoints") or {}, self.given_endpoints(),
                                           self.params["endpoints_mode"], self.params.get("endpoints") is not None)
        wanted["user_field_mappings"] = self.combine(
            base.get("user_field_mappings") or {}, self.given_mappings(), self.params["user_field_mappings_mode"],
            self.params.get("user_field_mappings") is not None)
        return wanted

    def given_endpoints(self):
        return dict((endpoint_name(k), v.strip()) for k, v in (self.params.get("endpoints") or {}).items())

    def given_mappings(self):
        return dict((("%s" % k).strip(), v) for k, v in (self.params.get("user_field_mappings") or {}).items())

    def check(self, before, after):
        """The service type of an existing issuer cannot change (Moodle has no such edit)."""
        if before is not None and after is not None and not self.needs_recreate(before) and \
                before["service"] != after["service"]:
            raise InvalidInputError(
                "The OAuth 2 service %s is a %s service; service %s cannot be set on it." % (
                    before["name"], before["service"], after["service"]),
                hint="Delete it first (state: absent) to create it again from another template.")

    def action(self, before, after):
        if before is not None and after is not None and self.needs_recreate(before):
            return "recreate"
        return Resource.action(self, before, after)

    def describe(self, before, after):
        """"issuer <name>: created / deleted / recreated (...) / <what changes>", the secret never shown."""
        if before is None and after is None:
            return []
        if before is None:
            return ["issuer %s: created" % after["name"]]
        if after is None:
            return ["issuer %s: deleted" % before["name"]]
        if self.needs_recreate(before):
            return ["issuer %s: recreated (it was left without endpoints by a discovery that failed; discovery runs "
                    "only when Moodle creates a service)" % after["name"]]
        lines = []
        changed = [option for option in STATE_OPTIONS if after.get(option) != before.get(option)]
        if changed:
            lines.append("issuer %s: %s" % (before["name"], ", ".join(changed)))
        for key, label in (("endpoints", "endpoint"), ("user_field_mappings", "user field mapping")):
            old, new = before.get(key) or {}, after.get(key) or {}
            for item in sorted(set(old) | set(new)):
                if item not in new:
                    lines.append("issuer %s: %s %s deleted" % (before["name"], label, item))
                elif item not in old:
                    lines.append("issuer %s: %s %s added" % (before["name"], label, item))
                elif old[item] != new[item]:
                    lines.append("issuer %s: %s %s changed" % (before["name"], label, item))
        return lines

    def apply(self, plan):
        before, after = plan.before, plan.after
        if after is None:
            self.admin.delete(before["id"])
            return
        if plan.action == "recreate":
            self.admin.delete(before["id"])
            before = None
        if before is None:
            fields = dict((field, after[option]) for option, field in TEXT_FIELDS if after.get(option) is not None)
            fields.update(self.choice_fields(after))
            self._issuer_id = self.admin.create(fields, template=self.template(after),
                                                accept_risk=self.accept_risk(after))
            current = self.read_issuer(self._issuer_id)     # what discovery (or the template) put there
            # endpoints and mappings wanted: the discovered ones with the given ones appended (or only the given)
            after["endpoints"] = self.combine(current["endpoints"], self.given_endpoints(),
                                              self.params["endpoints_mode"], self.params.get("endpoints") is not None)
            after["user_field_mappings"] = self.combine(
                current["user_field_mappings"], self.given_mappings(), self.params["user_field_mappings_mode"],
                self.params.get("user_field_mappings") is not None)
        else:
            self._issuer_id = before["id"]
            current = before
            if [option for option in STATE_OPTIONS if option != "enabled" and after.get(option) != before.get(option)]:
                self.admin.update(before["id"], self.form_fields(after), accept_risk=self.accept_risk(after))
        self.apply_children(current, after)
        if after.get("enabled") is not None and bool(after["enabled"]) != bool(current.get("enabled")):
            self.admin.set_enabled(self._issuer_id, after["enabled"])

    def verify(self, plan):
        """The issuer as read back; WriteNotAppliedError naming what did not stick."""
        if plan.after is None:
            if self.read() is not None:
                raise WriteNotAppliedError("Moodle did not delete the OAuth 2 service %s (read back)." %
                                           plan.before["name"])
            return None
        found = self.read_issuer(self._issuer_id)
        wrong = [key for key in STATE_OPTIONS + ("name", "endpoints", "user_field_mappings")
                 if plan.after.get(key) is not None and found.get(key) != plan.after.get(key)]
        if wrong:
            raise WriteNotAppliedError("Moodle did not store %s of the OAuth 2 service %s (read back)." % (
                ", ".join(wrong), plan.after["name"]))
        return found

    def result(self, plan):
        issuer = plan.after if plan.after is None or "id" in plan.after else None
        shown = masked(issuer)
        return {
            "issuer": shown,
            "issuer_id": issuer["id"] if issuer else None,
            "endpoints": issuer.get("endpoints") if issuer else {},
            "user_field_mappings": issuer.get("user_field_mappings") if issuer else {},
            "login_url": self.login_url(issuer),
        }

    def diff(self, plan):
        return masked(plan.before) or {}, masked(plan.after) or {}

    # -- helpers -----------------------------------------------------------------------------------------------
    def read_issuer(self, issuer_id, listed=None):
        """The issuer's state (moodle/oauth2.py read_issuer); its secret is masked from here on, its rows kept for
        apply_children."""
        state, endpoints, mappings = self.admin.read_issuer(issuer_id, listed)
        self.moodle.redact.add(state["client_secret"])
        self._found = {"id": issuer_id, "endpoints": endpoints, "mappings": mappings}
        return state

    def needs_recreate(self, found):
        """An issuer with a base URL but no endpoint at all: its discovery failed when it was created (Moodle does not
        discover again on edit), so a run that wants a base URL deletes and creates it again."""
        return bool(self.params["state"] == "present" and (self.params.get("base_url") or "").strip()
                    and found.get("base_url") and not found.get("endpoints"))

    @staticmethod
    def combine(found, given, mode, was_given):
        if not was_given:
            return dict(found)
        if mode == "exact":
            return dict(given)
        merged = dict(found)
        merged.update(given)
        return merged

    def template(self, after):
        return None if after["service"] == "custom" else after["service"]

    @staticmethod
    def accept_risk(after):
        """acceptrisk is required (and not stored) on every save of a login issuer without email verification (a new
        issuer without these options keeps the form's: internal services, verification ticked)."""
        return after.get("show_on_login_page") not in (None, "internal") and after.get("require_confirmation") is False

    def form_fields(self, after):
        """Every field of the edit form from a complete state."""
        fields = dict((field, after.get(option) or "") for option, field in TEXT_FIELDS)
        fields.update(self.choice_fields(after))
        return fields

    @staticmethod
    def choice_fields(after):
        """The select and checkboxes of the form for the options the state holds."""
        fields = {}
        if after.get("show_on_login_page") is not None:
            fields["showonloginpage"] = SHOW_ON_LOGIN_PAGE[after["show_on_login_page"]]
        if after.get("require_confirmation") is not None:
            fields["requireconfirmation"] = bool(after["require_confirmation"])
        if after.get("basic_auth") is not None:
            fields["basicauth"] = bool(after["basic_auth"])
        return fields

    def apply_children(self, current, after):
        """Endpoints and mappings: add, change or delete each row that differs from ``after``."""
        issuer_id = self._issuer_id
        rows = self._found if self._found and self._found["id"] == issuer_id else {"endpoints": [], "mappings": []}
        wanted = after.get("endpoints") or {}
        seen = set()
        for row in rows["endpoints"]:
            if row["name"] not in wanted or row["name"] in seen:
                self.admin.delete_endpoint(issuer_id, row["id"])
            elif wanted[row["name"]] != row["url"]:
                self.admin.save_endpoint(issuer_id, row["name"], wanted[row["name"]], endpoint_id=row["id"])
            seen.add(row["name"])
        for name in sorted(set(wanted) - seen):
            self.admin.save_endpoint(issuer_id, name, wanted[name])
        wanted = after.get("user_field_mappings") or {}
        seen = set()
        for row in rows["mappings"]:
            if row["external"] not in wanted or row["external"] in seen:
                self.admin.delete_mapping(issuer_id, row["id"])
            elif wanted[row["external"]] != row["internal"]:
                self.admin.save_mapping(issuer_id, row["external"], wanted[row["external"]], mapping_id=row["id"])
            seen.add(row["external"])
        for external in sorted(set(wanted) - seen):
            self.admin.save_mapping(issuer_id, external, wanted[external])

    def login_url(self, issuer):
        """<wwwroot>/auth/oauth2/login.php?id=N: the path of the login page button of an issuer Moodle offers for
        login (enabled, client id and secret, login page, a userinfo endpoint). The button's sesskey belongs to the
        visitor's session and is left out."""
        if not issuer or not issuer.get("enabled") or \
                issuer.get("show_on_login_page") not in ("everywhere", "login_page"):
            return None
        endpoints = issuer.get("endpoints") or {}
        if not (issuer.get("client_id") and issuer.get("client_secret") and endpoints.get("userinfo_endpoint")
                and endpoints.get("authorization_endpoint") and endpoints.get("token_endpoint")):
            return None
        return "%s/%s?id=%d" % ((self.params.get("url") or "").rstrip("/"), LOGIN_PATH, issuer["id"])


def masked(issuer):
    """The issuer with its client secret shown as ******** (set) or "" (not set): for results and diffs."""
    if issuer is None:
        return None
    shown = dict(issuer)
    if shown.get("client_secret"):
        shown["client_secret"] = SECRET_MASK
    return shown


SECTION = Section("oauth2_issuers", order=65, role="sso", module="moodle_oauth2_issuer", options=OAUTH2_ISSUER_OPTIONS,
                  resource=OAuth2Issuer, label=lambda entry: "%s" % entry.get("name"))
