"""preconditions.json is prose; this is the same thing as control-API steps of the simulator.

STEPS[name] runs right before the exchange of that name (without its number, so the
table fits every fixture folder of the same scenario: 4.5.6 and 5.1.3 number differently after 352). A step is (kind, payload):
  reset        POST /__sim__/reset          payload as body
  reset_bare   POST /__sim__/reset {"state":"bare"} (a fresh site with only admin); falls back to
               "fresh" and records a gap if the simulator has no such state
  user         POST /__sim__/user, skipped if /__sim__/state already holds that username
  cfg          POST /__sim__/cfg
  maintenance  POST /__sim__/maintenance
  debug        POST /__sim__/debug
  proposed     POST to a control endpoint the simulator README does not (yet) have; a 404
               is recorded as a gap in the report (payload: (path, body))
  cas          POST /__sim__/cas (the simulator's CAS server; configure_moodle points auth_cas at it)
  note         nothing to do in the simulator (payload: why)
A payload with "fixtures": "<folder name>" runs only when replaying that folder (the labs differ).
"""
from __future__ import annotations

CI_FUNCTIONS = ["core_webservice_get_site_info", "core_user_get_users_by_field", "core_user_create_users"]
WSUSERS = [f"wsuser{i:02d}" for i in range(1, 11)]


def _bulk_tokens():
    """The 40 tokens of preconditions.json (before 339), exactly as described."""
    services = ["ci_bootstrap", "moodle_mobile_app", None]  # None = userkey service (shortname NULL)
    out = []
    for i in range(1, 41):
        out.append({
            "name": f"bulk-{i:02d}",
            "username": WSUSERS[(i - 1) % 10],
            "service": services[(i - 1) % 3],
            "validuntil_days": 0 if i % 4 == 0 else i,
            "iprestriction": "10.0.0.0/8" if i % 5 == 0 else "",
            "creator": "admin",
        })
    return out


