"""docs/troubleshooting.md lists every message the code emits (tools/error_catalog.py --check)."""

import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TOOL = os.path.join(ROOT, "tools", "error_catalog.py")


def test_troubleshooting_page_is_up_to_date():
    run = subprocess.run([sys.executable, TOOL, "--check"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr + run.stdout + "\n-> run: python tools/error_catalog.py"


def test_catalogue_finds_the_core_messages():
    run = subprocess.run([sys.executable, TOOL, "--print"], cwd=ROOT, capture_output=True, text=True, check=True)
    text = run.stdout
    # a literal message with its hint, a class with its own __init__, a web service errorcode, a warning
    assert "url is required for HTTP access. | `InvalidInputError` | Set url or MOODLE\\_URL." in text \
        or "url is required for HTTP access. | `InvalidInputError` | Set url or MOODLE_URL." in text
    assert "`WwwrootMismatchError`" in text
    assert "(errorcode `invalidtoken`)" in text
    assert "| warning |" in text
    assert "### Versions and unexpected pages" in text
