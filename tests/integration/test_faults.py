"""Faults (issue 10): HTTP errors, timeouts, dropped connections, maintenance, lost sessions and error pages hit
modules that write. Each run ends in a success after a safe retry (only reads are repeated) or in one clear
message; clearing the fault and re-running the same task converges, and the simulator's state holds exactly one
object with all its parts.

In-process (tests/module_harness.run_module) against one simulator for the file, reset to a fresh site of the
case's release (4.5 or 5.1) before each case, so cases do not depend on each other."""

import json
import re
import time
import types

import pytest

from ansible_collections.moodleops.auth.plugins.module_utils import http_transport
from tests.module_harness import run_module
from tests.moodle_sim import Simulator
from tests.moodle_sim import control

PASSWORDS = ("Admin#12345", "Teacher#12345", "Fault#User1x")
TOKEN_SERVICE = "fault_tokens"
FUNCTIONS = ["core_webservice_get_site_info", "core_user_get_users_by_field"]


def sim_control(sim, path, body):
    answer = control.handle(sim, "POST", path, json.dumps(body).encode())
    assert answer.status == 200, answer.body
    return json.loads(answer.body)


@pytest.fixture(scope="module")
def simulator():
    with Simulator(state="fresh") as running:
        yield running


def fresh_site(sim, release):
    """A fresh site of ``release`` where moodle_token can work: web services and REST on, teacher1 authorised
    on a service and allowed to use REST and to create tokens."""
    sim_control(sim, "/__sim__/reset", {"state": "fresh", "moodle": release})
    sim.state.set_config("enablewebservices", "1")
    sim.state.set_protocols(["rest"])
    sim_control(sim, "/__sim__/service", {"name": "Fault tokens", "shortname": TOKEN_SERVICE, "functions": FUNCTIONS,
                                          "restrictedusers": True, "authorised_users": ["teacher1"]})
    sim_control(sim, "/__sim__/role", {"shortname": "fault_rest", "name": "REST users", "contextlevels": [10],
                                       "capabilities": {"webservice/rest:use": 1, "moodle/webservice:createtoken": 1},
                                       "assign": ["teacher1"]})
    return sim


@pytest.fixture(autouse=True)
def backoff_waits(monkeypatch):
    """The transport's backoff between retries (0.5 s, 1 s, ...; not a module option), recorded and shortened."""
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        time.sleep(min(seconds, 0.01))

    monkeypatch.setattr(http_transport, "time", types.SimpleNamespace(sleep=sleep, time=time.time,
                                                                      monotonic=time.monotonic))
    return waits


# ---------------------------------------------------------------------------------------------------- the modules
def connection(sim, timeout):
    return dict(url=sim.url, username="admin", password="Admin#12345", timeout=timeout, retries=1)


def user_id(state, username):
    return state.user_by_username(username)["id"]


def webservice_args(key, tmp_path):
    return dict(protocols=["rest"])


def webservice_prepare(state):
    state.set_config("enablewebservices", "0")
    state.set_protocols([])


def webservice_check(state, key, args):
    assert state.cfg_flag("enablewebservices")
    assert state.protocols == ["rest"]


def service_args(key, tmp_path):
    return dict(name="Fault %s" % key, shortname="svc_%s" % key, functions=FUNCTIONS, restricted_users=True,
                authorised_users=["teacher1"])


def service_check(state, key, args):
    found = [s for s in state.services.values() if s["shortname"] == "svc_%s" % key]
    assert len(found) == 1, found
    assert sorted(found[0]["functions"]) == sorted(FUNCTIONS)
    assert list(found[0]["users"]) == [user_id(state, "teacher1")]
    assert found[0]["restrictedusers"] == 1


def role_args(key, tmp_path):
    return dict(shortname="role_%s" % key, name="Fault %s" % key, context_levels=["system"],
                capabilities={"webservice/rest:use": "allow", "moodle/webservice:createtoken": "allow"},
                users=["teacher1"])


