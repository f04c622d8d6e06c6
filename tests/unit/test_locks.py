"""The controller-side object locks (module_utils.locks) and how the converge runner holds them."""

import multiprocessing
import os
import signal
import stat
import time

import pytest

from ansible_collections.moodleops.auth.plugins.module_utils import locks
from ansible_collections.moodleops.auth.plugins.module_utils.converge import Resource, converge
from ansible_collections.moodleops.auth.plugins.module_utils.errors import LockTimeoutError
from ansible_collections.moodleops.auth.plugins.module_utils.locks import lock_path, object_lock
from ansible_collections.moodleops.auth.plugins.module_utils.redact import Redactor
from ansible_collections.moodleops.auth.plugins.module_utils.state_dir import StateDir

URL = "https://moodle.example.edu/"


@pytest.fixture(autouse=True)
def lock_dir(tmp_path, monkeypatch):
    directory = tmp_path / "locks"
    monkeypatch.setenv(locks.LOCK_DIR_ENV, str(directory))
    return directory


def held_elsewhere(kind, name):
    """Whether another holder has the object's lock right now (a second flock on it fails at once)."""
    try:
        with object_lock(URL, kind, name, timeout=0):
            return False
    except LockTimeoutError:
        return True


def test_the_lock_file_names_nothing_and_holds_nothing(lock_dir):
    with object_lock(URL, "user", "ci_bot") as path:
        assert os.path.dirname(path) == str(lock_dir)
        assert "ci_bot" not in path and "moodle.example" not in path
        assert len(os.path.basename(path)) == 64 + len(".lock")
    assert stat.S_IMODE(os.stat(str(lock_dir)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.path.getsize(path) == 0
    assert path == lock_path(URL.rstrip("/"), "user", "ci_bot")      # the trailing slash does not matter
    assert path != lock_path(URL, "user", "ci_bot2") != lock_path(URL, "role", "ci_bot")


def test_a_second_holder_waits_then_fails_naming_the_object_and_the_file():
    with object_lock(URL, "role", "ws_ci") as path:
        started = time.time()
        with pytest.raises(LockTimeoutError) as caught:
            with object_lock(URL, "role", "ws_ci", timeout=0.3):
                pass
        assert time.time() - started >= 0.3
        assert "role ws_ci" in str(caught.value) and path in str(caught.value)
        with object_lock(URL, "role", "other", timeout=0):   # another object: no wait
            pass
    assert not held_elsewhere("role", "ws_ci")


def hold_forever(ready):
    with object_lock(URL, "service", "ci"):
        ready.set()
        time.sleep(60)


def test_a_killed_holder_leaves_no_stale_lock():
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    holder = context.Process(target=hold_forever, args=(ready,))
    holder.start()
    try:
        assert ready.wait(10)
        assert held_elsewhere("service", "ci")
        os.kill(holder.pid, signal.SIGKILL)
        holder.join(10)
        with object_lock(URL, "service", "ci", timeout=5):
            pass
    finally:
        if holder.is_alive():
            holder.kill()


class FakeAnsible:
    _diff = False


class FakeMoodle:
    def __init__(self, check_mode=False, transport="http"):
        self.params = {"url": URL}
        self.check_mode = check_mode
        self.transport = transport
        self.state = StateDir()
        self.module = FakeAnsible()
        self.diff_wanted = False
        self.open_client = None
        self.redact = Redactor()


class LockedSetting(Resource):
    """A resource that records, at every step, whether its lock was held."""

    def __init__(self, moodle, lock=("setting", "enabled")):
        Resource.__init__(self, moodle)
        self.lock = lock
        self.seen = []

    def lock_name(self):
        return self.lock

    def note(self, step):
        self.seen.append((step, held_elsewhere("setting", "enabled")))

    def read(self):
        self.note("read")
        return {"enabled": "0"}

    def desired(self, before):
        return {"enabled": "1"}

    def apply(self, plan):
        self.note("apply")

    def verify(self, plan):
        self.note("verify")
        return plan.after


def test_the_runner_holds_the_lock_from_read_to_verify():
    resource = LockedSetting(FakeMoodle())
    result = converge(resource.moodle, resource)
    assert result["changed"] is True
    assert resource.seen == [("read", True), ("apply", True), ("verify", True)]
    assert not held_elsewhere("setting", "enabled")


def test_check_mode_and_resources_without_a_name_take_no_lock():
    resource = LockedSetting(FakeMoodle(check_mode=True))
    converge(resource.moodle, resource)
    resource_without = LockedSetting(FakeMoodle(), lock=None)
    converge(resource_without.moodle, resource_without)
    assert resource.seen == [("read", False)]
    assert resource_without.seen == [("read", False), ("apply", False), ("verify", False)]


def test_the_lock_is_released_when_a_step_fails():
    resource = LockedSetting(FakeMoodle())
    resource.apply = lambda plan: 1 / 0
    with pytest.raises(ZeroDivisionError):
        converge(resource.moodle, resource)
    assert not held_elsewhere("setting", "enabled")


class FakeTransport:
    write_count = 0


class FakeClient:
    def __init__(self):
        self.transport = FakeTransport()
        self.forgotten = []

    def forget_pages(self, read_before=None):
        self.forgotten.append(read_before)


def test_a_run_that_wrote_tells_the_next_holder_to_read_again_even_when_it_failed_after():
    moodle = FakeMoodle()
    moodle.open_client = FakeClient()
    path = lock_path(URL, "setting", "enabled")
    reader = LockedSetting(moodle)
    reader.desired = lambda before: before              # nothing to do: no write, the lock file is not touched
    converge(moodle, reader)
    unchanged = os.stat(path).st_mtime
    assert unchanged == 0 and moodle.open_client.forgotten == [0]

    writer = LockedSetting(moodle)

    def write_then_fail(plan):
        moodle.open_client.transport.write_count += 1
        raise ZeroDivisionError()
    writer.apply = write_then_fail
    with pytest.raises(ZeroDivisionError):
        converge(moodle, writer)
    changed = os.stat(path).st_mtime
    assert changed > unchanged

    converge(moodle, LockedSetting(moodle))              # the next holder forgets what it read before that change
    assert moodle.open_client.forgotten[-1] == changed
