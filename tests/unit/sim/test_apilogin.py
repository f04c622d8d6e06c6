"""auth_apilogin services.php and the login-page token (fixtures 190-222)."""
import hashlib
import json
import threading
import time

import requests

from module_harness import run_module
from tests.moodle_sim import Simulator
from tests.moodle_sim.pages.apilogin import sign

from ansible_collections.moodleops.auth.plugins.module_utils.resources import apilogin

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


# -- moodle_apilogin_user in bulk: parallel writes, stop_on_error, the small result, the option's bounds ----------


def _existing(sim):
    """Users the mixed batch finds: three to keep, two to update, one whose email is taken, one that moves away."""
    _setup(sim)
    with sim.state.lock:
        for name in ("keep1", "keep2", "keep3", "upd1", "upd2"):
            sim.state.add_user(name, "", "Old", name, name + "@example.com")
        sim.state.add_user("owner", "", "Owner", "Taken", "taken@example.com")
        sim.state.add_user("mover", "", "Mover", "Moves", "moving@example.com")


def _person(name, **extra):
    return dict({"username": name, "firstname": "New", "lastname": name, "email": name + "@example.com"}, **extra)


def _mixed_batch():
    """24 entries (read with one getAllUsers): creations, updates, unchanged users, a creation whose email another
    user has, and writes whose outcome depends on their order (an email freed then taken; one email wanted twice)."""
    users = [_person("new%02d" % number) for number in range(14)]
    users[3:3] = [{"username": "keep1"}, {"username": "upd1", "city": "Paris"}, _person("clash", email="taken@example.com")]
    users += [{"username": "keep2", "firstname": "Old"}, {"username": "upd2", "firstname": "Renamed"},
              {"username": "mover", "email": "moved@example.com"}, _person("taker", email="moving@example.com"),
              _person("twin1", email="twin@example.com"), _person("twin2", email="twin@example.com"),
              {"username": "keep3"}]
    return users


def _bulk(sim, users, **options):
    args = dict({"url": sim.url, "secret": KEY, "users": users, "report_unchanged": True}, **options)
    return run_module("moodle_apilogin_user", args)


def _site_users(sim):
    return dict((user["username"], (user["email"], user.get("city", ""), user["firstname"]))
                for user in sim.state.users.values() if not user["deleted"])


def test_parallel_writes_give_the_results_of_one_connection(monkeypatch):
    opened = []
    real_worker_transport = apilogin.worker_transport
    monkeypatch.setattr(apilogin, "worker_transport", lambda transport: opened.append(1) or real_worker_transport(transport))
    runs = {}
    for parallel in (1, 4):
        with Simulator(state="fresh") as sim:
            _existing(sim)
            result = _bulk(sim, _mixed_batch(), parallel=parallel)
            site = _site_users(sim)
            ids = dict((user["username"], user["id"]) for user in sim.state.users.values())
            writes = [record for record in sim.requests if record.method == "POST" and record.path == URL]
        assert [item["user_id"] for item in result["results"] if item["action"] == "created"] == \
            [ids[item["user"]] for item in result["results"] if item["action"] == "created"]
        for item in result["results"]:
            if item["action"] == "created":
                item["user_id"] = "assigned"        # Moodle numbers new users in the order their writes arrive
        runs[parallel] = (result, site, len(writes))
        assert len(opened) == (0 if parallel == 1 else 3)
    (one, site_one, requests_one), (four, site_four, requests_four) = runs[1], runs[4]
    assert four["failed"] and four["msg"] == one["msg"]
    assert "2 of 24 users failed" in four["msg"]
    for key in ("results", "summary", "changes", "changed"):
        assert four[key] == one[key], key
    assert four["debug"] == one["debug"] and requests_four == requests_one
    assert site_four == site_one
    actions = dict((item["user"], (item["action"], item["msg"])) for item in four["results"])
    assert actions["taker"][0] == "created"                      # after mover freed the email, as in input order
    assert actions["twin1"][0] == "created" and actions["twin2"][0] == "failed"
    assert "same email" in actions["clash"][1] and "same email" in actions["twin2"][1]
    assert four["summary"] == {"created": 16, "updated": 3, "deleted": 0, "unchanged": 3, "failed": 2, "skipped": 0}