def role_check(state, key, args):
    found = [r for r in state.roles.values() if r["shortname"] == "role_%s" % key]
    assert len(found) == 1, found
    rid = found[0]["id"]
    caps = state.role_caps.get(rid, {})
    assert caps.get("webservice/rest:use") == 1 and caps.get("moodle/webservice:createtoken") == 1, caps
    assert [u for r, u in state.role_assignments if r == rid] == [user_id(state, "teacher1")]


def token_args(key, tmp_path):
    return dict(user="teacher1", service=TOKEN_SERVICE, name="tok_%s" % key, token_store=str(tmp_path / "store.json"))


def token_check(state, key, args):
    found = [t for t in state.tokens if t["name"] == "tok_%s" % key]
    assert len(found) == 1, [t["id"] for t in found]
    assert found[0]["userid"] == user_id(state, "teacher1")
    assert found[0]["externalserviceid"] == state.service_by_shortname(TOKEN_SERVICE)["id"]
    with open(args["token_store"]) as handle:    # the one value Moodle showed once is kept
        stored = [entry["token"] for entry in json.load(handle)["tokens"].values()]
    assert stored == [found[0]["token"]]


def user_args(key, tmp_path):
    return dict(username="user_%s" % key, password="Fault#User1x", firstname="Fault", lastname=key,
                email="user_%s@example.edu" % key, login_username="admin", login_password="Admin#12345")


def user_check(state, key, args):
    found = [u for u in state.users.values() if u["username"] == "user_%s" % key and not u["deleted"]]
    assert len(found) == 1, found
    assert (found[0]["firstname"], found[0]["lastname"]) == ("Fault", key)
    assert found[0]["email"] == "user_%s@example.edu" % key


class Target:
    """A module that writes, where it reads (a GET after login) and where it writes (a POST)."""

    def __init__(self, module, read, write, form, args, check, prepare=None):
        self.module = module
        self.read = read
        self.write = write
        self.form = form
        self.args = args
        self.check = check
        self.prepare = prepare


TARGETS = {
    "webservice": Target("moodle_webservice_enable", "/admin/settings.php", "/admin/settings.php",
                         "/admin/settings.php?section=optionalsubsystems", webservice_args, webservice_check,
                         webservice_prepare),
    "service": Target("moodle_external_service", "/admin/webservice/service.php", "/admin/webservice/service.php",
                      "/admin/webservice/service.php?id=0", service_args, service_check),
    "role": Target("moodle_role", "/admin/roles/manage.php", "/admin/roles/assign.php",
                   "/admin/roles/define.php?action=add", role_args, role_check),
    "token": Target("moodle_token", "/admin/webservice/tokens.php", "/admin/webservice/tokens.php",
                    "/admin/webservice/tokens.php?action=create", token_args, token_check),
    "user": Target("moodle_user", "/user/editadvanced.php", "/user/editadvanced.php",
                   "/user/editadvanced.php?id=-1", user_args, user_check),
}


# ---------------------------------------------------------------------------------------------------- the faults
class Fault:
    """How to switch a fault on for a target, and what the first run must end in: "success", "retried" (success
    after repeating a read), "relogin" (success after logging in again) or "message" (failed; the message holds
    every word of ``words``)."""

    def __init__(self, name, outcome, words=(), timeout=5, maintenance=None, where=None, unlike=None, **fault):
        self.name = name
        self.outcome = outcome
        self.words = words
        self.unlike = unlike or {}  # target key -> (outcome, words) where that module ends otherwise
        self.timeout = timeout
        self.maintenance = maintenance
        self.where = where          # "read", "write", "form" or None (fault has its own path_prefix / none)
        self.fault = fault

    def switch_on(self, sim, target):
        if self.maintenance:
            sim_control(sim, "/__sim__/maintenance", {"mode": self.maintenance})
        if self.fault:
            fault = dict(self.fault)
            if self.where:
                fault["path_prefix"] = getattr(target, self.where)
                fault.setdefault("method", "POST" if self.where == "write" else "GET")
            sim.set_fault(**fault)

    def expected(self, key):
        return self.unlike.get(key, (self.outcome, self.words))

    def __repr__(self):
        return self.name


