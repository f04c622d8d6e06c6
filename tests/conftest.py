"""Makes the repository importable as ansible_collections.moodleops.auth for pytest runs, and gives every test its own
session cache and lock directories (MOODLEOPS_SESSION_DIR, MOODLEOPS_LOCK_DIR, inherited by the ansible-playbook runs it
starts): no test reuses a session another test cached, and none touches ~/.ansible."""

import atexit
import os
import shutil
import tempfile

import pytest

from collection_paths import make_importable

make_importable()
_SESSION_ROOT = tempfile.mkdtemp(prefix="moodleops-pytest-")      # for session- and module-scoped fixtures
atexit.register(shutil.rmtree, _SESSION_ROOT, True)
os.environ["MOODLEOPS_SESSION_DIR"] = os.path.join(_SESSION_ROOT, "sessions")
os.environ["MOODLEOPS_LOCK_DIR"] = os.path.join(_SESSION_ROOT, "locks")


@pytest.fixture(autouse=True)
def own_session_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MOODLEOPS_SESSION_DIR", str(tmp_path / "sessions"))
    monkeypatch.setenv("MOODLEOPS_LOCK_DIR", str(tmp_path / "locks"))
