"""Integration-test hooks: the simulators shared by the playbook-level tests, and the secrets audit's totals in the
terminal summary."""

import pytest

from secrets_audit import summary_lines
from test_targets import MOODLE_VERSIONS
from tests.moodle_sim import Simulator


@pytest.fixture(scope="module")
def fresh_simulators():
    """One fresh simulator per emulated release (MOODLE_SIM_VERSIONS), for one test module."""
    started = []
    try:
        for version in MOODLE_VERSIONS:
            started.append(Simulator(state="fresh", moodle=version).start())
        yield started
    finally:
        for sim in started:
            sim.stop()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    lines = summary_lines()
    if lines:
        terminalreporter.write_sep("-", "secrets audit (every -vvv output and every file written)")
        for line in lines:
            terminalreporter.write_line(line)
