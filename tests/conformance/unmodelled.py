"""Exchanges the simulator deliberately does not model: exchange name (without number) -> reason.

They are still replayed (so the site state and the substitution map stay coherent) but
are counted as "not modelled" in the report, never as matches, and never fail the gate.
"""

UNMODELLED: dict[str, str] = {
    # empty: f20's admin/index.php -> upgradesettings.php pages (356-361) are modelled since the "New settings"
    # page (tests/moodle_sim/pages/admin_settings_upgrade.py) exists.
}
