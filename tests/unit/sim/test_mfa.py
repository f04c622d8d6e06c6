"""moodle_mfa's resource (plugins/module_utils/resources/mfa.py) and the MFA interception of the core against the
simulator (flow f26): enable iprange + MFA, re-run without writes, check mode, the lockout guard (predicted and
proved, reverted), unknown names refused before any write, and a later login intercepted with one clear error."""
import re

import pytest
import requests

from tests.moodle_sim import Simulator

from ansible_collections.moodleops.auth.plugins.module_utils import errors
from ansible_collections.moodleops.auth.plugins.module_utils.client import MoodleClient
from ansible_collections.moodleops.auth.plugins.module_utils.converge import converge
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.admin_settings import HttpSettings
from ansible_collections.moodleops.auth.plugins.module_utils.redact import Redactor
from ansible_collections.moodleops.auth.plugins.module_utils.resources.mfa import MFA_OPTIONS, MfaResource

ADMIN = {"username": "admin", "password": "Admin#12345"}
IPRANGE = {"iprange": {"enabled": True, "weight": 100, "settings": {"safeips": ["127.0.0.1/32"]}}}


class NoState:
    def path(self, _name):
        return None


class Context:
    """What converge() needs of a module: options, connection, one client and settings backend, check mode."""

    def __init__(self, url, check_mode=False, **options):
        self.params = dict((name, spec.get("default")) for name, spec in MFA_OPTIONS.items())
        self.params.update(options)
        self.connection = dict(ADMIN, url=url, retries=0, timeout=10)
        self.redact = Redactor()
        self.check_mode = check_mode
        self.diff_wanted = True
        self.transport = "http"
        self.state = NoState()
        self.warnings = []
        self.client = MoodleClient(self.connection, self.redact)
        self.settings = HttpSettings(self.client)

    open_client = property(lambda self: self.client)

    def warn(self, text):
        self.warnings.append(text)


def run(sim, check_mode=False, **options):
    context = Context(sim.url, check_mode, **options)
    try:
        return converge(context, MfaResource(context)), context
    finally:
        context.client.close()


def mfa_config(sim, name, component):
    return sim.state.get_config(name, component)


def mfa_state(sim):
    """tool_mfa's and the factors' stored values (what "the site as it was" compares)."""
    return dict((component, dict(values)) for component, values in sim.state.to_json()["plugin_config"].items()
                if component.startswith(("factor_", "tool_mfa")))


@pytest.fixture(params=["4.5", "5.1"])
def both(request):
    with Simulator(state="fresh", moodle=request.param) as simulator:
        yield simulator


def test_enable_iprange_and_mfa_then_nothing_to_do(sim):
    result, context = run(sim, enabled=True, factors=IPRANGE)
    assert result["changed"]
    assert "MFA: enabled" in result["changes"] and "factor iprange: enabled" in result["changes"]
    assert result["mfa"]["enabled"] is True
    assert result["mfa"]["factors"]["iprange"] == {"enabled": True, "weight": 100, "order": 1,
                                                   "settings": {"safeips": ["127.0.0.1/32"]}}
    assert result["login_check"]["method"] == "login" and result["login_check"]["passes"] is True
    assert result["login_check"]["address"] == "127.0.0.1"
    assert mfa_config(sim, "enabled", "tool_mfa") == "1"
    again, context = run(sim, enabled=True, factors=IPRANGE)
    assert not again["changed"] and again["changes"] == []
    assert context.client.transport.write_count == 0
    off, _unused = run(sim, enabled=False)
    assert off["changes"] == ["MFA: disabled"]
    assert mfa_config(sim, "enabled", "tool_mfa") == "0"


def test_check_mode_writes_nothing_and_refuses_a_lockout(sim):
    result, context = run(sim, check_mode=True, enabled=True, factors=IPRANGE)
    assert result["changed"] and context.client.transport.write_count == 0
    assert result["login_check"]["method"] == "prediction" and result["login_check"]["passes"]
    with pytest.raises(errors.MfaLockoutError) as caught:
        run(sim, check_mode=True, enabled=True, factors={"totp": {"enabled": True}})
    assert "iprange" in str(caught.value) and "127.0.0.1/32" in str(caught.value)
    assert mfa_config(sim, "enabled", "tool_mfa") in (None, "0")


def test_a_lockout_is_reverted_and_fails(both):
    sim = both
    run(sim, enabled=False, factors={"iprange": {"weight": 60}})
    before = mfa_state(sim)
    with pytest.raises(errors.MfaLockoutError) as caught:
        run(sim, enabled=True, factors={"totp": {"enabled": True}, "iprange": {"weight": 100}})
    text = str(caught.value)
    assert "reverted" in text and "the site is as it was" in text and "127.0.0.1/32" in text
    after = mfa_state(sim)
    # Moodle keeps a disabled factor in tool_mfa/factor_order (5.1.3 549): the order of the enabled ones is the same
    for values in (before, after):
        values.get("tool_mfa", {}).pop("factor_order", None)
    assert after == before
    assert mfa_config(sim, "enabled", "tool_mfa") == "0" and mfa_config(sim, "weight", "factor_iprange") == "60"


def test_unknown_factor_and_setting_are_refused_before_any_write(sim):
    with pytest.raises(errors.InvalidInputError) as caught:
        run(sim, enabled=True, factors={"ipranges": {"enabled": True}})
    assert "ipranges (did you mean iprange?)" in str(caught.value) and "totp" in str(caught.value)
    with pytest.raises(errors.InvalidInputError) as caught:
        run(sim, factors={"iprange": {"settings": {"safeip": ["1.2.3.4"]}}})
    assert "factors.iprange.settings.safeip (did you mean safeips?)" in str(caught.value)
    with pytest.raises(errors.InvalidInputError) as caught:
        run(sim, settings={"lockouts": 3})
    assert "settings.lockouts (did you mean lockout?)" in str(caught.value)
    with pytest.raises(errors.InvalidInputError) as caught:
        run(sim, factors={"auth": {"settings": {"goodauth": ["manual", "ldapx"]}}})
    assert "ldapx not offered by the site; it offers email, manual, nologin" in str(caught.value)
    assert not [record for record in sim.requests if record.write]


