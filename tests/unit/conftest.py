"""Unit-test hooks: the client conformance figures in the terminal summary (default pytest output)."""


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    try:
        from client_conformance.core import summary_lines
    except ImportError:
        return
    lines = summary_lines()
    if lines:
        terminalreporter.write_sep("-", "client conformance (real client parsers on recorded Moodle answers)")
        for line in lines:
            terminalreporter.write_line(line)