def test_stop_on_error_writes_in_order_and_skips_the_rest(sim):
    _existing(sim)
    users = [_person("first"), _person("clash", email="taken@example.com"), _person("later1"), _person("later2")]
    result = _bulk(sim, users, parallel=8, stop_on_error=True)
    assert result["failed"] and result["msg"].startswith("1 of 4 users failed: clash")
    assert [item["action"] for item in result["results"]] == ["created", "failed", "skipped", "skipped"]
    # 4 reads (under 20 entries: one by one), the 2 writes up to the failure, the read-back of the created user
    assert [record.write for record in sim.requests if record.path == URL] == [False] * 4 + [True, True, False]
    assert result["debug"]["http_writes"] == 2
    assert "later1" not in _site_users(sim) and "first" in _site_users(sim)


def test_an_unchanged_run_returns_counts_not_an_entry_per_user(sim):
    _existing(sim)
    users = [_person("u%02d" % number) for number in range(25)]
    assert _bulk(sim, users, report_unchanged=False)["summary"]["created"] == 25
    sim.clear_log()
    again = _bulk(sim, users, report_unchanged=False)
    assert again["changed"] is False and again["results"] == [] and again["changes"] == []
    assert again["summary"] == {"created": 0, "updated": 0, "deleted": 0, "unchanged": 25, "failed": 0, "skipped": 0}
    assert [(record.path, record.write) for record in sim.requests] == [(URL, False)]   # one getAllUsers
    assert len(json.dumps(again)) < 2000                           # no entry per user, no users echoed back
    users[7] = dict(users[7], city="Oslo")
    one_change = _bulk(sim, users, report_unchanged=False)
    assert [(item["user"], item["action"]) for item in one_change["results"]] == [("u07", "updated")]
    assert one_change["summary"]["unchanged"] == 24
    every = _bulk(sim, users)
    assert [item["user"] for item in every["results"]] == ["u%02d" % number for number in range(25)]
    assert set(item["action"] for item in every["results"]) == {"unchanged"}


def test_parallel_outside_1_to_8_is_refused_before_any_request(sim):
    _existing(sim)
    for parallel in (0, 9, -1):
        result = _bulk(sim, [_person("nobody")], parallel=parallel)
        assert result["failed"] and "parallel must be between 1 and 8, not %d" % parallel in result["msg"]
    assert sim.requests == []
    assert _bulk(sim, [_person("somebody")], parallel=8)["results"][0]["action"] == "created"


def test_server_time_model_holds_a_worker_slot_per_request(sim):
    """POST /__sim__/capacity: 1 worker x 60 ms serves 3 simultaneous requests in >= 180 ms; switched off, no wait."""
    _setup(sim)
    answer = requests.post(sim.url + "/__sim__/capacity", json={"workers": 1, "service_ms": 60}).json()
    assert answer == {"ok": True, "capacity": {"workers": 1, "service_ms": 60.0}}
    started = time.perf_counter()
    threads = [threading.Thread(target=requests.get, args=(sim.url + "/login/index.php",)) for dummy in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.perf_counter() - started >= 0.18
    assert requests.post(sim.url + "/__sim__/capacity", json={"workers": 0}).json()["capacity"] is None
    assert len([record for record in sim.requests if record.path == "/login/index.php"]) == 3


def test_writes_that_take_or_free_the_same_value_are_kept_in_input_order():
    """The deterministic half of the parallel test above (whose races only sometimes expose a wrong split)."""
    mover = apilogin.Entry("users[0]", "mover", {"email": "moved@example.com"}, None)
    mover.current = {"username": "mover", "email": "moving@example.com", "idnumber": ""}
    mover.update = {"email": ("moving@example.com", "moved@example.com")}
    other = apilogin.Entry("users[1]", "other", {}, None)
    other.create = {"username": "other", "email": "other@example.com", "idnumber": ""}
    taker = apilogin.Entry("users[2]", "taker", {}, None)
    taker.create = {"username": "taker", "email": "Moving@Example.com"}
    deleted = apilogin.Entry("users[3]", "gone", {}, None)
    deleted.current = {"username": "gone", "email": "gone@example.com", "idnumber": "G-1"}
    reuse = apilogin.Entry("users[4]", "again", {}, None)
    reuse.create = {"username": "again", "email": "again@example.com", "idnumber": "G-1"}
    independent, ordered = apilogin.ApiLoginUsers.split_by_shared_values([mover, other, taker, deleted, reuse])
    assert independent == [other] and ordered == [mover, taker, deleted, reuse]
