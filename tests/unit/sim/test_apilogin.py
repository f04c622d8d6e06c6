"""auth_apilogin services.php and the login-page token (fixtures 190-222)."""
import hashlib
import time

import requests

from tests.moodle_sim.pages.apilogin import sign

KEY = "lab-apilogin-secret-0123456789"
URL = "/auth/apilogin/services.php"


def _setup(sim, allow="127.0.0.1"):
    with sim.state.lock:
        sim.state.set_config("apikey", KEY, "auth_apilogin")
        sim.state.set_config("allowipaddr", allow, "auth_apilogin")
        sim.state.set_enabled_auths(["email", "apilogin"])


def call(sim, pairs, headers=None):
    """pairs: list of (name, value); signature computed as the plugin does (arrays = 'Array')."""
    top = {}
    for k, v in pairs:
        base = k.split("[", 1)[0]
        top[base] = "Array" if "[" in k else v
    s = "".join(k + top[k] for k in sorted(top))
    sig = hashlib.sha256((KEY + s).encode()).hexdigest()
    return requests.post(sim.url + URL, data=pairs + [("signature", sig)], headers=headers)


def test_signature_matches_fixture_195():
    # index.json apilogin_signature_input of 195
    params = {"method": "createUser", "time": "1795296574", "userdata": {"username": "apiuser1"}}
    s = "methodcreateUsertime1795296574userdataArray"
    assert sign(params, KEY) == hashlib.sha256((KEY + s).encode()).hexdigest()


def test_methods(sim):
    _setup(sim)
    t = str(int(time.time()))
    r = call(sim, [("method", "getUser"), ("time", t), ("userid", "teacher1"), ("useridfield", "username")])
    assert r.headers["Content-Type"] == "application/json"
    assert r.text == '{\n    "message": "An error occurred accessing the database.",\n    "success": false\n}'
    r = call(sim, [("method", "getUser"), ("time", t), ("userid", "teacher1"), ("useridfield", "username"),
                   ("fields[]", "id"), ("fields[]", "auth")]).json()
    assert r == {"data": {"id": "3", "auth": "manual"}, "success": True}
    r = call(sim, [("method", "createUser"), ("time", t), ("userdata[username]", "apiuser1"),
                   ("userdata[firstname]", "Api"), ("userdata[lastname]", "User"),
                   ("userdata[email]", "apiuser1@example.com")]).json()
    assert r == {"data": 4, "success": True}
    r = call(sim, [("method", "createUser"), ("time", t), ("userdata[username]", "apiuser1"),
                   ("userdata[firstname]", "Api"), ("userdata[lastname]", "User"),
                   ("userdata[email]", "apiuser1@example.com")]).json()
    assert r["message"] == "Another user was found with the same username and email."
    r = call(sim, [("method", "suspendUser"), ("time", t), ("userid", "apiuser1"), ("useridfield", "username")])
    assert r.json() == {"data": "4", "success": True} and sim.state.users[4]["suspended"] == 1
    r = call(sim, [("method", "deleteUser"), ("time", t), ("userid", "admin"), ("useridfield", "username")]).json()
    assert r["message"] == "Local administrators cannot be deleted."
    call(sim, [("method", "deleteUser"), ("time", t), ("userid", "apiuser1"), ("useridfield", "username")])
    assert sim.state.users[4]["username"].startswith("apiuser1/")
    r = call(sim, [("method", "getUser"), ("time", t), ("useridfield", "username")]).json()
    assert r["message"] == "The getUser method is missing parameters: userid"
    r = call(sim, [("method", "getUser"), ("time", t), ("userid", "x"), ("useridfield", "password")]).json()
    assert r["message"].startswith("The useridfield [password] is not permitted")
    assert call(sim, [("method", "dropTables"), ("time", t)]).json()["message"] == "Invalid method."


def test_checks(sim):
    _setup(sim, "10.9.8.7, 10.9.8.8")
    assert requests.get(sim.url + URL).json()["message"] == "Invalid request. Missing required parameters."
    r = call(sim, [("method", "getUser"), ("time", "1")], headers={"X-Forwarded-For": "10.9.8.7"}).json()
    assert r["message"] == "Access denied. Requests not allowed from IP address: 127.0.0.1"
    _setup(sim)
    r = requests.post(sim.url + URL, data={"method": "getUser", "time": "1", "signature": "0" * 64}).json()
    assert r == {"message": "Invalid signature.", "success": False}
    sim.state.apilogin_patched = False
    r = requests.post(sim.url + "/__sim__/plugin", json={"apilogin_patched": False})
    r = call(sim, [("method", "getUser"), ("time", "1")])
    assert r.status_code == 500 and r.content == b""


def test_loguser_browser_login(sim):
    _setup(sim)
    ua = "Mozilla/5.0 apilogin-enduser-browser/1.0"
    r = call(sim, [("method", "logUser"), ("time", "1"), ("userid", "teacher1"), ("useridfield", "username"),
                   ("useragent", ua), ("redirect", sim.url + "/user/profile.php")]).json()
    assert r["data"] == "3" and len(r["token"]) == 32
    other = requests.get(sim.url + "/login/index.php?token=" + r["token"], allow_redirects=False)
    assert other.status_code == 200                        # other UA: login page, token consumed
    r = call(sim, [("method", "logUser"), ("time", "1"), ("userid", "teacher1"), ("useridfield", "username"),
                   ("useragent", ua), ("redirect", sim.url + "/user/profile.php")]).json()
    s = requests.Session()
    s.headers["User-Agent"] = ua
    resp = s.get(sim.url + "/login/index.php?token=" + r["token"], allow_redirects=False)
    assert resp.status_code == 303 and resp.headers["Location"] == sim.url + "/user/profile.php"
    assert sim.state.users[3]["auth"] == "apilogin"
    assert s.get(sim.url + "/user/profile.php", allow_redirects=False).status_code == 200
    again = requests.get(sim.url + "/login/index.php?token=" + r["token"], headers={"User-Agent": ua},
                         allow_redirects=False)
    assert again.status_code == 200
