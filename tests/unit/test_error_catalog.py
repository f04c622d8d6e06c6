"""docs/troubleshooting.md lists every message the code emits (tools/error_catalog.py --check)."""

import os
import re
import subprocess
import sys

from bad_input_cases import SITE
from test_bad_input import set_at
from test_site_schema import complete_site

from ansible_collections.moodleops.auth.plugins.plugin_utils.site_validate import validate

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


def catalogue_patterns():
    """Each catalogued message as a regular expression: its {placeholders} match anything."""
    run = subprocess.run([sys.executable, TOOL, "--print"], cwd=ROOT, capture_output=True, text=True, check=True)
    patterns = []
    for line in run.stdout.splitlines():
        if not line.startswith("| ") or line.startswith("| message"):
            continue
        message = re.split(r"(?<!\\)\|", line)[1].strip()
        for escaped, char in (("\\|", "|"), ("&lt;", "<"), ("&gt;", ">"), ("\\*", "*"), ("\\`", "`"), ("\\_", "_"),
                              ("\\\\", "\\")):
            message = message.replace(escaped, char)
        parts = re.split(r"\{[^{}]*\}", message)
        if not re.search(r"[A-Za-z]{3}", "".join(parts)):
            continue        # a message passed on whole ({where}: {text}): catalogued where it is made
        patterns.append(re.compile("^" + ".*".join(re.escape(part) for part in parts) + "$", re.S))
    return patterns


def test_every_problem_the_site_description_check_gives_for_the_bad_input_table_is_catalogued():
    patterns = catalogue_patterns()
    seen = 0
    for _case_id, path, value, _expected in SITE:
        for problem in validate(set_at(complete_site(), path, value)):
            option, text = problem.split(": ", 1)
            shown = "{option}: " + text
            assert any(pattern.match(shown) for pattern in patterns), "not in docs/troubleshooting.md: %s" % problem
            seen += 1
    assert seen >= len(SITE)


def test_the_messages_a_new_admin_meets_first_are_catalogued():
    patterns = catalogue_patterns()
    for message in ("moodle_site is not valid (1 problem):\nmoodle_site.users[1].usrname: unknown key (did you "
                    "mean 'username'?)",
                    "{option}: unknown key (did you mean 'username'?)",
                    "{option}: https://moodle.example.edu/login/index.php is a page; give the site's address "
                    "(wwwroot), such as https://moodle.example.edu",
                    "{option}: moodle.example.edu needs the scheme http:// or https://",
                    "No site description: give it as the variable moodle_site, for example -e @site.yml (reference: "
                    "docs/site-description.md; playbooks/export.yml writes one from a live site)."):
        assert any(pattern.match(message) for pattern in patterns), "not in docs/troubleshooting.md: %s" % message


def test_the_catalogue_match_can_fail():
    patterns = catalogue_patterns()
    assert not [p.pattern for p in patterns if p.match("{option}: zzz is no message of the collection")]
    assert not [p.pattern for p in patterns if p.match("zzz is no message of the collection")]
