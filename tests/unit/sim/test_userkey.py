"""auth_userkey: request_login_url rules and /auth/userkey/login.php (fixtures 150-185)."""
import requests

REST = "/webservice/rest/server.php"


def _setup(sim, **cfg):
    st = sim.state
    with st.lock:
        st.set_enabled_auths(["email", "userkey"])
        st.set_config("mappingfield", "username", "auth_userkey")
        for k, v in cfg.items():
            st.set_config(k, v, "auth_userkey")
        svc = st.services[2]
        svc["users"][2] = {}
        tok = st.create_token(2, 2, 2)
    return tok["token"]


def _url(sim, tok, **user):
    data = dict(wstoken=tok, wsfunction="auth_userkey_request_login_url", moodlewsrestformat="json")
    data.update(("user[%s]" % k, v) for k, v in user.items())
    return requests.post(sim.url + REST, data=data).json()


def test_login_url_one_time(configured):
    sim = configured
    tok = _setup(sim)
    url = _url(sim, tok, username="teacher1")["loginurl"]
    assert url.startswith(sim.url + "/auth/userkey/login.php?key=")
    s = requests.Session()
    r = s.get(url, allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"] == sim.url          # no trailing slash
    assert s.get(sim.url + "/my/", allow_redirects=False).status_code == 200
    r = s.get(url, allow_redirects=False)                                       # reuse: 404 and logged out
    assert r.status_code == 404 and "Incorrect key" in r.text and "MoodleSession" in r.headers["Set-Cookie"]
    assert s.get(sim.url + "/my/", allow_redirects=False).status_code == 303
    r = requests.get(sim.url + "/auth/userkey/login.php")
    assert r.status_code == 404 and "A required parameter (key) was missing" in r.text


def test_wantsurl_and_logout_redirect(configured):
    sim = configured
    tok = _setup(sim, redirecturl=configured.url + "/?userkeyloggedout=1")
    url = _url(sim, tok, username="teacher1")["loginurl"]
    s = requests.Session()
    r = s.get(url + "&wantsurl=" + requests.utils.quote(sim.url + "/user/profile.php"), allow_redirects=False)
    assert r.headers["Location"] == sim.url + "/user/profile.php"
    sesskey = [x for x in sim.state.sessions.values() if x.userid == 3][0].sesskey
    r = s.get(sim.url + "/login/logout.php?sesskey=" + sesskey, allow_redirects=False)
    assert r.headers["Location"] == sim.url + "/?userkeyloggedout=1"


def test_rules(configured):
    sim = configured
    tok = _setup(sim)
    assert _url(sim, tok, username="nobody")["errorcode"] == "invalidparameter"
    sim.state.debug = True
    assert "User is not exist" in _url(sim, tok, username="nobody")["message"]
    assert "Missing required key in single structure: username" in _url(sim, tok, email="x@example.com")["message"]
    sim.state.set_config("createuser", "1", "auth_userkey")
    assert "missing value(s)" in _url(sim, tok, username="new1")["message"]
    assert "loginurl" in _url(sim, tok, username="new1", firstname="N", lastname="U", email="new1@example.com")
    assert sim.state.user_by_username("new1")["auth"] == "userkey"
    sim.state.set_config("iprestriction", "1", "auth_userkey")
    assert "Missing required key in single structure: ip" in _url(sim, tok, username="teacher1")["message"]
    url = _url(sim, tok, username="teacher1", ip="10.1.2.3")["loginurl"]
    r = requests.get(url)
    assert r.status_code == 404 and "Client IP address mismatch" in r.text
    sim.state.set_config("iprestriction", "0", "auth_userkey")
    sim.state.set_config("updateuser", "1", "auth_userkey")
    assert "loginurl" in _url(sim, tok, username="teacher1", email="teacher1@example.com")
    assert sim.state.user_by_username("teacher1")["auth"] == "userkey"


def test_expired_key(configured):
    sim = configured
    tok = _setup(sim)
    url = _url(sim, tok, username="teacher1")["loginurl"]
    for k in sim.state.userkeys.values():
        k["validuntil"] = 1
    r = requests.get(url)
    assert r.status_code == 404 and "Expired key" in r.text
