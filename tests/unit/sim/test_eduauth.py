"""local_eduauth login/launch/connect/logout (fixtures 223-262)."""
import base64
import re

import requests

from simhelpers import logintoken

Q = "token=tok1&appid=at.example.app"


def _browser_login(sim, first_url):
    s = requests.Session()
    r = s.get(first_url)
    r = s.post(sim.url + "/login/index.php", data={"anchor": "", "logintoken": logintoken(r.text),
                                                   "username": "teacher1", "password": "Teacher#12345"})
    return s, r


def test_login_flow(sim):
    r = requests.get(sim.url + "/local/eduauth/login.php?" + Q + "&act=getuser")
    assert r.text == '{"error":"no_data_for_token"}' and r.headers["Access-Control-Allow-Origin"] == "*"
    s, r = _browser_login(sim, sim.url + "/local/eduauth/login.php?" + Q)
    assert "Successful login." in r.text
    r = s.get(sim.url + "/my/")                             # browser session is dead now
    assert "Your session has timed out. Please log in again." in r.text
    r = requests.get(sim.url + "/local/eduauth/login.php?" + Q + "&act=getuser").json()
    assert r["userid"] == 3 and r["sitename"] == "Lab Moodle"
    assert requests.get(sim.url + "/local/eduauth/login.php?" + Q + "&act=getuser").json() == \
        {"error": "no_data_for_token"}
    assert "Invalid App-ID given." in requests.get(sim.url + "/local/eduauth/login.php?token=x&appid=bad").text
    assert requests.get(sim.url + "/local/eduauth/login.php?token=x").status_code == 404

    url = base64.b64encode((sim.url + "/user/profile.php").encode()).decode()
    r = requests.get(sim.url + "/local/eduauth/launch.php?userid=3&" + Q + "&url=" + url, allow_redirects=False)
    assert r.status_code == 303 and r.headers["Location"] == sim.url + "/user/profile.php"
    r = requests.get(sim.url + "/local/eduauth/launch.php?userid=3&token=bad&appid=at.example.app&url=" + url)
    assert r.json()["error"] == "invalid_login" and r.json()["userid"] == 3

    def connect(data, **kw):
        d = dict(userid="3", token="tok1", appid="at.example.app", data=data)
        d.update(kw)
        return requests.post(sim.url + "/local/eduauth/connect.php", data=d)
    r = connect('{"act": "myData"}')
    assert r.json()["user"]["username"] == "teacher1" and "Set-Cookie" in r.headers
    assert connect("{}").text == "{}" and connect('{"act": "x"}').text == "{}"
    assert connect('{"act": "x"}', callforward="local_eduauth").json() == {"error": "invalid plugin specified"}
    assert connect('{"act": "myData"}', userid="2").json()["error"] == "invalid_login"
    assert connect('{"act": "removeMe"}').json() == {"status": "ok"}
    assert connect('{"act": "myData"}').json()["error"] == "invalid_login"


def test_logout(sim):
    s = requests.Session()
    r = s.get(sim.url + "/login/index.php")
    s.post(sim.url + "/login/index.php", data={"anchor": "", "logintoken": logintoken(r.text),
                                               "username": "teacher1", "password": "Teacher#12345"})
    r = s.get(sim.url + "/local/eduauth/logout.php?userid=3", allow_redirects=False)
    assert r.status_code == 200 and r.content == b""
    r = s.get(sim.url + "/local/eduauth/logout.php?userid=2", allow_redirects=False)
    assert r.status_code == 302 and re.search(r"/login/logout\.php\?sesskey=\w{10}$", r.headers["Location"])