LOGGED_STATUS = {"drop": 0, "error502": 502, "error503": 503, "slow": 200}   # slow: answered late, client gone
WRITE_MAY_HAVE_HAPPENED = ("may", "re-run")
FAULTS = [
    Fault("500-read", "message", ("HTTP 500", "Error reading from database"), where="read", mode="error500"),
    Fault("502-read", "retried", where="read", mode="error502"),
    Fault("503-read", "retried", where="read", mode="error503"),
    Fault("500-write", "message", ("HTTP 500", "Error reading from database") + WRITE_MAY_HAVE_HAPPENED, where="write",
          mode="error500"),
    Fault("502-write", "message", ("HTTP 502",) + WRITE_MAY_HAVE_HAPPENED, where="write", mode="error502"),
    Fault("503-write", "message", ("HTTP 503",) + WRITE_MAY_HAVE_HAPPENED, where="write", mode="error503"),
    Fault("slow-read", "retried", timeout=1, where="read", mode="slow", delay=2),
    Fault("slow-write", "message", ("No answer within 1 s", "timeout") + WRITE_MAY_HAVE_HAPPENED, timeout=1,
          where="write", mode="slow", delay=2),
    Fault("drop-read", "retried", where="read", mode="drop"),
    Fault("drop-write", "message", ("closed the connection",) + WRITE_MAY_HAVE_HAPPENED, where="write", mode="drop"),
    Fault("maintenance-cli", "message", ("maintenance",), maintenance="cli"),
    # legacy mode: admins still log in and use admin pages (269-277), REST and token.php refuse everyone else
    Fault("maintenance-legacy", "success", maintenance="legacy",
          unlike={"token": ("message", ("maintenance", "core_webservice_get_site_info"))}),
    Fault("kill-sessions", "relogin", where="read", mode="kill_sessions"),
    Fault("notfound-form", "message", ("HTTP 404", "Can't find data record"), where="form", mode="notfound_html"),
    Fault("502-readback", "retried", mode="error502", after_write=True, method="GET"),
    Fault("drop-readback", "message", ("closed the connection",) + WRITE_MAY_HAVE_HAPPENED, mode="drop",
          count=2, after_write=True, method="GET"),
]
RELEASE_51_TARGETS = ("token",)   # the 5.1 token form differs most (date-time selectors); the rest is shared


# The role pages are the heaviest (742/757 capabilities, ~0.5 s a run): faults that the transport meets the same way
# on every module's first admin page run on the other four modules only.
SAME_FOR_EVERY_MODULE = ("500-read", "502-read", "503-read", "503-write", "slow-read", "drop-read", "maintenance-cli")


def cases():
    for release, keys in (("4.5", TARGETS), ("5.1", RELEASE_51_TARGETS)):
        for fault in FAULTS:
            for key in keys:
                if key == "role" and fault.name in SAME_FOR_EVERY_MODULE:
                    continue
                yield pytest.param(release, fault, key, id="%s-%s-%s" % (release, fault.name, key))


# ---------------------------------------------------------------------------------------------------- checks
def secrets_of(sim):
    found = set(PASSWORDS)
    found.update(t["token"] for t in sim.state.tokens)
    found.update(sim.state.sessions)
    found.update(getattr(sim.state, "dead_sids", ()))
    for record in sim.requests:
        found.update(re.findall(r"sesskey=([A-Za-z0-9]+)", record.query or ""))
    return found


def assert_one_clear_message(sim, result, words):
    assert result.get("failed") is True, result
    message = result["msg"]
    assert "Traceback" not in message, message
    # 2.19+ may attach fail_json's own call stack to a failure, never the traceback of an expected failure
    stack = result.get("exception", "")
    assert "http_transport" not in stack and "client.py" not in stack, stack
    for word in words:
        assert word.lower() in message.lower(), (word, message)
    leaked = [secret for secret in secrets_of(sim) if secret in json.dumps(result)]
    assert not leaked, message


def repeated_requests(records):
    """Requests sent twice in a row (a retry): (first, second) pairs."""
    return [(a, b) for a, b in zip(records, records[1:])
            if (a.method, a.path, a.query, a.form_keys) == (b.method, b.path, b.query, b.form_keys)]


