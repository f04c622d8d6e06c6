"""Which flows gate the pytest run, per recorded release. Grow the sets as the simulator covers more."""

# Every recorded flow; the simulator models them all (unmodelled.py lists exchanges it deliberately does not).
# f24 (CAS login, 4.5.6 only) replays the CAS server's exchanges against the simulator's own CAS server.
REQUIRED_FLOWS = set(range(1, 25))
REQUIRED_FLOWS.add(25)     # f25 OAuth 2 services (tool_oauth2, auth_oauth2); its IdP stub exchange: unmodelled.py
REQUIRED_FLOWS.add(26)     # f26 MFA (tool_mfa): factor table, factor pages, index.php links, the login interception

# Next in line (move into REQUIRED_FLOWS when they pass).
PLANNED_FLOWS: set = set()

# moodle-5.1.3: every recorded flow (f20 is only its 404 there: auth_cas left core; f24 was not recorded on 5.1).
REQUIRED_FLOWS_51 = set(range(1, 24))
REQUIRED_FLOWS_51.add(25)  # f25 OAuth 2 services (411-507)
REQUIRED_FLOWS_51.add(26)  # f26 MFA (508-565): AJAX factor switches, the e-mail code page


def required_flows(moodle):
    """The gate of one emulated release ("4.5" or "5.1")."""
    return REQUIRED_FLOWS_51 if moodle == "5.1" else REQUIRED_FLOWS
