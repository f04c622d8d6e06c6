# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The JSON Schema (draft 2020-12) of a site description (the ``moodle_site`` variable), kept as Python data so
that controller-side plugins import it; ``tools/schema_doc.py`` exports it as ``meta/moodle_site.schema.json`` and
renders ``docs/site-description.md`` from it (tests check both are current).

Each section's items take the options of one module (``x-moodleops-module``), minus the connection options; a key
that is a module option under another name says so with ``x-moodleops-option``; keys the module does not have are
marked ``x-moodleops-extension`` and explained (tests/unit/test_site_schema.py compares all this with the modules'
argument specs)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.moodleops.auth.plugins.module_utils.moodle.facts import (
    APILOGIN_SETTABLE_FIELDS,
    APILOGIN_TEXT_FIELDS,
    PROFILE_FIELDS,
)
from ansible_collections.moodleops.auth.plugins.module_utils.site.registry import SECTION_NAMES

SCHEMA_ID = "https://github.com/moodleops/auth/blob/main/meta/moodle_site.schema.json"

# The order in which the sections are applied (and listed in docs): the section registry's.
SECTION_ORDER = SECTION_NAMES

# Keys whose values are secrets: never shown in a validation problem.
SECRET_KEYS = ("password", "secret", "user_password", "token", "token_value")

CONTEXT_LEVELS = ["system", "user", "category", "course", "module", "block"]
PERMISSIONS = ["allow", "prevent", "prohibit", "inherit"]


def _str(description, **extra):
    schema = {"type": "string", "description": description}
    schema.update(extra)
    return schema


def _bool(description, **extra):
    schema = {"type": "boolean", "description": description}
    schema.update(extra)
    return schema


def _strings(description, **extra):
    schema = {"type": "array", "items": {"type": "string"}, "description": description}
    schema.update(extra)
    return schema


def _enum(choices, description, **extra):
    schema = {"type": "string", "enum": list(choices), "description": description}
    schema.update(extra)
    return schema


def _item(module, description, properties, required=(), **extra):
    schema = {
        "type": "object",
        "description": description,
        "x-moodleops-module": module,
        "additionalProperties": False,
        "properties": properties,
    }
    if required:
        schema["required"] = list(required)
    schema.update(extra)
    return schema


WEBSERVICES = _item(
    "moodleops.auth.moodle_webservice_enable",
    "Web services, their protocols and the mobile web service (one moodle_webservice_enable task).",
    {
        "enabled": _bool("Web services on (true) or off (false): the module's state present/absent.",
                         default=True, **{"x-moodleops-option": "state",
                                          "x-moodleops-values": {"true": "present", "false": "absent"}}),
        "protocols": _strings("Protocols to enable (rest, soap); others are left alone unless exclusive.",
                              default=["rest"]),
        "exclusive": _bool("Disable every enabled protocol that protocols does not list.", default=False),
        "mobile": _bool("The mobile web service on or off; omitted leaves it untouched."),
        "services": _strings("External services to ensure enabled, by shortname (or by name for services that "
                             "have none).", default=[]),
    },
)

USER = _item(
    "moodleops.auth.moodle_user",
    "A local Moodle account (one moodle_user task each).",
    {
        "username": _str("The account's username (lower case, as Moodle stores it)."),
        "state": _enum(["present", "absent", "suspended"],
                       "present: exists with these fields and active; suspended: exists and suspended; "
                       "absent: deleted.", default="present"),
        "auth": _str("The account's authentication plugin (webservice for token-only service accounts).",
                     default="manual"),
        "firstname": _str("First name; needed to create the account."),
        "lastname": _str("Last name; needed to create the account."),
        "email": _str("Email address; needed to create the account."),
        "password": _str("The account's password (a secret: use a vault variable). Set at creation, or on every "
                         "run with update_password: always. Not for auth plugins without passwords (webservice)."),
        "update_password": _enum(["on_create", "always"], "When password is set.", default="on_create"),
        "idnumber": _str("The ID number."),
        "profile": {
            "type": "object",
            "description": "Other fields of the user form: the standard ones below and custom profile fields as "
                           "profile_field_<shortname>.",
            "properties": dict((name, {"type": ["string", "integer", "null"], "description": "Profile field %s." % name})
                               for name in PROFILE_FIELDS),
            "patternProperties": {
                "^profile_field_[A-Za-z0-9_]+$": {"type": ["string", "integer", "boolean", "null"],
                                                  "description": "A custom profile field."},
            },
            "additionalProperties": False,
        },
        "force_password_change": _bool("Ask the user to change the password at the next login."),
    },
    required=["username"],
)