def assert_only_reads_repeated(records):
    for first, again in repeated_requests(records):
        assert not first.write and not again.write, (first, again)
        assert first.method == "GET" or again.path == "/lib/ajax/service.php", (first, again)


def converge(sim, name, args, target, key):
    """Re-run without fault: a change or nothing to do, then nothing to do; the site holds one whole object."""
    again = run_module(name, args)
    assert not again.get("failed"), again.get("msg")
    target.check(sim.state, key, args)
    sim.clear_log()
    third = run_module(name, args)
    assert not third.get("failed") and third["changed"] is False, third
    assert not [r for r in sim.requests if r.write], sim.requests
    target.check(sim.state, key, args)


@pytest.mark.parametrize("release,fault,key", list(cases()))
def test_fault_then_rerun_converges(simulator, tmp_path, backoff_waits, release, fault, key):
    sim = fresh_site(simulator, release)
    target = TARGETS[key]
    case = re.sub(r"[^a-z0-9]", "", fault.name + key)
    args = dict(connection(sim, fault.timeout), **target.args(case, tmp_path))
    if target.prepare:
        target.prepare(sim.state)
    sim.clear_log()
    fault.switch_on(sim, target)
    try:
        result = run_module(target.module, args)
    finally:
        sim.set_fault("none")
        sim_control(sim, "/__sim__/maintenance", {"mode": "off"})
    records = sim.requests
    assert_only_reads_repeated(records)
    outcome, words = fault.expected(key)
    if outcome == "message":
        assert_one_clear_message(sim, result, words)
    else:
        assert not result.get("failed"), result.get("msg")
        assert result["changed"] is True
        target.check(sim.state, case, args)
        if outcome == "retried":   # the faulted read, then the same read again
            faulted = LOGGED_STATUS[fault.fault["mode"]]
            assert [first for first, _again in repeated_requests(records) if first.status == faulted], records
            assert backoff_waits and backoff_waits[0] == 0.5, backoff_waits
        if outcome == "relogin":   # sent to the login page mid-run (303), the client logged in again
            killed = [i for i, r in enumerate(records) if r.path == target.read and r.status == 303]
            assert killed and [r for r in records[killed[0]:] if (r.method, r.path) == ("POST", "/login/index.php")]
    converge(sim, target.module, dict(args, timeout=5), target, case)


@pytest.mark.parametrize("release", ["4.5", "5.1"])
def test_legacy_maintenance_refuses_token_php_and_rest_naming_it(simulator, tmp_path, release):
    """Legacy maintenance (maintenance_enabled): login/token.php and REST answer sitemaintenance to non-admins
    (270, 271); the task fails saying so, and converges once maintenance ends."""
    sim = fresh_site(simulator, release)
    token = sim_control(sim, "/__sim__/token", {"tokens": [{"name": "existing", "username": "teacher1",
                                                            "service": TOKEN_SERVICE}]})
    existing = [t["token"] for t in sim.state.tokens if t["id"] == token["ids"][0]][0]
    login = dict(connection(sim, 5), user="teacher1", user_password="Teacher#12345", service=TOKEN_SERVICE,
                 method="login", token_store=str(tmp_path / "store.json"))
    by_token = dict(url=sim.url, token=existing, auth_method="token", timeout=5, retries=1)
    sim_control(sim, "/__sim__/maintenance", {"mode": "legacy"})
    try:
        for name, args in (("moodle_token", login), ("moodle_info", by_token)):
            result = run_module(name, args)
            assert_one_clear_message(sim, result, ("maintenance", "sitemaintenance"))
            assert result["errorcode"] == "sitemaintenance"
    finally:
        sim_control(sim, "/__sim__/maintenance", {"mode": "off"})
    assert not [r for r in sim.requests if r.write]
    assert not run_module("moodle_info", by_token).get("failed")
    first = run_module("moodle_token", login)
    assert not first.get("failed"), first.get("msg")
    again = run_module("moodle_token", login)
    assert not again.get("failed") and again["changed"] is False and again["token"] == first["token"]
    mine = [t for t in sim.state.tokens if t["userid"] == user_id(sim.state, "teacher1")]
    assert [t["token"] for t in mine] == [existing] and first["token"] == existing
