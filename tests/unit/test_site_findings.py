# -*- coding: utf-8 -*-
"""The security findings on OAuth 2 issuers and MFA (site/findings.py), from the facts SiteReader gathers."""
import json

from ansible_collections.moodleops.auth.plugins.module_utils.site.findings import (
    mfa_findings,
    oauth2_findings,
    security_findings,
)

QUIET_SITE = {"tokens": [], "web_services": {"mobile": False}, "services": [],
              "auth_plugins": {"enabled": [], "settings": {}}}


def issuer(**changes):
    found = {"id": 1, "name": "Test IdP", "service": "custom", "enabled": True, "show_on_login_page": "everywhere",
             "require_confirmation": True, "allowed_domains": "",
             "endpoints": {"authorization_endpoint": "https://idp.example/authorize"},
             "user_field_mappings": {"email": "email", "given_name": "firstname"}}
    found.update(changes)
    return found


def checks(findings):
    return [(item["check"], item["severity"], item["subject"]) for item in findings]


def test_a_well_set_issuer_has_no_finding():
    assert oauth2_findings([issuer()]) == []
    assert oauth2_findings([issuer(require_confirmation=False, allowed_domains="example.edu")]) == []
    assert oauth2_findings([issuer(require_confirmation=False, user_field_mappings={"sub": "idnumber"})]) == []


def test_email_linking_without_confirmation_or_domains_is_high():
    found = oauth2_findings([issuer(require_confirmation=False, allowed_domains="  ")])
    assert checks(found) == [("oauth2_email_unconfirmed", "high", "oauth2 issuer Test IdP")]
    assert "require_confirmation" in found[0]["message"] and "allowed_domains" in found[0]["message"]


def test_login_button_of_a_disabled_issuer_or_one_without_endpoints():
    assert checks(oauth2_findings([issuer(enabled=False)])) == [
        ("oauth2_login_button_disabled", "low", "oauth2 issuer Test IdP")]
    assert checks(oauth2_findings([issuer(endpoints={})])) == [
        ("oauth2_login_button_no_endpoints", "medium", "oauth2 issuer Test IdP")]
    assert oauth2_findings([issuer(enabled=False, show_on_login_page="internal", endpoints={})]) == []


def test_mfa_off_and_unknown():
    assert checks(mfa_findings({"enabled": False, "factors": {}})) == [("mfa_off", "medium", "tool_mfa/enabled")]
    assert mfa_findings(None) == []


def test_a_safe_range_of_every_address_is_high():
    for ranges in (["10.0.0.0/8", "0.0.0.0/0"], ["::/0"], "127.0.0.1/32\n0.0.0.0/0"):
        mfa = {"enabled": True, "factors": {"iprange": {"enabled": True, "weight": 100, "settings": {"safeips": ranges}}}}
        assert checks(mfa_findings(mfa)) == [("mfa_iprange_everything", "high", "factor_iprange/safeips")]
    narrow = {"enabled": True, "factors": {"iprange": {"enabled": True, "settings": {"safeips": ["10.0.0.0/8"]}}}}
    assert mfa_findings(narrow) == []
    off = {"enabled": True, "factors": {"iprange": {"enabled": False, "settings": {"safeips": ["0.0.0.0/0"]}}}}
    assert mfa_findings(off) == []


def test_security_findings_include_both_and_old_facts_still_read():
    assert security_findings(QUIET_SITE) == []
    site = dict(QUIET_SITE, oauth2_issuers=[issuer(require_confirmation=False)], mfa={"enabled": False})
    assert [item["check"] for item in security_findings(site)] == ["oauth2_email_unconfirmed", "mfa_off"]
    assert "S3cret" not in json.dumps(security_findings(dict(site, oauth2_issuers=[issuer(client_secret="S3cret")])))
