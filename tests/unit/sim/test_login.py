"""Flow f01/f02 against facts of fixtures 001-024."""
import re

import requests

from simhelpers import login, logintoken, sesskey


def test_login_page_sets_cookie_and_form(sim):
    r = requests.get(sim.url + "/login/index.php")
    assert r.status_code == 200
    assert re.match(r"MoodleSession=\w+; path=/; HttpOnly$", r.headers["Set-Cookie"])
    assert 'id="login"' in r.text
    for name in ("anchor", "logintoken", "username", "password"):
        assert 'name="%s"' % name in r.text
    assert len(logintoken(r.text)) == 32
    assert '"userId":0' in r.text
    assert len(sesskey(r.text)) == 10


def test_wrong_password_and_bad_token_redirect_with_error(sim):
    s = requests.Session()
    page1 = s.get(sim.url + "/login/index.php").text
    t1 = logintoken(page1)
    r = s.post(sim.url + "/login/index.php", allow_redirects=False,
               data={"anchor": "", "logintoken": t1, "username": "admin", "password": "wrong"})
    assert r.status_code == 303
    assert r.headers["Location"] == sim.url + "/login/index.php?loginredirect=1"
    assert r.headers["X-Redirect-By"] == "Moodle"
    assert "<title>Redirect</title>" in r.text
    r2 = s.get(r.headers["Location"])
    assert 'id="loginerrormessage"' in r2.text and "alert-danger" in r2.text
    assert "Invalid login, please try again" in r2.text
    t2 = logintoken(r2.text)
    assert t2 != t1
    # right password, stale token
    r3 = s.post(sim.url + "/login/index.php", data={"anchor": "", "logintoken": t1, "username": "admin",
                                                    "password": "Admin#12345"})
    assert "Invalid login, please try again" in r3.text
    assert logintoken(r3.text) not in (t1, t2)
    # message only once
    assert "loginerrormessage" not in s.get(sim.url + "/login/index.php").text


def test_login_success_chain(sim):
    s = requests.Session()
    page1 = s.get(sim.url + "/login/index.php").text
    guestkey = sesskey(page1)
    r = s.post(sim.url + "/login/index.php", allow_redirects=False,
               data={"anchor": "", "logintoken": logintoken(page1), "username": " ADMIN ", "password": "Admin#12345"})
    assert r.status_code == 303
    assert r.headers["Location"] == sim.url + "/login/index.php?testsession=2"
    cookies = [v for k, v in r.raw.headers.items() if k.lower() == "set-cookie"]
    assert cookies[0].startswith("MoodleSession=")
    assert cookies[1].startswith("MOODLEID1_=deleted")
    assert cookies[2].startswith("MOODLEID1_=sodium%3A") and "Max-Age=5184000" in cookies[2]
    r2 = s.get(r.headers["Location"], allow_redirects=False)
    assert r2.status_code == 303 and r2.headers["Location"] == sim.url + "/my/"
    r3 = s.get(r2.headers["Location"])
    assert r3.status_code == 200
    assert '"userId":2' in r3.text and sesskey(r3.text) != guestkey
    assert "Version 4.5.6 (Build: 20250811)" in r3.text
    assert "/login/logout.php?sesskey=%s" % sesskey(r3.text) in r3.text


def test_wantsurl_and_admin_page_without_session(sim):
    s = requests.Session()
    r = s.get(sim.url + "/admin/settings.php?section=optionalsubsystems", allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"] == sim.url + "/login/index.php"
    assert "MoodleSession=" in r.headers["Set-Cookie"]
    page1 = s.get(r.headers["Location"]).text
    r = s.post(sim.url + "/login/index.php", data={"anchor": "", "logintoken": logintoken(page1),
                                                   "username": "admin", "password": "Admin#12345"})
    assert r.url == sim.url + "/admin/settings.php?section=optionalsubsystems"
    assert 'id="adminsettings"' in r.text


def test_logout(sim):
    s, key = login(sim)
    r = s.get(sim.url + "/login/logout.php")
    assert r.status_code == 200 and "Do you really want to log out?" in r.text
    assert 'name="sesskey" value="%s"' % key in r.text
    r = s.get(sim.url + "/login/logout.php?sesskey=wrong")
    assert r.status_code == 200 and '"userId":2' in r.text
    old = s.cookies["MoodleSession"]
    r = s.get(sim.url + "/login/logout.php?sesskey=" + key, allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"] == sim.url + "/"
    assert "MoodleSession=" in r.headers["Set-Cookie"] and s.cookies["MoodleSession"] != old
    r = s.get(sim.url + "/my/", allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"] == sim.url + "/login/index.php"


def test_non_admin_refusals(sim):
    s, _unused = login(sim, "teacher1", "Teacher#12345")
    r = s.get(sim.url + "/admin/settings.php?section=optionalsubsystems")
    assert r.status_code == 404 and '<p class="errormessage">Section error!</p>' in r.text
    assert '"userId":3' in r.text and "Version 4.5.6" not in r.text
    r = s.get(sim.url + "/admin/webservice/tokens.php")
    assert r.status_code == 404 and '<p class="errormessage">Access denied</p>' in r.text


def test_keepalive_and_content_length(sim):
    s = requests.Session()
    for _index in range(3):
        r = s.get(sim.url + "/login/index.php")
        assert int(r.headers["Content-Length"]) == len(r.content)
    assert len(sim.requests) == 3
