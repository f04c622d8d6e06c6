"""Multi-factor authentication (flow f26): moodle.mfa.parse_factor_table (4.5.6 html_table links, 5.1.3 switches),
HttpMfa.factors, parse_my_ip (factor_iprange's hint), parse_interception / is_interception_url (auth.php), and the
factor settings forms as resources.mfa.SettingForm reads them."""

import re

from client_conformance.core import Case, client_on

from ansible_collections.moodleops.auth.plugins.module_utils.moodle.admin_settings import HttpSettings
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.mfa import (
    HttpMfa,
    is_interception_url,
    parse_factor_table,
    parse_interception,
    parse_my_ip,
)
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import Page
from ansible_collections.moodleops.auth.plugins.module_utils.resources.mfa import SettingForm

ALL_FACTORS = {"admin", "auth", "capability", "cohort", "email", "grace", "iprange", "nosetup", "role", "sms",
               "token", "totp", "webauthn"}


def raw_states(text, version):
    """(name, enabled) of the factor table by an independent reading of the raw text."""
    if version == "4.5.6":
        table = text[text.find('id="managemfatable"'):]
        table = table[:table.find("</table>")]
        return [(name, action == "disable") for action, name in
                re.findall(r"tool/mfa/index\.php\?action=(enable|disable)&amp;factor=(\w+)", table)]
    return [(plugin[len("factor_"):], state == "1") for plugin, state in
            re.findall(r'data-action="togglestate"\s+data-plugin="(factor_\w+)"\s+data-state="(\d)"', text)]


def factor_table(rec, version):
    rows = parse_factor_table(rec.text)
    assert [(row["name"], row["enabled"]) for row in rows] == raw_states(rec.text, version)
    assert set(row["name"] for row in rows) == ALL_FACTORS
    assert all(row["weight"] == 100 for row in rows)
    enabled = [row["name"] for row in rows if row["enabled"]]
    if version == "4.5.6":     # 5.1.3 lists tool_mfa's factor_order first, a disabled email included (556)
        assert [row["name"] for row in rows[:len(enabled)]] == enabled, "the enabled factors come first"
    by_name = dict((row["name"], row) for row in rows)
    for index, name in enumerate(enabled):
        links = by_name[name]["links"]
        if version == "4.5.6":  # 5.1.3 places its arrows by the row among factor_order's (disabled email too)
            assert ("up" in links) == (index > 0) and ("down" in links) == (index < len(enabled) - 1)
        for href in links.values():
            assert "tool/mfa/index.php?" in href and "&amp;" not in href
            assert ("factor=" if version == "4.5.6" else "plugin=") + name in href
    read = HttpMfa(client_on(version, rec), None).factors()
    assert read == rows


def my_ip(rec, version):
    assert parse_my_ip(rec.text) == "127.0.0.1"


def intercepted_redirect(rec, version):
    assert rec.status == 303 and is_interception_url(rec.location)


def not_intercepted(rec, version):
    assert parse_interception(rec.text) is None
    assert not rec.location or not is_interception_url(rec.location)


def unable(rec, version):
    assert parse_interception(rec.text) == {"page": "unable", "factor": None}
    assert rec.page.user_id == 2, "M.cfg.userId is already set: only the page tells"


def verify_email(rec, version):
    assert parse_interception(rec.text) == {"page": "verify", "factor": "email"}


def factor_form(section, expected):
    def check(rec, version):
        form = SettingForm(HttpSettings(client_on(version, rec)).section_form(section), section)
        for name, (kind, value) in expected.items():
            assert form.kind(name) == kind, name
            if value is not None:
                assert form.values[name] == value, name
        assert set(form.fields) == set(expected)
    return check


def goodauth_offers(rec, version):
    form = SettingForm(HttpSettings(client_on(version, rec)).section_form("factor_auth"), "factor_auth")
    offered = sorted(re.findall(r'name="s_factor_auth_goodauth\[(\w+)\]"', rec.text))
    assert sorted(form.fields["goodauth"]["options"]) == [name for name in offered if name != "xxxxx"]
    assert "manual" in form.fields["goodauth"]["options"]


