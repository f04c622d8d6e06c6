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


# -- "where users run it": the suites that run the collection as users do, named in the test command's summary ----
WHERE_USERS_RUN_IT = (
    ("unprivileged user", "test_unprivileged.py"),
    ("ten processes on a fresh home", "test_state_dir.py::test_ten_processes"),
    ("AWX job (ansible-runner)", "test_awx_job.py"),
    ("restored site", "test_restored_site.py"),
    ("Galaxy role READMEs", "test_role_readme.py"),
    ("docs' examples as written", "test_doc_examples.py"),
)
_OUTCOMES = {}


def pytest_runtest_logreport(report):
    if report.when == "call" or report.outcome != "passed":
        for label, marker in WHERE_USERS_RUN_IT:
            if marker in report.nodeid:
                _OUTCOMES.setdefault(label, {}).setdefault(report.nodeid, report.outcome)
                if report.outcome != "passed":
                    _OUTCOMES[label][report.nodeid] = report.outcome


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    parts = []
    for label, _marker in WHERE_USERS_RUN_IT:
        outcomes = list(_OUTCOMES.get(label, {}).values())
        if outcomes:
            counts = ", ".join("%d %s" % (outcomes.count(kind), kind) for kind in ("passed", "failed", "skipped")
                               if outcomes.count(kind))
            parts.append("%s: %s" % (label, counts))
    if parts:
        terminalreporter.write_sep("-", "where users run it")
        terminalreporter.write_line("where users run it: " + "; ".join(parts))
