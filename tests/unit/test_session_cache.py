"""The session cache (option session_cache): tasks of a play log in once per site and user, reuse the session only
for the same user and password, recover from a session Moodle ended, and keep its secrets out of results."""

import json
import os
import stat

import pytest

from module_harness import run_module
from tests.moodle_sim import Simulator

ADMIN_PASSWORD = "Admin#12345"


@pytest.fixture
def sim():
    with Simulator(state="configured") as s:
        yield s


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    path = tmp_path / "sessions"
    monkeypatch.setenv("MOODLEOPS_SESSION_DIR", str(path))
    return path


def admin(sim, **extra):
    return dict(dict(url=sim.url, username="admin", password=ADMIN_PASSWORD), **extra)


def logins(sim):
    return [r for r in sim.requests if r.method == "POST" and r.path == "/login/index.php"]


def logouts(sim):
    return [r for r in sim.requests if r.path == "/login/logout.php"]


def run_logged(sim, name, args):
    """Run a module with a fresh simulator log; return its result."""
    sim.clear_log()
    result = run_module(name, args)
    assert not result.get("failed"), result.get("msg")
    return result


def cache_files(cache_dir):
    return sorted(p for p in cache_dir.iterdir() if p.suffix == ".json") if cache_dir.exists() else []


def add_admin(sim, username, password):
    with sim.state.lock:
        user = sim.state.add_user(username, password, "Second", "Admin", username + "@example.com")
        sim.state.config["siteadmins"] += ",%d" % user["id"]


def session_secrets(sim):
    with sim.state.lock:
        return [value for s in sim.state.sessions.values() for value in (s.sid, s.sesskey)]


def test_second_task_reuses_the_session(sim, cache_dir):
    first = run_logged(sim, "moodle_info", admin(sim))
    assert len(logins(sim)) == 1 and not logouts(sim)
    second = run_logged(sim, "moodle_info", admin(sim))
    assert not logins(sim) and not logouts(sim)
    assert not [r for r in sim.requests if r.path == "/login/index.php"]
    assert second["debug"]["http_requests"] < first["debug"]["http_requests"]
    first.pop("debug"), second.pop("debug")
    assert second == first


