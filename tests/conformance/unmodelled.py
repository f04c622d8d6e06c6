"""Exchanges the simulator deliberately does not model: exchange name (without number) -> reason.

They are still replayed (so the site state and the substitution map stay coherent) but
are counted as "not modelled" in the report, never as matches, and never fail the gate.
"""

UNMODELLED: dict[str, str] = {
    # php8.2-ldap installed only for 356-374 (preconditions.json): the simulator models the extension switch
    # (POST /__sim__/php_extension) for the CAS settings page and login, but not admin/index.php's "New settings"
    # upgrade page (upgradesettings.php with every pending auth_cas/auth_ldap/enrol_ldap default).
    **{name: "admin/index.php -> upgradesettings.php (new settings after installing php-ldap) not modelled" for name in (
        "f20-admin-index-new-settings",
        "f20-admin-index-new-settings-hop1",
        "f20-admin-index-new-settings-hop2",
        "f20-upgradesettings-save",
        "f20-upgradesettings-save-hop1",
        "f20-upgradesettings-save-hop2",
    )},
}
