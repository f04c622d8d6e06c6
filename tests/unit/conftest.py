"""Unit-test hooks: the client conformance and bad-input figures in the terminal summary (default pytest output)."""


import sys


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    write_bad_input_summary(terminalreporter)
    try:
        from client_conformance.core import summary_lines
    except ImportError:
        return
    lines = summary_lines()
    if lines:
        terminalreporter.write_sep("-", "client conformance (real client parsers on recorded Moodle answers)")
        for line in lines:
            terminalreporter.write_line(line)


def write_bad_input_summary(terminalreporter):
    suite = sys.modules.get("test_bad_input")   # only when this run collected it
    line = suite.bad_input_summary() if suite is not None else None
    if line:
        terminalreporter.write_sep("-", "bad input (test_bad_input.py)")
        terminalreporter.write_line(line)
