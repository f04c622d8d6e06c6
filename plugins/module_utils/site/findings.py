# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What moodle_site_info reports beyond the description: security findings (``security``) and what a description
does not manage (``unmanaged``), both from the facts ``SiteReader.read`` gathered (never a secret)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.moodleops.auth.plugins.module_utils.moodle.webservice import MOBILE_SERVICE


def _finding(check, severity, subject, message):
    return {"check": check, "severity": severity, "subject": subject, "message": message}


def security_findings(site, stale_store_entries=()):
    """What real sites get wrong, from the facts ``SiteReader.read`` gathered (never a secret); with
    ``stale_store_entries`` (``SiteReader.stale_store_entries``), also the token store's entries of tokens that are
    gone."""
    findings = []
    web = site["web_services"]
    for token in site["tokens"]:
        subject = "token %s (%s on %s%s)" % (token["id"], token["user"] or token["user_fullname"], token["service"],
                                             ", %s" % token["name"] if token["name"] else "")
        if token["expired"]:
            findings.append(_finding("token_expired", "low", subject,
                                     "expired on %s but still on the site: delete it" % token["valid_until"]))
        elif not token["valid_until"]:
            findings.append(_finding("token_no_expiry", "medium", subject,
                                     "never expires (valid until: none): give tokens a valid_until and rotate them"))
        if not token["ip_restriction"]:
            findings.append(_finding("token_no_ip_restriction", "medium", subject,
                                     "usable from any address: set ip_restriction to the hosts that call the service"))
    if web["mobile"]:
        findings.append(_finding("mobile_web_service_on", "high", "enablemobilewebservice",
                                 "the mobile web service is on: it grants webservice/rest:use to every authenticated "
                                 "user and enables %s (any user can get a token for it)" % MOBILE_SERVICE))
    for service in site["services"]:
        if service["enabled"] and not service["restricted_users"]:
            findings.append(_finding("service_not_restricted", "medium",
                                     "service %s" % (service["shortname"] or service["name"]),
                                     "enabled and open to every user with the capabilities its functions need "
                                     "(restricted_users: false): restrict it to authorised users"))
    auth = site["auth_plugins"]
    if "userkey" in auth["enabled"]:
        iprestriction = auth["settings"].get("userkey", {}).get("iprestriction")
        if iprestriction is None:
            findings.append(_finding("userkey_iprestriction_unknown", "info", "auth_userkey/iprestriction",
                                     "could not be read from the site"))
        elif iprestriction != "1":
            findings.append(_finding("userkey_iprestriction_off", "high", "auth_userkey/iprestriction",
                                     "off: a login URL works from any address; turn iprestriction on (and set "
                                     "ipwhitelist for the portal's hosts)"))
    if "apilogin" in auth["enabled"]:
        settings = auth["settings"].get("apilogin")
        if settings is None or "allowipaddr" not in settings:
            findings.append(_finding("apilogin_allowipaddr_unknown", "info", "auth_apilogin/allowipaddr",
                                     "unknown: auth_apilogin has no settings page, its settings live only in the "
                                     "config (check with: php admin/cli/cfg.php --component=auth_apilogin "
                                     "--name=allowipaddr); an empty value lets any address call its signed API"))
        elif not settings["allowipaddr"].strip():
            findings.append(_finding("apilogin_allowipaddr_empty", "high", "auth_apilogin/allowipaddr",
                                     "empty: any address can call the signed API (including logUser, which mints "
                                     "login tokens): list the hosts that call it"))
    findings.extend(oauth2_findings(site.get("oauth2_issuers") or []))
    findings.extend(mfa_findings(site.get("mfa")))
    for item in stale_store_entries:
        if item.get("pruned"):
            continue
        findings.append(_finding("token_store_stale_entry", "low", "token_store entry %s" % item["key"],
                                 "%s: the controller keeps the value of a token that is not on the site (a site "
                                 "restored from a backup, or a token deleted outside Ansible); it is not exported. "
                                 "Remove it with moodle_site_info prune_token_store: true" % item["reason"]))
    return findings


# OAuth 2 issuers shown on the login page: Moodle's show_on_login_page values that put a button there.
ON_LOGIN_PAGE = ("everywhere", "login_page")
# Safe IP ranges that are every address.
EVERY_ADDRESS = ("0.0.0.0/0", "::/0", "0/0", "::0/0")


