import os
import sys
from pathlib import Path

# tests.moodle_sim is imported by its package path; make the repository root importable
# however pytest was started (plain ``pytest`` does not put the cwd on sys.path).
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)


def pytest_addoption(parser):
    # only seen when this folder is on the pytest command line; $MOODLE_FIXTURES works always
    parser.addoption("--moodle-fixtures", default=None,
                     help="fixture folder to replay (default ../shared/moodle-fixtures/moodle-4.5.6)")


def pytest_configure(config):
    path = config.getoption("--moodle-fixtures", default=None)
    if path:
        os.environ["MOODLE_FIXTURES"] = path


# Summary lines of the simulator replays run in this session (test_conformance appends them).
SUMMARIES = []


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if SUMMARIES:
        terminalreporter.write_sep("-", "simulator conformance (the simulator replayed against real recordings)")
        for line in SUMMARIES:
            terminalreporter.write_line(line)
