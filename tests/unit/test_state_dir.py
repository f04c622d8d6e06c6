"""Where the collection keeps its files (module_utils.state_dir): created race-free by many processes at once, a
private fallback when the state directory cannot be created, never a crash, never someone else's directory."""

import multiprocessing
import os
import stat
import tempfile

import pytest
from module_harness import run_module

from ansible_collections.moodleops.auth.plugins.module_utils import state_dir
from ansible_collections.moodleops.auth.plugins.module_utils.errors import LocalError, LocalStateError, local_error
from ansible_collections.moodleops.auth.plugins.module_utils.locks import object_lock
from ansible_collections.moodleops.auth.plugins.module_utils.session_cache import SessionCache
from ansible_collections.moodleops.auth.plugins.module_utils.state_dir import StateDir, check_writable
from ansible_collections.moodleops.auth.plugins.module_utils.token_store import TokenStore
from tests.moodle_sim import Simulator


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in ("MOODLEOPS_STATE_DIR", "MOODLEOPS_SESSION_DIR", "MOODLEOPS_LOCK_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "systmp"))
    os.mkdir(str(tmp_path / "home"))
    os.mkdir(str(tmp_path / "systmp"))


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def unwritable_root(tmp_path):
    """A state directory that cannot be created, even by root: its parent is a regular file."""
    blocker = tmp_path / "home" / "blocker"
    blocker.write_text("")
    return str(blocker / "state")


def test_default_is_under_home_with_private_modes(tmp_path):
    warnings = []
    state = StateDir(warn=warnings.append)
    sessions = state.path("sessions")
    assert sessions == str(tmp_path / "home" / ".ansible" / "moodleops.auth" / "sessions")
    assert mode(sessions) == 0o700 and mode(os.path.dirname(sessions)) == 0o700
    assert state.token_store() == str(tmp_path / "home" / ".ansible" / "moodleops.auth" / "tokens.json")
    assert warnings == []


def test_option_wins_over_environment_which_wins_over_default(tmp_path, monkeypatch):
    monkeypatch.setenv("MOODLEOPS_STATE_DIR", str(tmp_path / "from_env"))
    assert StateDir().path("locks") == str(tmp_path / "from_env" / "locks")
    assert StateDir(str(tmp_path / "from_option")).path("locks") == str(tmp_path / "from_option" / "locks")
    monkeypatch.setenv("MOODLEOPS_LOCK_DIR", str(tmp_path / "old_variable"))
    assert StateDir().path("locks") == str(tmp_path / "old_variable")           # the narrower variable still works
    assert StateDir(str(tmp_path / "opt")).path("locks") == str(tmp_path / "opt" / "locks")   # the option wins


def create_state(root, queue):
    try:
        state = StateDir(root)
        paths = [state.path("sessions"), state.path("locks")]
        with object_lock("https://moodle.example.edu", "role", "ws_ci", directory=paths[1]):
            TokenStore(state.token_store()).put("key-%d" % os.getpid(), {"token": "t", "token_id": os.getpid()})
        SessionCache("k%d" % os.getpid(), paths[0]).save([{"name": "MoodleSession", "value": "v"}], "s", 2)
        queue.put(("ok", paths))
    except Exception as error:  # pylint: disable=broad-except
        queue.put(("failed", "%s: %s" % (type(error).__name__, error)))


def test_ten_processes_create_the_state_of_a_fresh_home_at_once(tmp_path):
    root = str(tmp_path / "home" / ".ansible" / "moodleops.auth")
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [context.Process(target=create_state, args=(root, queue)) for _number in range(10)]
    for worker in workers:
        worker.start()
    outcomes = [queue.get(timeout=60) for _worker in workers]
    for worker in workers:
        worker.join(10)
    assert [outcome for outcome in outcomes if outcome[0] != "ok"] == []
    assert mode(root) == 0o700 and mode(os.path.join(root, "sessions")) == 0o700
    assert len(TokenStore(os.path.join(root, "tokens.json")).entries) == 10        # no write lost
    assert len([name for name in os.listdir(os.path.join(root, "sessions")) if name.endswith(".json")]) == 10


def test_make_private_dir_tolerates_a_directory_made_in_between(tmp_path, monkeypatch):
    target = str(tmp_path / "a" / "b")
    real_mkdir = os.mkdir

    def racing_mkdir(path, *args):
        real_mkdir(path, 0o755)         # another process wins the race for every level
        real_mkdir(path, *args)         # ours then meets EEXIST

    monkeypatch.setattr(os, "mkdir", racing_mkdir)
    assert state_dir.make_private_dir(target) == target
    assert os.path.isdir(target)


def test_an_unwritable_state_directory_falls_back_to_a_private_temp_directory_with_one_warning(tmp_path):
    warnings = []
    state = StateDir(unwritable_root(tmp_path), warn=warnings.append)
    sessions, locks = state.path("sessions"), state.path("locks")
    fallback = os.path.join(str(tmp_path / "systmp"), "moodleops.auth-%d" % os.getuid())
    assert (sessions, locks) == (os.path.join(fallback, "sessions"), os.path.join(fallback, "locks"))
    assert mode(fallback) == 0o700
    assert state.token_store() == os.path.join(fallback, "tokens.json")
    assert len(warnings) == 2       # the fallback once, the token store's (values lost on reboot) once
    assert "cannot be created" in warnings[0] and fallback in warnings[0] and "state_dir" in warnings[0]
    assert "token store" in warnings[1] and "rotated" in warnings[1]


def test_a_fallback_directory_of_someone_else_is_refused_and_the_cache_is_off(tmp_path):
    fallback = os.path.join(str(tmp_path / "systmp"), "moodleops.auth-%d" % os.getuid())
    os.mkdir(fallback)
    os.chmod(fallback, 0o777)       # prepared by another user (or world-writable): never used
    warnings = []
    state = StateDir(unwritable_root(tmp_path), warn=warnings.append)
    assert state.path("sessions") is None and state.path("locks") is None
    assert len(warnings) == 2
    assert all("is off for this task" in warning for warning in warnings)
    assert "session cache" in warnings[0] and "object lock" in warnings[1]


def test_an_explicit_token_store_that_cannot_be_written_fails_naming_the_path_and_the_option(tmp_path):
    path = os.path.join(unwritable_root(tmp_path), "tokens.json")
    with pytest.raises(LocalStateError) as caught:
        check_writable(path)
    message = str(caught.value)
    assert path in message and "token_store" in message and "Nothing was sent to Moodle" in message
    assert "Moodle answered" not in message


def test_local_failures_are_named_as_local_not_as_moodles_answer(tmp_path):
    with pytest.raises(OSError) as caught:
        os.mkdir(str(tmp_path / "missing" / "x"))
    local = local_error(caught.value)
    assert isinstance(local, LocalError)
    assert str(tmp_path / "missing" / "x") in str(local) and "not Moodle's answer" in str(local)
    assert "uid %d" % os.getuid() in str(local)
    assert isinstance(local_error(ImportError("No module named 'requests'")), LocalError)
    assert local_error(ValueError("bad page")) is None
    assert local_error(IOError("connection reset")) is None        # a network error has no file name


# -- whole modules, in-process, against the simulator -------------------------------------------------------------
ADMIN_PASSWORD = "Admin#12345"


@pytest.fixture
def sim():
    with Simulator(state="configured") as simulator:
        yield simulator


def admin(sim, **extra):
    return dict(dict(url=sim.url, username="admin", password=ADMIN_PASSWORD), **extra)


def warnings_of(result):
    """The warning texts of a module result (ansible-core 2.19+ returns each as a WarningSummary)."""
    return [warning if isinstance(warning, str) else warning["event"]["msg"] for warning in result.get("warnings") or []]


def logins(sim):
    return [r for r in sim.requests if r.method == "POST" and r.path == "/login/index.php"]


def test_a_module_with_an_unusable_state_directory_works_and_warns_once(sim, tmp_path):
    fallback = os.path.join(str(tmp_path / "systmp"), "moodleops.auth-%d" % os.getuid())
    os.mkdir(fallback)
    os.chmod(fallback, 0o755)       # not private: refused, so no directory at all can be had
    args = admin(sim, name="email", state="enabled", state_dir=unwritable_root(tmp_path))
    result = run_module("moodle_auth_plugin", args)
    assert not result.get("failed"), result.get("msg")
    off = [w for w in warnings_of(result) if "is off for this task" in w]
    assert len(off) == 2
    assert any("session cache" in w for w in off) and any("object lock" in w for w in off)
    assert all("not a directory" in w for w in off)
    assert len(logins(sim)) == 1


def test_a_token_store_that_cannot_be_written_fails_before_the_token_is_created(sim, tmp_path):
    store = os.path.join(unwritable_root(tmp_path), "tokens.json")
    with sim.state.lock:
        tokens_before = len(sim.state.tokens)
    result = run_module("moodle_token", admin(sim, user="admin", service="moodle_mobile_app", token_store=store))
    assert result.get("failed")
    assert store in result["msg"] and "token_store" in result["msg"] and "Moodle answered" not in result["msg"]
    # (no traceback in an ansible-playbook run: tests/integration/test_unprivileged.py)
    assert not [r for r in sim.requests if r.write]
    with sim.state.lock:
        assert len(sim.state.tokens) == tokens_before


def test_an_empty_environment_variable_counts_as_not_set(sim, monkeypatch):
    for name in ("MOODLE_CA_PATH", "MOODLE_CAS_URL", "MOODLE_TOKEN", "MOODLEOPS_STATE_DIR"):
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("MOODLE_URL", sim.url)
    monkeypatch.setenv("MOODLE_USERNAME", "admin")
    monkeypatch.setenv("MOODLE_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setenv("MOODLE_VALIDATE_CERTS", "true")
    result = run_module("moodle_info", {})
    assert not result.get("failed"), result.get("msg")
    assert result["debug"]["http_requests"] > 0


def test_an_empty_option_written_in_a_task_still_fails_naming_it(sim):
    result = run_module("moodle_info", admin(sim, ca_path=""))
    assert result.get("failed") and "ca_path" in result["msg"]
