"""Exchanges the simulator deliberately does not model: exchange name (without number) -> reason.

They are still replayed (so the site state and the substitution map stay coherent) but
are counted as "not modelled" in the report, never as matches, and never fail the gate.
"""

UNMODELLED: dict[str, str] = {
    # empty: f20's admin/index.php -> upgradesettings.php pages (356-361) are modelled since the "New settings"
    # page (tests/moodle_sim/pages/admin_settings_upgrade.py) exists.
    # f25: the recorder's own OpenID provider stub answering the browser at its /authorize (index.json server "idp"),
    # not Moodle. The simulator answers discovery for the recorded provider address in-process (/__sim__/oidc
    # aliases, preconditions.py) and its own provider (tests/moodle_sim/oidc_server.py, HTTPS on a third port) is
    # exercised end to end by the moodle_oauth2_issuer integration target.
    "f25-idp-authorize": "the recorder's OpenID provider stub (server: idp), not Moodle",
}