def oauth2_findings(issuers):
    """Findings on the site's OAuth 2 issuers (``SiteReader.read_oauth2``): e-mail linking without a check, broken
    login buttons."""
    findings = []
    for issuer in issuers:
        subject = "oauth2 issuer %s" % issuer["name"]
        mappings = issuer.get("user_field_mappings") or {}
        links_by_email = "email" in mappings.values()
        if links_by_email and not issuer.get("require_confirmation") and not (issuer.get("allowed_domains") or "").strip():
            findings.append(_finding(
                "oauth2_email_unconfirmed", "high", subject,
                "maps the provider's e-mail to Moodle's email without require_confirmation and without "
                "allowed_domains: anyone who can set that e-mail address at the provider signs in as the Moodle "
                "account that has it (Moodle's docs warn about this account takeover path); tick "
                "require_confirmation or list allowed_domains"))
        if issuer.get("show_on_login_page") in ON_LOGIN_PAGE:
            if not issuer.get("enabled"):
                findings.append(_finding("oauth2_login_button_disabled", "low", subject,
                                         "set to show on the login page but disabled: no button is shown; enable "
                                         "it or set show_on_login_page: internal"))
            elif not issuer.get("endpoints"):
                findings.append(_finding("oauth2_login_button_no_endpoints", "medium", subject,
                                         "set to show on the login page but has no endpoints (a discovery that "
                                         "failed, or a template saved without internet): nobody can sign in "
                                         "with it; give its endpoints or delete and re-create it with base_url"))
    return findings


def mfa_findings(mfa):
    """Findings on multi-factor authentication (``SiteReader.read_mfa``; None: tool_mfa not read)."""
    if mfa is None:
        return []
    if not mfa.get("enabled"):
        return [_finding("mfa_off", "medium", "tool_mfa/enabled",
                         "multi-factor authentication is off: site administrators sign in with a password alone "
                         "(manual accounts cannot be switched off); turn it on (moodle_mfa) with factors the "
                         "automation passes, e.g. iprange with the controller's address")]
    findings = []
    iprange = (mfa.get("factors") or {}).get("iprange") or {}
    if iprange.get("enabled"):
        ranges = (iprange.get("settings") or {}).get("safeips") or []
        if isinstance(ranges, str):
            ranges = ranges.split()
        wide = [value for value in ranges if value.strip().replace(" ", "") in EVERY_ADDRESS]
        if wide:
            findings.append(_finding("mfa_iprange_everything", "high", "factor_iprange/safeips",
                                     "the safe IP range %s covers every address: the factor passes everyone; list "
                                     "only the networks that need it (the automation's address)" % ", ".join(wide)))
    return findings


# ---------------------------------------------------------------------------------------------- unmanaged objects
def unmanaged(site, managed):
    """What a description (``managed``: tokens [{user, service, name}], services [{shortname, name}] or labels,
    auth_plugins [names], webservices_services [labels]) does not manage but matters for security: tokens no entry
    owns, enabled auth plugins and enabled services it does not list."""
    managed = managed or {}
    entries = [entry for entry in managed.get("tokens") or [] if isinstance(entry, dict)]

    def owns(entry, token):
        if str(entry.get("user") or "").strip().lower() != token["user"]:
            return False
        if entry.get("service") not in (token["service"], token["service_name"]):
            return False
        return not entry.get("name") or entry.get("name") == token["name"]

    labels = set()
    for entry in managed.get("services") or []:
        if isinstance(entry, dict):
            labels.update(value for value in (entry.get("shortname"), entry.get("name")) if value)
        elif entry:
            labels.add(entry)
    labels.update(managed.get("webservices_services") or [])
    plugins = set(str(name).replace("auth_", "", 1) if str(name).startswith("auth_") else str(name)
                  for name in managed.get("auth_plugins") or [])
    shown = ("id", "user", "service", "name", "ip_restriction", "valid_until", "last_access", "creator")
    tokens = [dict((key, token[key]) for key in shown)
              for token in site["tokens"] if not any(owns(entry, token) for entry in entries)]
    services = [{"name": service["name"], "shortname": service["shortname"], "builtin": service["builtin"],
                 "restricted_users": service["restricted_users"]}
                for service in site["services"]
                if service["enabled"] and not ({service["name"], service["shortname"]} & labels)]
    auth_plugins = [name for name in site["auth_plugins"]["enabled"] if name not in plugins]
    return {"tokens": tokens, "services": services, "auth_plugins": auth_plugins}