ROLE = _item(
    "moodleops.auth.moodle_role",
    "A role, its capabilities and who holds it at system level (one moodle_role task each).",
    {
        "shortname": _str("The role's short name (unique), which finds it."),
        "name": _str("The role's full name; for a new role the short name when omitted."),
        "description": _str("The role's description."),
        "archetype": _str("The role archetype (manager, user, ...); an empty string for none."),
        "context_levels": {
            "type": "array",
            "items": {"type": "string", "enum": list(CONTEXT_LEVELS)},
            "description": "Where the role can be assigned (a role for users needs system).",
        },
        "capabilities": {
            "type": "object",
            "description": "Capability name (component/area:name) to permission.",
            "default": {},
            "propertyNames": {"pattern": "^[^/:\\s]+/[^/:\\s]+:[^/:\\s]+$",
                              "x-moodleops-message": "is not a capability name (component/area:name)"},
            "additionalProperties": {"type": "string", "enum": list(PERMISSIONS)},
        },
        "exclusive": _bool("Set every capability not in capabilities back to inherit.", default=False),
        "users": _strings("Usernames that hold the role at system context (exactly these, or at least these "
                          "with append)."),
        "append": _bool("Only add users; never unassign anyone.", default=False),
        "state": _enum(["present", "absent"], "present creates or updates the role; absent deletes it.",
                       default="present"),
    },
    required=["shortname"],
)

SERVICE = _item(
    "moodleops.auth.moodle_external_service",
    "An external service (one moodle_external_service task each). Needs name or shortname.",
    {
        "name": _str("The service's name (unique on the site); needed to create a service."),
        "shortname": _str("The service's shortname (set only at creation)."),
        "state": _enum(["present", "absent"], "present creates or updates the service; absent deletes it.",
                       default="present"),
        "enabled": _bool("Whether the service is enabled; omitted: a new service is enabled, an existing one is "
                         "left as it is."),
        "functions": _strings("Web service function names (exactly these, or at least these with append)."),
        "append": _bool("Only add functions and authorised_users; never remove any.", default=False),
        "restricted_users": _bool("Only authorised users may use the service."),
        "authorised_users": _strings("Usernames authorised on a restricted service."),
        "required_capability": _str("A capability users need to use the service; an empty string for none."),
        "can_download_files": _bool("Users can download files through the service."),
        "can_upload_files": _bool("Users can upload files through the service."),
    },
    anyOf=[{"required": ["shortname"]}, {"required": ["name"]}],
)

TOKEN = _item(
    "moodleops.auth.moodle_token",
    "A web service token of a user for a service (one moodle_token task each; the key user@service#name must be "
    "unique).",
    {
        "user": _str("Username of the token's owner."),
        "service": _str("The external service, by shortname (or by name for services that have none)."),
        "state": _enum(["present", "rotated", "absent"],
                       "present ensures a token exists; rotated replaces it (always a change); absent deletes it.",
                       default="present"),
        "method": _enum(["admin", "login"], "admin: the admin token page; login: login/token.php with "
                                            "user_password.", default="admin"),
        "user_password": _str("The password of user, for method: login (a secret: use a vault variable)."),
        "name": _str("The token's name (Moodle 4.3 and later); part of the token's key."),
        "ip_restriction": _str("IP addresses or ranges allowed to use the token (10.0.0.0/8,192.0.2.1)."),
        "valid_until": _str("Expiry, as a date (YYYY-MM-DD) or a number of seconds from now; omitted: none."),
        "token_store": _str("The JSON file keeping created token values, on the host that runs the module "
                            "(default: tokens.json in the state directory)."),
        "verify": _bool("Prove a new token works with core_webservice_get_site_info.", default=True),
        "token_value": _str("The token's value when the play already holds it (a secret: use a vault variable): "
                            "checked against Moodle (listed, answers as user on service), nothing changed, no "
                            "token store."),
        "invalid_token_value": _enum(["fail", "rotate"], "With token_value: fail when it does not work, or rotate "
                                                         "(replace the matching tokens; the new value is returned).",
                                     default="fail"),
    },
    required=["user", "service"],
)

