"""Our CAS server (cas_server.py) and Moodle's phpCAS side against it (f24 432-477)."""
import re

import requests


def _configure(sim, **extra):
    admin = requests.post(sim.url + "/__sim__/user", json={"username": "casadmin", "auth": "cas",
                                                           "firstname": "CAS", "lastname": "Admin",
                                                           "email": "casadmin@example.com"}).json()["id"]
    requests.post(sim.url + "/__sim__/cfg", json={"name": "siteadmins", "set": "2,%d" % admin})
    state = requests.post(sim.url + "/__sim__/cas", json=dict({"configure_moodle": True}, **extra)).json()
    return admin, state["url"]


def _form_fields(html):
    return dict(re.findall(r'<input[^>]*name="([^"]+)"(?:[^>]*value="([^"]*)")?', html))


def test_round_trip_multiauth_off(sim):
    admin, cas = _configure(sim)
    b = requests.Session()
    r = b.get(sim.url + "/login/index.php", allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"].startswith(cas + "login?service=") and "gateway=true" in \
        r.headers["Location"]
    r = b.get(r.headers["Location"], allow_redirects=False)          # gateway, no TGC: back without ticket
    assert r.status_code == 302 and r.headers["Location"] == sim.url + "/login/index.php"
    r = b.get(r.headers["Location"], allow_redirects=False)
    form_url = r.headers["Location"]
    assert "gateway" not in form_url
    page = b.get(form_url)
    assert page.status_code == 200 and 'id="fm1"' in page.text and "action=" not in page.text.split('id="fm1"')[0][-40:]
    fields = _form_fields(page.text)
    wrong = b.post(form_url, data={"username": "casadmin", "password": "nope", "execution": fields["execution"],
                                   "_eventId": "submit", "geolocation": "", "submit": "LOGIN"}, allow_redirects=False)
    assert wrong.status_code == 401 and "Invalid credentials." in wrong.text
    replay = b.post(form_url, data={"username": "casadmin", "password": "Cas#Admin12345",
                                    "execution": fields["execution"], "_eventId": "submit"}, allow_redirects=False)
    assert replay.status_code == 400                                 # execution is single use
    fields = _form_fields(wrong.text)
    r = b.post(form_url, data={"username": "casadmin", "password": "Cas#Admin12345", "execution": fields["execution"],
                               "_eventId": "submit", "geolocation": "", "submit": "LOGIN"}, allow_redirects=False)
    assert r.status_code == 302 and "ticket=ST-" in r.headers["Location"] and "TGC=" in r.headers["Set-Cookie"]
    ticket_url = r.headers["Location"]
    r = b.get(ticket_url, allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"] == sim.url + "/login/index.php"
    r = b.get(r.headers["Location"], allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].endswith("testsession=%d" % admin)
    my = b.get(r.headers["Location"])
    assert '"userId":%d' % admin in my.text
    fresh = requests.get(ticket_url)                                  # a used ticket: Moodle's error page
    assert fresh.status_code == 404 and "INVALID_TICKET" in fresh.text and "Ticket not validated" in fresh.text


def test_manual_form_with_username_and_multiauth(sim):
    _configure(sim)
    r = requests.get(sim.url + "/login/index.php?username=admin", allow_redirects=False)
    assert r.status_code == 200 and 'name="logintoken"' in r.text
    requests.post(sim.url + "/__sim__/cfg", json={"component": "auth_cas", "name": "multiauth", "set": "1"})
    r = requests.get(sim.url + "/login/index.php", allow_redirects=False)
    assert r.status_code == 200 and "authCAS=CAS" in r.text
    r = requests.get(sim.url + "/login/index.php?authCAS=CAS", allow_redirects=False)
    assert r.status_code == 302 and "authCAS%3DCAS" in r.headers["Location"]


def test_validate_versions_and_legacy_lt(sim):
    _admin, cas = _configure(sim, legacy_lt=True)
    service = "http://moodle.example/login/index.php"
    b = requests.Session()
    page = b.get(cas + "login", params={"service": service})
    fields = _form_fields(page.text)
    assert fields["lt"].startswith("LT-")
    no_lt = dict(fields, username="casuser", password="Cas#User12345")
    no_lt.pop("lt")
    assert b.post(cas + "login?service=" + requests.utils.quote(service, safe=""), data=no_lt,
                  allow_redirects=False).status_code == 400
    page = b.get(cas + "login", params={"service": service})
    r = b.post(page.url, data=dict(_form_fields(page.text), username="casuser", password="Cas#User12345"),
               allow_redirects=False)
    ticket = r.headers["Location"].split("ticket=")[1]
    v3 = requests.get(cas + "p3/serviceValidate", params={"service": service, "ticket": ticket}).text
    assert "<cas:user>casuser</cas:user>" in v3
    again = requests.get(cas + "serviceValidate", params={"service": service, "ticket": ticket}).text
    assert "INVALID_TICKET" in again
    sso = b.get(cas + "login", params={"service": service, "gateway": "true"}, allow_redirects=False)
    assert "ticket=ST-" in sso.headers["Location"]                 # the TGC: single sign-on
    ticket = sso.headers["Location"].split("ticket=")[1]
    assert requests.get(cas + "validate", params={"service": "http://other/", "ticket": ticket}).text == "no\n"