def managemfa_form(rec, version):
    form = SettingForm(HttpSettings(client_on(version, rec)).section_form("managemfa"), "tool_mfa")
    assert set(form.fields) == {"enabled", "lockout", "debugmode", "redir_exclusions", "guidance", "guidancecontent",
                                "guidancefiles"}
    assert form.values["enabled"] == "0" and form.values["lockout"] == "10"
    assert form.kind("redir_exclusions") == "textarea" and form.kind("debugmode") == "checkbox"
    assert Page(rec.text).form("adminsettings") is not None


TABLE = "moodle.mfa.parse_factor_table / HttpMfa.factors (managemfa factor table)"
CASES = [Case(name, TABLE, factor_table) for name in (
    "f26-managemfa-get", "f26-managemfa-get-2", "f26-managemfa-get-5", "f26-managemfa-get-6", "f26-managemfa-get-7",
    "f26-managemfa-get-8", "f26-managemfa-get-9", "f26-managemfa-final", "f26-mfa-enable-post-hop1",
    "f26-factor-up-totp-link-hop1")] + [
    Case("f26-managemfa-get-3", TABLE, factor_table, versions=("5.1.3",)),
    Case("f26-managemfa-get-4", TABLE, factor_table, versions=("5.1.3",)),
    Case("f26-factor-enable-nosetup-link-hop1", TABLE, factor_table, versions=("4.5.6",)),
    Case("f26-factor-disable-iprange-link-hop1", TABLE, factor_table, versions=("4.5.6",)),
    Case("f26-factor-iprange-settings-get", "moodle.mfa.parse_my_ip (factor_iprange: own IP hint)", my_ip),
    Case("f26-factor-iprange-settings-post-hop1", "moodle.mfa.parse_my_ip (factor_iprange: your IP is in the list)",
         my_ip),
    Case("f26-mfa-totponly-login-post-hop1", "moodle.mfa.is_interception_url (testsession -> auth.php)",
         intercepted_redirect),
    Case("f26-mfa-totponly-my", "moodle.mfa.is_interception_url (a later page -> auth.php)", intercepted_redirect),
    Case("f26-mfa-totponly-login-post-hop2", "moodle.mfa.parse_interception (Unable to authenticate)", unable),
    Case("f26-mfa-totponly-my-hop1", "moodle.mfa.parse_interception (Unable to authenticate, later page)", unable),
    Case("f26-mfa-emailtotp-login-post-hop2", "moodle.mfa.parse_interception (email code form)", verify_email,
         versions=("5.1.3",)),
    Case("f26-mfa-iprange-login-post-hop1", "moodle.mfa.parse_interception (iprange passes: no auth.php)",
         not_intercepted),
    Case("f26-mfa-iprange-login-post-hop2", "moodle.mfa.parse_interception (iprange passes: the dashboard)",
         not_intercepted),
    Case("f26-admin-page-after-enable", "moodle.mfa.parse_interception (the session that enabled MFA)",
         not_intercepted),
    Case("f26-factor-iprange-settings-get", "resources.mfa.SettingForm (factor_iprange)",
         factor_form("factor_iprange", {"enabled": ("checkbox", "0"), "weight": ("text", "100"),
                                        "safeips": ("textarea", "")})),
    Case("f26-factor-totp-settings-get", "resources.mfa.SettingForm (factor_totp)",
         factor_form("factor_totp", {"enabled": ("checkbox", None), "weight": ("text", "100"),
                                     "window": ("duration", "15"), "totplink": ("checkbox", "1")})),
    Case("f26-factor-email-settings-get", "resources.mfa.SettingForm (factor_email)",
         factor_form("factor_email", {"enabled": ("checkbox", None), "weight": ("text", "100"),
                                      "duration": ("duration", "1800"), "suspend": ("checkbox", "0")})),
    Case("f26-factor-nosetup-settings-get", "resources.mfa.SettingForm (factor_nosetup)",
         factor_form("factor_nosetup", {"enabled": ("checkbox", "0"), "weight": ("text", "100")})),
    Case("f26-factor-admin-settings-get", "resources.mfa.SettingForm (factor_admin)",
         factor_form("factor_admin", {"enabled": ("checkbox", "0"), "weight": ("text", "100")})),
    Case("f26-factor-auth-settings-get", "resources.mfa.SettingForm (factor_auth goodauth options)", goodauth_offers),
    Case("f26-managemfa-get", "resources.mfa.SettingForm (managemfa tool_mfa settings)",
         managemfa_form),
]