def test_factor_order_and_settings(both):
    sim = both
    result, _unused = run(sim, enabled=False, factors={
        "auth": {"enabled": True, "settings": {"goodauth": ["manual"]}},
        "totp": {"enabled": True, "settings": {"window": 20, "totplink": False}}, **IPRANGE},
        factor_order=["totp", "iprange", "auth"])
    assert result["mfa"]["factor_order"][:3] == ["totp", "iprange", "auth"]
    assert mfa_config(sim, "window", "factor_totp") == "20" and mfa_config(sim, "goodauth", "factor_auth") == "manual"
    assert result["mfa"]["factors"]["auth"]["settings"] == {"goodauth": ["manual"]}
    assert result["mfa"]["factors"]["totp"]["settings"] == {"window": 20, "totplink": False}
    sim.clear_log()
    moved, _unused = run(sim, factor_order=["iprange", "auth", "totp"])
    assert moved["changes"][-1].endswith("-> iprange,auth,totp" + (",email" if sim.state.moodle.is51 else ""))
    assert moved["mfa"]["factor_order"][:3] == ["iprange", "auth", "totp"]
    moves = [record for record in sim.requests if record.path == "/admin/tool/mfa/index.php"]
    assert moves and all(record.write and record.status == 303 for record in moves)
    again, _unused = run(sim, factor_order=["iprange", "auth", "totp"])
    assert not again["changed"]


def test_a_login_intercepted_by_mfa_fails_with_one_message(sim):
    run(sim, enabled=True, factors=IPRANGE)
    sim.state.set_config("safeips", "10.0.0.0/8", "factor_iprange")      # the controller no longer passes
    sim.state.set_config("enabled", "1", "factor_totp")
    client = MoodleClient(dict(ADMIN, url=sim.url, retries=0), Redactor())
    with pytest.raises(errors.MfaRequiredError) as caught:
        client.session()
    text = str(caught.value)
    assert "multi-factor authentication" in text and "iprange" in text and "Admin#12345" not in text


def test_a_session_sent_to_auth_php_later_fails_with_one_message(sim):
    client = MoodleClient(dict(ADMIN, url=sim.url, retries=0), Redactor())
    client.session()
    sim.state.set_config("enabled", "1", "factor_totp")
    sim.state.set_config("enabled", "1", "tool_mfa")
    with pytest.raises(errors.MfaRequiredError) as caught:
        client.page("admin/settings.php", params={"section": "manageauths"})
    assert "GET /admin/settings.php" in str(caught.value)


def test_simulator_interception_chain(sim):
    sim.state.set_config("enabled", "1", "factor_totp")
    sim.state.set_config("enabled", "1", "tool_mfa")
    s = requests.Session()
    page = s.get(sim.url + "/login/index.php").text
    token = re.search(r'name="logintoken" value="(\w+)"', page).group(1)
    r = s.post(sim.url + "/login/index.php", allow_redirects=False,
               data={"anchor": "", "logintoken": token, "username": "admin", "password": "Admin#12345"})
    r = s.get(r.headers["Location"], allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"] == sim.url + "/admin/tool/mfa/auth.php"
    r = s.get(r.headers["Location"])
    assert "Unable to authenticate" in r.text
    r = s.get(sim.url + "/my/", allow_redirects=False)
    assert r.headers["Location"] == sim.url + "/admin/tool/mfa/auth.php"


def test_a_cas_sign_in_intercepted_by_mfa_fails_with_one_message(sim):
    admin = requests.post(sim.url + "/__sim__/user", json={"username": "casadmin", "auth": "cas", "firstname": "CAS",
                                                           "lastname": "Admin", "email": "casadmin@example.com"}).json()
    requests.post(sim.url + "/__sim__/cfg", json={"name": "siteadmins", "set": "2,%d" % admin["id"]})
    requests.post(sim.url + "/__sim__/cas", json={"configure_moodle": True})
    options = dict(url=sim.url, retries=0, auth_method="cas", username="casadmin", password="Cas#Admin12345")
    assert MoodleClient(options, Redactor()).session().user_id == admin["id"]     # MFA off: signed in
    sim.state.set_config("enabled", "1", "factor_totp")
    sim.state.set_config("enabled", "1", "tool_mfa")
    with pytest.raises(errors.MfaRequiredError) as caught:
        MoodleClient(options, Redactor()).session()
    text = str(caught.value)
    assert "'casadmin'" in text and "the CAS login" in text and "Cas#Admin12345" not in text


def test_tool_mfa_settings(sim):
    result, _unused = run(sim, settings={"lockout": 5, "redir_exclusions": ["/local/x/", "/local/y/"],
                                         "debugmode": True})
    assert sorted(result["changes"]) == ["tool_mfa/debugmode: 0 -> 1", "tool_mfa/lockout: 10 -> 5",
                                         "tool_mfa/redir_exclusions:  -> /local/x/,/local/y/"]
    assert result["mfa"]["settings"] == {"lockout": "5", "redir_exclusions": ["/local/x/", "/local/y/"],
                                         "debugmode": True}
    assert mfa_config(sim, "redir_exclusions", "tool_mfa") == "/local/x/\n/local/y/"
    again, _unused = run(sim, settings={"lockout": "5", "redir_exclusions": "/local/x/\n/local/y/", "debugmode": 1})
    assert not again["changed"]