AUTH_PLUGIN = _item(
    "moodleops.auth.moodle_auth_plugin",
    "An auth plugin (one moodle_auth_plugin task each). The list order is the site's auth order of the enabled "
    "ones.",
    {
        "name": _str("The plugin's name without auth_ (userkey, apilogin, cas, ...)."),
        "state": _enum(["enabled", "disabled", "absent"],
                       "enabled or disabled; absent means disabled (a plugin cannot be uninstalled over HTTP); "
                       "omitted leaves it as it is (settings only).",
                       **{"x-moodleops-extension": {"choices": ["absent"], "means": "disabled"}}),
        "position": {"type": "integer", "minimum": 1,
                     "description": "Place in the order of enabled plugins, 1 being the first (needs state: "
                                    "enabled); by default the place in this list."},
        "settings": {
            "type": "object",
            "description": "The plugin's settings by name (the part after auth_<name>/); secret ones (apikey, "
                           "anything named like a password or secret) belong in vault variables. A boolean "
                           "(true/false, and an unquoted yes/no/on/off, which YAML reads as one) only for a checkbox "
                           "or a select of 0 and 1: the settings page is read first, and a boolean for a text "
                           "setting fails before any write (quote it: ipwhitelist: 'off').",
            "default": {},
            "additionalProperties": {"type": ["string", "integer", "number", "boolean"]},
        },
    },
    required=["name"],
)

_APILOGIN_COLUMN = {"type": ["string", "integer", "boolean"]}
_APILOGIN_TEXT_COLUMN = {"type": ["string", "integer"]}

APILOGIN_USER = {
    "type": "object",
    "description": "A user as columns of Moodle's user table; must hold the match_field.",
    "additionalProperties": False,
    "properties": dict(
        [(name, dict(_APILOGIN_TEXT_COLUMN if name in APILOGIN_TEXT_FIELDS else _APILOGIN_COLUMN,
                     description="User column %s." % name)) for name in APILOGIN_SETTABLE_FIELDS]
        + [("id", {"type": "integer", "description": "The user's id (only with match_field: id)."}),
           ("state", _enum(["present", "absent", "suspended"],
                           "present: exists with these fields; suspended: the same, and suspended; absent: deleted.",
                           default="present", **{"x-moodleops-option": "state"}))]),
}

APILOGIN = _item(
    "moodleops.auth.moodle_apilogin_user",
    "Users through auth_apilogin's signed API, in bulk (moodle_apilogin_user tasks with users, one per state).",
    {
        "secret": _str("The plugin's apikey (a secret: use a vault variable); MOODLE_APILOGIN_SECRET when "
                       "omitted."),
        "match_field": _enum(["id", "username", "email", "idnumber"], "The column that identifies a user.",
                             default="username"),
        "stop_on_error": _bool("Stop at the first user whose writes fail.", default=False),
        "parallel": {"type": "integer", "minimum": 1, "maximum": 8, "default": 4,
                     "description": "Connections the writes of many users are spread over (1-8)."},
        "report_unchanged": _bool("List unchanged users in the results too.", default=False),
        "users": dict(_strings("The users."), items=APILOGIN_USER),
    },
    required=["users"],
    allOf=[
        {"if": {"properties": {"match_field": {"const": field}},
                "required": ["match_field"]},
         "then": {"properties": {"users": {"items": {"required": [field]}}}}}
        for field in ("id", "email", "idnumber")
    ] + [
        {"if": {"not": {"required": ["match_field"]}},
         "then": {"properties": {"users": {"items": {"required": ["username"]}}}}},
        {"if": {"properties": {"match_field": {"const": "username"}},
                "required": ["match_field"]},
         "then": {"properties": {"users": {"items": {"required": ["username"]}}}}},
    ],
)