STEPS: dict[str, list[tuple[str, object]]] = {
    "f01-login-get-nocookie": [
        ("reset", {"state": "fresh"}),
        ("user", {"username": "teacher1", "password": "Teacher#12345", "firstname": "Teacher",
                  "lastname": "One", "email": "teacher1@example.com", "auth": "manual"}),
    ],
    "f11-uk-missing-user-createoff-debug": [("debug", {"on": True})],
    "f12-apilogin-unpatched-getuser": [
        ("debug", {"on": False}),
        ("cfg", {"component": "auth_apilogin", "name": "apikey", "set": "lab-apilogin-secret-0123456789"}),
        ("cfg", {"component": "auth_apilogin", "name": "allowipaddr", "set": "127.0.0.1"}),
        ("proposed", ("/__sim__/plugin", {"apilogin_patched": False})),
    ],
    "f12-apilogin-getuser": [("proposed", ("/__sim__/plugin", {"apilogin_patched": True}))],
    "f12-apilogin-ip-not-allowed": [("cfg", {"component": "auth_apilogin", "name": "allowipaddr", "set": "10.9.8.7, 10.9.8.8"})],
    "f12-apilogin-login-invalid-token": [("cfg", {"component": "auth_apilogin", "name": "allowipaddr", "set": "127.0.0.1"})],
    "f14-climaint-login": [("maintenance", {"mode": "cli"})],
    "f14-maint-login": [("maintenance", {"mode": "off"}), ("maintenance", {"mode": "legacy"})],
    "f14-after-maint-login": [("maintenance", {"mode": "off"})],
    "f16-admin-login-get": [
        ("reset_bare", {}),
        ("user", {"username": "ciuser", "password": "User#12345", "firstname": "CI", "lastname": "User",
                  "email": "ciuser@example.com", "auth": "manual"}),
        *[("user", {"username": u, "password": "User#12345", "firstname": "WS",
                    "lastname": f"User {u[-2:]}", "email": f"{u}@example.com", "auth": "manual"})
          for u in WSUSERS],
        ("cfg", {"name": "enablewebservices", "set": "1"}),   # no --component = core ($CFG)
        ("cfg", {"name": "webserviceprotocols", "set": "rest"}),
        ("proposed", ("/__sim__/service", {
            "name": "CI bootstrap", "shortname": "ci_bootstrap", "enabled": True, "restrictedusers": True,
            "downloadfiles": False, "uploadfiles": False, "functions": CI_FUNCTIONS,
            "authorised_users": ["ciuser", *WSUSERS], "expect_id": 3})),
        ("proposed", ("/__sim__/role", {"shortname": "throwaway_role", "name": "Throwaway role",
                                        "contextlevels": [10], "expect_id": 9})),
        ("proposed", ("/__sim__/role", {"shortname": "courseonly_role", "name": "Course-only role",
                                        "contextlevels": [50], "expect_id": 10})),
    ],
    "f17-tokens-report-page1": [("proposed", ("/__sim__/token", {"tokens": _bulk_tokens()}))],
    "f20-admin-index-new-settings": [("proposed", ("/__sim__/php_extension", {"ldap": True}))],
    "f21-manageenrols": [("proposed", ("/__sim__/php_extension", {"ldap": False}))],
    # third session: the lab's reset.sh (only guest and admin; svc_manual gets id 3, ci_bot 4)
    "f23-admin-login-get": [("reset_bare", {})],
    # fourth session (4.5.6 only): reset.sh, the test CAS server, casadmin 3 / casuser 4 (auth cas, no password),
    # siteadmins 2,3, auth email,cas and auth_cas pointing at the CAS server (port = the simulator's CAS server)
    "f24-cas-login-page-nomultiauth": [
        ("reset_bare", {}),
        ("user", {"username": "casadmin", "password": "", "firstname": "CAS", "lastname": "Admin",
                  "email": "casadmin@example.com", "auth": "cas"}),
        ("user", {"username": "casuser", "password": "", "firstname": "CAS", "lastname": "User",
                  "email": "casuser@example.com", "auth": "cas"}),
        ("cfg", {"name": "siteadmins", "set": "2,3"}),
        ("cfg", {"name": "auth", "set": "email,cas"}),
        *[("cfg", {"component": "auth_cas", "name": name, "set": value}) for name, value in (
            ("auth_logo", ""), ("certificate_path", ""), ("curl_ssl_version", ""), ("logout_return_url", ""))],
        ("cas", {"configure_moodle": True, "multiauth": "0", "casversion": "2.0"}),
    ],
    # fifth (4.5.6) / fourth (5.1.3) session: reset.sh (only guest and admin); the recorder's OpenID provider at
    # https://127.0.0.1:8445 is answered in-process by the simulator (its own provider runs on another port)
    "f25-admin-login-get": [
        ("reset_bare", {}),
        ("proposed", ("/__sim__/oidc", {"aliases": ["127.0.0.1:8445", "127.0.0.1:8444"]})),
    ],
    "f24-cas-multiauth-login-page": [("cfg", {"component": "auth_cas", "name": "multiauth", "set": "1"})],
    "f24-cas-v3-login-page": [
        ("cfg", {"component": "auth_cas", "name": "casversion", "set": "3.0"}),
        ("cfg", {"component": "auth_cas", "name": "multiauth", "set": "0"}),
    ],
    # f26 (MFA) starts where f25 ended: oauth2 enabled (567 / 5.1.3 500); on the 4.5.6 lab userkey is enabled too
    # (568 and factor_auth's goodauth 587 list it; 5.1.3 520 does not). "fixtures": only for that folder.
    "f26-admin-login-get": [
        ("cfg", {"name": "auth", "set": "email,userkey,oauth2", "fixtures": "moodle-4.5.6"}),
        ("cfg", {"name": "auth", "set": "email,oauth2", "fixtures": "moodle-5.1.3"}),
    ],
}