def test_cache_file_is_private_and_holds_no_password(sim, cache_dir):
    result = run_logged(sim, "moodle_info", admin(sim))
    files = cache_files(cache_dir)
    assert len(files) == 1
    assert stat.S_IMODE(os.stat(str(cache_dir)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(str(files[0])).st_mode) == 0o600
    text = files[0].read_text()
    assert ADMIN_PASSWORD not in text and "admin" not in files[0].name
    entry = json.loads(text)
    live = session_secrets(sim)
    assert entry["sesskey"] in live and [c for c in entry["cookies"] if c["value"] in live]
    shown = json.dumps(result)
    assert not [secret for secret in live if secret in shown]


def test_another_user_does_not_reuse_the_session(sim, cache_dir):
    add_admin(sim, "admin2", "Second#12345")
    run_logged(sim, "moodle_info", admin(sim))
    run_logged(sim, "moodle_info", admin(sim, username="admin2", password="Second#12345"))
    assert len(logins(sim)) == 1
    with sim.state.lock:
        users = sorted(s.userid for s in sim.state.sessions.values() if s.userid)
    assert len(users) == 2 and len(set(users)) == 2
    assert len(cache_files(cache_dir)) == 2


def test_wrong_password_never_reuses_a_cached_session(sim, cache_dir):
    run_logged(sim, "moodle_info", admin(sim))
    sim.clear_log()
    result = run_module("moodle_info", admin(sim, password="Wrong#12345"))
    assert result.get("failed") and result.get("errorcode") == "invalidlogin"
    assert len(logins(sim)) == 1
    assert "Wrong#12345" not in json.dumps(result)


def test_a_session_moodle_ended_is_replaced_and_the_write_happens_once(sim, cache_dir):
    run_logged(sim, "moodle_info", admin(sim))
    with sim.state.lock:
        sim.state.sessions.clear()
    result = run_logged(sim, "moodle_user", dict(url=sim.url, login_username="admin", login_password=ADMIN_PASSWORD,
                                                 username="jdoe", password="Jdoe#12345", firstname="J",
                                                 lastname="Doe", email="jdoe@example.com"))
    assert result["changed"] and len(logins(sim)) == 1
    assert len([r for r in sim.requests if r.write and r.path == "/user/editadvanced.php"]) == 1
    with sim.state.lock:
        assert len([u for u in sim.state.users.values() if u["username"] == "jdoe"]) == 1
    # the next task uses the new session
    run_logged(sim, "moodle_info", admin(sim))
    assert not logins(sim)


def test_a_stale_sesskey_is_renewed(sim, cache_dir):
    run_logged(sim, "moodle_info", admin(sim))
    with sim.state.lock:
        for session in sim.state.sessions.values():
            session.sesskey = "renewed1234"
    result = run_logged(sim, "moodle_user", dict(url=sim.url, login_username="admin", login_password=ADMIN_PASSWORD,
                                                 username="admin", state="present"))
    assert not result.get("changed")
    assert len(logins(sim)) == 1
    calls = [r.path for r in sim.requests if r.path in ("/lib/ajax/service.php", "/login/index.php")]
    assert calls[0] == "/lib/ajax/service.php" and calls.count("/lib/ajax/service.php") == 2


def kill_sessions(sim):
    with sim.state.lock:
        sim.state.sessions.clear()


def renew_sesskeys(sim):
    with sim.state.lock:
        for session in sim.state.sessions.values():
            session.sesskey = "renewed1234"


@pytest.mark.parametrize("end_session, refusal", [(renew_sesskeys, 404), (kill_sessions, 303)])
def test_refused_post_is_repeated_once_with_the_new_sesskey(sim, cache_dir, end_session, refusal):
    """The client level: a form POST answered by the invalidsesskey error page or a redirect to the login page
    (Moodle wrote nothing) is sent again after a new login, with the new sesskey."""
    from ansible_collections.moodleops.auth.plugins.module_utils.client import MoodleClient
    from ansible_collections.moodleops.auth.plugins.module_utils.redact import Redactor
    options = dict(admin(sim), session_cache=True)
    client = MoodleClient(options, Redactor())
    client.session()
    client.close()
    end_session(sim)
    sim.clear_log()
    client = MoodleClient(options, Redactor())
    data = [("sesskey", client.sesskey), ("return", "manage"), ("resettype", "none"), ("shortname", "auditor"), ("name", "Auditor"), ("description", ""),
            ("archetype", ""), ("contextlevel10", "1"), ("savechanges", "Create this role")]
    response = client.post("admin/roles/define.php", data, params={"action": "add"})
    client.close()
    posts = [r for r in sim.requests if r.path == "/admin/roles/define.php"]
    assert [r.status for r in posts] == [refusal, 303] and response.status == 303
    assert len(logins(sim)) == 1
    with sim.state.lock:
        assert len([r for r in sim.state.roles.values() if r["shortname"] == "auditor"]) == 1


def test_without_cache_each_task_logs_in_and_out(sim, cache_dir):
    for _run in range(2):
        run_logged(sim, "moodle_info", admin(sim, session_cache=False))
        assert len(logins(sim)) == 1 and len(logouts(sim)) == 1
    assert not cache_files(cache_dir)


def test_entries_expire_when_idle_or_old_and_a_broken_file_is_dropped(tmp_path):
    from ansible_collections.moodleops.auth.plugins.module_utils import session_cache as cache
    clock = [1000000.0]
    entry = cache.SessionCache("k", directory=str(tmp_path), now=lambda: clock[0])
    entry.save([{"name": "MoodleSession", "value": "abcdef"}], "sesskey123", 2)
    clock[0] += cache.IDLE_SECONDS - 1
    assert entry.load()["sesskey"] == "sesskey123"
    entry.save([{"name": "MoodleSession", "value": "abcdef"}], "sesskey123", 2, created=entry.load()["created"])
    clock[0] += cache.IDLE_SECONDS
    assert entry.load() is None and not os.path.exists(entry.path)
    entry.save([{"name": "MoodleSession", "value": "abcdef"}], "sesskey123", 2, created=clock[0] - cache.MAX_AGE_SECONDS)
    assert entry.load() is None
    with open(entry.path, "w") as broken:
        broken.write("{not json")
    assert entry.load() is None and not os.path.exists(entry.path)


def test_the_key_differs_for_every_part_of_the_identity():
    from ansible_collections.moodleops.auth.plugins.module_utils.session_cache import cache_key
    base = ("https://moodle.example.edu", "admin", "password", ADMIN_PASSWORD, None)
    variants = [("https://other.example.edu",) + base[1:], base[:1] + ("admin2",) + base[2:],
                base[:2] + ("cas",) + base[3:], base[:3] + ("Wrong#12345", None), base[:4] + ("https://cas.example.edu",)]
    keys = set(cache_key(*identity) for identity in [base] + variants)
    assert len(keys) == 1 + len(variants)
    assert cache_key("https://MOODLE.example.edu/", *base[1:]) == cache_key(*base)
    assert not [key for key in keys if ADMIN_PASSWORD in key]
