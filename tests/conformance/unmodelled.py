"""Exchanges the simulator deliberately does not model: exchange name (without number) -> reason.

They are still replayed (so the site state and the substitution map stay coherent) but
are counted as "not modelled" in the report, never as matches, and never fail the gate.
"""

UNMODELLED: dict[str, str] = {
    "f12-apilogin-unpatched-getuser":
        "auth_apilogin as shipped (500 before the 4.5 patch); the simulator models the patched plugin",
    # php8.2-ldap installed only for 356-374 (preconditions.json); the simulator models the lab
    # without the PHP ldap extension, so these pages cannot look like the recording.
    **{name: "needs the PHP ldap extension (installed in the lab only for 356-374)" for name in (
        "f20-admin-index-new-settings",
        "f20-admin-index-new-settings-hop1",
        "f20-admin-index-new-settings-hop2",
        "f20-upgradesettings-save",
        "f20-upgradesettings-save-hop1",
        "f20-upgradesettings-save-hop2",
        "f20-cas-settings",
        "f20-cas-settings-post",
        "f20-cas-settings-post-hop1",
        "f20-login-page-cas",
        "f20-login-authcas",
        "f20-login-authcas-return-noticket",
    )},
    # tests/moodle_sim/ASSUMPTIONS.md: "other userkey features (login.php) are not modelled"
    **{name: "auth_userkey login.php (not modelled, tests/moodle_sim/ASSUMPTIONS.md)" for name in (
        "f11-uk-loginurl-use",
        "f11-uk-loginurl-use-hop1",
        "f11-uk-loginurl-use-hop2",
        "f11-uk-loginurl-reuse",
        "f11-uk-loginurl-ipmismatch",
        "f11-uk-login-garbage",
        "f11-uk-login-garbage-wantsurl",
        "f11-uk-login-nokey",
        "f11-uk-login-wantsurl",
        "f11-uk-login-wantsurl-hop1",
    )},
    **{name: "state follows an auth_userkey login.php request (not modelled)" for name in (
        "f11-uk-profile",
        "f11-uk-after-reuse-my",
        "f11-uk-after-reuse-my-hop1",
    )},
}
