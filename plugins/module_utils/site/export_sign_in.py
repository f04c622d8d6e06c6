# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sign-in sections of a live site read back for moodle_site_info (SiteReader, site/export.py): OAuth 2 issuers
(``oauth2_issuers``) and multi-factor authentication (``mfa``), each as audit facts (never a secret) and as the
description entries that re-apply unchanged (a client secret as a vault placeholder)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError, PageError
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.mfa import MANAGE_SECTION, HttpMfa
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.oauth2 import OAuth2Admin
from ansible_collections.moodleops.auth.plugins.module_utils.resources.mfa import SettingForm

# Issuer options exported when not empty (text fields of the issuer form)
ISSUER_TEXT_OPTIONS = ("client_id", "image", "login_page_name", "system_email", "login_scopes", "login_scopes_offline",
                       "login_params", "login_params_offline", "allowed_domains")


def read_oauth2(client, redact, placeholders, placeholder, variable_name):
    """{"site": [issuer facts], "description": [oauth2_issuers entries]}. Facts leave the client secret out (only
    whether one is set); entries hold a placeholder for it, listed in ``placeholders``."""
    admin = OAuth2Admin(client)
    site, description = [], []
    for listed in admin.issuers():
        state, _endpoints, _mappings = admin.read_issuer(listed["id"], listed)
        secret = state.pop("client_secret")
        redact.add(secret)
        facts = dict(state, client_secret_set=bool(secret))
        site.append(facts)
        description.append(issuer_entry(state, secret, listed["name"], placeholders, placeholder, variable_name))
    return {"site": site, "description": description}


def issuer_entry(state, secret, name, placeholders, placeholder, variable_name):
    """An oauth2_issuers entry that re-applies unchanged: every setting, the endpoints and mappings exactly. The base
    URL only with endpoints: on an issuer without any, a base URL makes moodle_oauth2_issuer create it again."""
    entry = {"name": name, "service": state["service"]}
    for option in ISSUER_TEXT_OPTIONS:
        if state.get(option):
            entry[option] = state[option]
    if secret:
        variable = "oauth2_%s_client_secret" % name
        entry["client_secret"] = placeholder(variable)
        placeholders.append({"variable": variable_name(variable), "path": "oauth2_issuers[name=%s].client_secret" % name,
                             "what": "the client secret of the OAuth 2 service %s (not exported)" % name})
    if state.get("base_url") and state.get("endpoints"):
        entry["base_url"] = state["base_url"]
    entry.update({"show_on_login_page": state["show_on_login_page"],
                  "require_confirmation": state["require_confirmation"], "basic_auth": state["basic_auth"],
                  "enabled": state["enabled"],
                  "endpoints": dict(state["endpoints"]), "endpoints_mode": "exact",
                  "user_field_mappings": dict(state["user_field_mappings"]), "user_field_mappings_mode": "exact"})
    return entry


def read_mfa(client, settings):
    """{"site": facts, "description": the mfa entry}, both None when the site has no tool_mfa (Moodle before 4.3).
    Every factor's enabled state and weight, the order of the enabled ones, and the settings of the enabled ones (the
    settings of a disabled factor do not act: not read, one request less per factor)."""
    mfa = HttpMfa(client, settings)
    try:
        rows = mfa.factors()
        manage = SettingForm(settings.section_form(MANAGE_SECTION), "tool_mfa")
    except (InvalidInputError, PageError):
        return {"site": None, "description": None}
    factors = {}
    for row in rows:
        factor = {"enabled": bool(row["enabled"])}
        if row["weight"] is not None:
            factor["weight"] = row["weight"]
        if row["enabled"]:
            component = "factor_%s" % row["name"]
            form = SettingForm(settings.section_form(component), component)
            factor["settings"] = dict((key, form.shown(key, value)) for key, value in sorted(form.values.items())
                                      if key not in ("enabled", "weight"))
        factors[row["name"]] = factor
    state = {"enabled": manage.values.get("enabled") == "1", "factors": factors,
             "factor_order": [row["name"] for row in rows if row["enabled"]]}
    entry = dict(state, factors=dict((name, dict(factor)) for name, factor in factors.items()))
    return {"site": state, "description": entry}
