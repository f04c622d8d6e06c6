"""auth_cas settings/login (353-374) and LTI enrol/registrations (375-397)."""
import re

import requests

from simhelpers import login


def test_cas(sim):
    s, sk = login(sim)
    page = s.get(sim.url + "/admin/settings.php?section=authsettingcas").text
    assert "PHP LDAP module is not installed" in page and "s_auth_cas_hostname" not in page
    assert "s_auth_cas_field_lock_firstname" in page
    requests.post(sim.url + "/__sim__/php_extension", json={"ldap": True})
    r = s.post(sim.url + "/admin/settings.php", data={
        "section": "authsettingcas", "action": "save-settings", "sesskey": sk, "return": "",
        "s_auth_cas_hostname": "cas.example.test", "s_auth_cas_baseuri": "cas/", "s_auth_cas_port": "443",
        "s_auth_cas_multiauth": "1", "s_auth_cas_auth_name": "CAS"}, allow_redirects=False)
    assert r.status_code == 303 and sim.state.get_config("hostname", "auth_cas") == "cas.example.test"
    s.get(sim.url + "/admin/auth.php?sesskey=%s&action=enable&auth=cas" % sk)
    b = requests.Session()
    page = b.get(sim.url + "/login/index.php").text
    assert "login-identityprovider-btn" in page
    service = "service=http%3A%2F%2F127.0.0.1%3A" + str(sim.port) + "%2Flogin%2Findex.php%3FauthCAS%3DCAS"
    r = b.get(sim.url + "/login/index.php?authCAS=CAS", allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"] == "https://cas.example.test/cas/login?" + service + \
        "&gateway=true"
    r = b.get(sim.url + "/login/index.php?authCAS=CAS", allow_redirects=False)
    assert r.headers["Location"] == "https://cas.example.test/cas/login?" + service


def test_lti(sim):
    s, sk = login(sim)
    r = s.get(sim.url + "/admin/enrol.php?sesskey=%s&action=enable&enrol=lti" % sk, allow_redirects=False)
    assert r.headers["Location"].endswith("section=manageenrols")
    assert "lti" in sim.state.get_config("enrol_plugins_enabled")
    page = s.get(sim.url + "/admin/settings.php?section=enrolsettingslti").text
    assert "requires the LTI authentication plugin" in page
    assert "No registered platforms" in s.get(sim.url + "/admin/settings.php?section=enrolsettingslti_registrations").text
    r = s.post(sim.url + "/enrol/lti/register_platform.php?action=add", data={
        "sesskey": sk, "_qf__enrol_lti_local_ltiadvantage_form_create_registration_form": "1",
        "name": "CI", "submitbutton": "Continue"}, allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"].endswith("action=view&regid=1&tabselect=tooldetails")
    page = s.get(r.headers["Location"]).text
    assert re.search(r"/enrol/lti/register\.php\?token=[0-9a-f]{60}", page)
    data = {"id": "1", "sesskey": sk, "_qf__enrol_lti_local_ltiadvantage_form_platform_registration_form": "1",
            "name": "CI", "platformid": "https://lms", "clientid": "abc", "authenticationrequesturl": "https://a",
            "jwksurl": "https://j", "accesstokenurl": "https://t", "submitbutton": "Save changes"}
    r = s.post(sim.url + "/enrol/lti/register_platform.php?action=edit&regid=1", data=data, allow_redirects=False)
    assert r.headers["Location"].endswith("action=view&regid=1")
    assert "Platform registration updated" in s.get(r.headers["Location"]).text
    r = s.post(sim.url + "/enrol/lti/register_platform.php", data={"action": "delete", "regid": "1", "sesskey": sk,
                                                                   "confirm": "1"}, allow_redirects=False)
    assert r.headers["Location"].endswith("section=enrolsettingslti_registrations")
    assert not sim.state.lti_registrations