# The platform details form needs all five or none (moodle_lti_platform's own rule).
LTI_PLATFORM_DETAILS = ("platform_id", "client_id", "authentication_request_url", "jwks_url", "access_token_url")

LTI_PLATFORM = _item(
    "moodleops.auth.moodle_lti_platform",
    "An LTI 1.3 platform registration of Moodle as a tool (one moodle_lti_platform task each): enrol_lti, auth_lti "
    "and allowframembedding switched on, the registration found by name (or issuer + client ID). Only name: a "
    "pending registration (its tool URLs are returned to hand to the platform).",
    {
        "name": _str("The platform's name in Moodle (Platform name)."),
        "state": _enum(["present", "absent"], "present: registered with these details; absent: deleted.",
                       default="present"),
        "platform_id": _str("The platform's issuer (Platform ID)."),
        "client_id": _str("The client ID the platform gave the tool."),
        "authentication_request_url": _str("The platform's OIDC authentication request URL.", format="uri"),
        "jwks_url": _str("The platform's public keyset URL.", format="uri"),
        "access_token_url": _str("The platform's access token URL.", format="uri"),
        "enable_plugins": _bool("Switch on enrol_lti, auth_lti and allowframembedding when they are off.",
                                default=True),
    },
    required=["name"],
    allOf=[{"if": {"anyOf": [{"required": [key]} for key in LTI_PLATFORM_DETAILS]},
            "then": {"required": list(LTI_PLATFORM_DETAILS)}}],
)

OAUTH2_ISSUER = _item(
    "moodleops.auth.moodle_oauth2_issuer",
    "An OAuth 2 service (issuer) of core's OAuth 2 services (one moodle_oauth2_issuer task each), found by name. "
    "Sign-in with it needs auth_oauth2 enabled (auth_plugins). Issuer and endpoint URLs must be https://.",
    {
        "name": _str("The issuer's name (unique on the site: the key)."),
        "state": _enum(["present", "absent"], "present: exists with these settings; absent: deleted.",
                       default="present"),
        "service": _enum(["custom", "google", "microsoft", "facebook", "nextcloud", "linkedin", "clever",
                          "moodlenet"],
                         "custom, or the template Moodle fills in (used when the issuer is created).",
                         default="custom"),
        "client_id": _str("The client ID the provider gave Moodle."),
        "client_secret": _str("The client secret (a secret: use a vault variable)."),
        "base_url": _str("The provider's base URL (https://): Moodle discovers the endpoints from "
                         "<base_url>/.well-known/openid-configuration when the issuer is created.", format="uri"),
        "image": _str("The logo URL of the login page button."),
        "show_on_login_page": _enum(["everywhere", "login_page", "internal", "smtp"],
                                    "everywhere: login page and internal services; login_page: login page only; "
                                    "internal: internal services only; smtp: SMTP auth with XOAUTH2."),
        "login_page_name": _str("The button's text on the login page (the name when empty)."),
        "system_email": _str("The e-mail of the system account (SMTP with XOAUTH2)."),
        "login_scopes": _str("Scopes of a login, space separated."),
        "login_scopes_offline": _str("Scopes of an offline login, space separated."),
        "login_params": _str("Extra parameters of a login request (a=b&c=d)."),
        "login_params_offline": _str("Extra parameters of an offline login request."),
        "allowed_domains": _str("E-mail domains allowed to sign in, comma separated (empty: any)."),
        "require_confirmation": _bool("Require e-mail confirmation before linking an account."),
        "basic_auth": _bool("Send the client credentials with HTTP basic authentication."),
        "enabled": _bool("Enabled (listed and usable)."),
        "endpoints": {"type": "object", "description": "Endpoints by name (authorization_endpoint, token_endpoint, "
                                                       "userinfo_endpoint, ...) -> https:// URL.",
                      "additionalProperties": {"type": "string"}},
        "endpoints_mode": _enum(["append", "exact"], "append: add and update the endpoints given; exact: also "
                                "delete the others.", default="append"),
        "user_field_mappings": {"type": "object", "description": "User field mappings: the provider's claim -> "
                                                                 "Moodle's user field.",
                                "additionalProperties": {"type": "string"}},
        "user_field_mappings_mode": _enum(["append", "exact"], "append: add and update the mappings given; exact: "
                                          "also delete the others.", default="append"),
    },
    required=["name"],
)


