"""The simulator's tool_oauth2 pages (tests/moodle_sim/pages/oauth2.py) and its OpenID provider (oidc_server.py):
discovery honours curlsecurityblockedhosts / curlsecurityallowedport, and what Moodle then stores; the login page
buttons and auth/oauth2/login.php. The pages' honesty against the recordings: tests/conformance (f25)."""
import ssl
import urllib.request

from simhelpers import login

ISSUERS = "/admin/tool/oauth2/issuers.php"


def _create(s, sim, sk, **fields):
    data = {"action": "edit", "id": "0", "sesskey": sk, "_qf__tool_oauth2_form_issuer": "1", "name": "Disc",
            "clientid": "c", "clientsecret": "s", "showonloginpage": "1", "requireconfirmation": "0",
            "acceptrisk": "1", "baseurl": sim.oidc.url, "image": "", "loginscopes": "openid profile email",
            "submitbutton": "Save changes"}
    data.update(fields)
    return s.post(sim.url + ISSUERS, data=data, allow_redirects=False)


def test_provider_serves_discovery_over_https(sim):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(sim.oidc.url + "/.well-known/openid-configuration", context=context) as answer:
        body = answer.read().decode()
    assert '"authorization_endpoint": "%s/authorize"' % sim.oidc.url in body
    assert sim.oidc.log[-1]["path"] == "/.well-known/openid-configuration"


def test_discovery_blocked_by_default_then_allowed(sim):
    s, sk = login(sim)
    r = _create(s, sim, sk)
    assert r.status_code == 303
    page = s.get(sim.url + ISSUERS).text
    assert "Could not discover service endpoints: The URL is blocked." in page
    assert len(sim.state.oauth2_issuers) == 1 and not sim.state.oauth2_endpoints
    assert sim.oidc.log == []                          # blocked before connecting
    sim.state.set_config("curlsecurityblockedhosts", "10.0.0.0/8")
    r = _create(s, sim, sk, name="Disc2")
    page = s.get(sim.url + ISSUERS).text
    assert "Could not discover" in page                # the port is not allowed yet
    sim.state.set_config("curlsecurityallowedport", "443\r\n80\r\n%d" % sim.oidc.port)
    r = _create(s, sim, sk, name="Disc3")
    assert "Changes saved" in s.get(sim.url + ISSUERS).text
    issuer = [i for i in sim.state.oauth2_issuers.values() if i["name"] == "Disc3"][0]
    names = sorted(e["name"] for e in sim.state.oauth2_endpoints.values() if e["issuerid"] == issuer["id"])
    assert names == ["authorization_endpoint", "discovery_endpoint", "end_session_endpoint", "token_endpoint",
                     "userinfo_endpoint"]
    assert issuer["scopessupported"] == "openid profile email offline_access"
    assert issuer["image"] == "https://127.0.0.1/favicon.ico"
    assert len([m for m in sim.state.oauth2_mappings.values() if m["issuerid"] == issuer["id"]]) == 9
    assert sim.oidc.log[-1]["user_agent"].startswith("MoodleBot/4.5 (+")


def test_template_without_internet_is_a_404_after_the_insert(sim):
    s, sk = login(sim)
    r = _create(s, sim, sk, action="savetemplate", type="google", servicetype="google", name="Google",
                baseurl="https://accounts.google.com/")
    assert r.status_code == 404 and "The URL is blocked." in r.text
    assert [i["servicetype"] for i in sim.state.oauth2_issuers.values()] == ["google"]


def test_acceptrisk_and_https_only(sim):
    s, sk = login(sim)
    r = _create(s, sim, sk, acceptrisk="", baseurl="")
    assert r.status_code == 200 and 'id="id_error_acceptrisk">Required<' in r.text
    r = _create(s, sim, sk, baseurl="http://127.0.0.1:1")
    assert "For security reasons only https connections are allowed, sorry." in r.text
    assert not sim.state.oauth2_issuers


def test_login_button_and_redirect(sim):
    s, sk = login(sim)
    sim.state.set_config("curlsecurityblockedhosts", "")
    sim.state.set_config("curlsecurityallowedport", "")
    _create(s, sim, sk, name="Disc", loginpagename="Staff")
    issuer = list(sim.state.oauth2_issuers.values())[0]
    import requests
    guest = requests.Session()
    assert "login-identityprovider-btn" not in guest.get(sim.url + "/login/index.php").text   # auth_oauth2 off
    sim.state.set_enabled_auths(["email", "oauth2"])
    page = guest.get(sim.url + "/login/index.php").text
    assert " Staff</a>" in page and "Disc</a>" not in page
    href = page.split('login-identityprovider-btn btn-block" href="')[1].split('"')[0].replace("&amp;", "&")
    r = guest.get(href, allow_redirects=False)
    assert r.status_code == 303
    assert r.headers["Location"].startswith(sim.oidc.url + "/authorize?client_id=c&response_type=code&redirect_uri=")
    assert r.headers["Location"].endswith("id%%3D%d&scope=openid%%20profile%%20email" % issuer["id"])