MFA_FACTOR = {
    "type": "object",
    "description": "One factor: enabled, weight and its settings (names without s_factor_<name>_).",
    "additionalProperties": False,
    "properties": {
        "enabled": _bool("The factor counts at login."),
        "weight": {"type": "integer", "minimum": 0, "maximum": 100,
                   "description": "Points the factor gives; a login needs 100."},
        "settings": {"type": "object", "description": "The factor's settings as its settings page offers them "
                                                      "(iprange: safeips, auth: goodauth, ...).",
                     "additionalProperties": {"type": ["string", "integer", "boolean", "array"]}},
    },
}

MFA = _item(
    "moodleops.auth.moodle_mfa",
    "Multi-factor authentication (tool_mfa, one moodle_mfa task): on or off, its factors and their order. After a "
    "change the automation's own login is proved in a fresh session; a change that would lock it out is reverted "
    "and fails.",
    {
        "enabled": _bool("tool_mfa on (every login needs factors worth 100) or off."),
        "factors": {"type": "object",
                    "description": "Factors by name (iprange, totp, email, auth, admin, nosetup, ... as the site "
                                   "offers them).",
                    "default": {}, "additionalProperties": MFA_FACTOR},
        "factor_order": _strings("The order of the factors (names), first first."),
        "settings": {"type": "object", "description": "Other tool_mfa settings (lockout, redir_exclusions, ...).",
                     "default": {}, "additionalProperties": {"type": ["string", "integer", "boolean", "array"]}},
        "lockout_check": _bool("Prove after a change that the automation's account still logs in (revert and fail "
                               "otherwise).", default=True),
    },
)


def _list(description, item):
    return {"type": "array", "description": description, "items": item}


# The schema of each section of the registry (a section without one fails here, at import).
SECTION_SCHEMAS = {
    "webservices": WEBSERVICES,
    "users": _list("Local accounts (moodle_user).", USER),
    "roles": _list("Roles (moodle_role).", ROLE),
    "services": _list("External services (moodle_external_service).", SERVICE),
    "tokens": _list("Web service tokens (moodle_token).", TOKEN),
    "auth_plugins": _list("Auth plugins (moodle_auth_plugin); the order of the enabled ones is the site's "
                          "auth order.", AUTH_PLUGIN),
    "oauth2_issuers": _list("OAuth 2 services (moodle_oauth2_issuer); sign-in with them needs auth_oauth2 enabled "
                            "(auth_plugins).", OAUTH2_ISSUER),
    "apilogin": APILOGIN,
    "lti_platforms": _list("LTI 1.3 platform registrations of Moodle as a tool (moodle_lti_platform).", LTI_PLATFORM),
    "mfa": MFA,
}

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "title": "moodle_site",
    "description": ("A Moodle site's authentication side as desired state (the moodle_site variable). Sections are "
                    "applied in this order: %s. Every list item takes state: absent." % ", ".join(SECTION_ORDER)),
    "type": "object",
    "additionalProperties": False,
    "properties": dict((name, SECTION_SCHEMAS[name]) for name in SECTION_ORDER),
}
