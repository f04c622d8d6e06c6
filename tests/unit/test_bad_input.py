"""Bad input: every module (and the site description) refuses wrong types, unknown keys, empty strings, control
characters, over-long values, broken URLs, YAML booleans for text and an http:// url with validate_certs: true,
before any request that writes, with a message naming the option. The table is bad_input_cases.py; the count goes
to the terminal summary (conftest.py)."""

import copy
import re

import pytest

from bad_input_cases import BASE, DELETE, MESSAGE_SAYS, MODULES, SITE, SITE_APPLY, SITE_SAYS, module_cases
from module_harness import run_module
from test_site_schema import complete_site
from tests.moodle_sim import Simulator

from ansible_collections.moodleops.auth.plugins.module_utils.input_checks import boolean_control_problem
from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import Page
from ansible_collections.moodleops.auth.plugins.plugin_utils.site_validate import validate

pytest.importorskip("jsonschema")

ADMIN = {"username": "admin", "password": "Admin#12345"}
SECRETS = ("Admin#12345", "apilogin-Secret-1", "0123456789abcdef0123456789abcdef")

TALLY = {"module": 0, "site": 0, "zero_requests": 0, "read_only": 0}


def bad_input_summary():
    """The line conftest.py prints, or None when the suite did not run."""
    if not TALLY["module"] and not TALLY["site"]:
        return None
    return ("bad input: %d cases (%d module, %d site description) failed before any write, each naming its option; "
            "%d module cases without any request, %d after reads only" % (
                TALLY["module"] + TALLY["site"], TALLY["module"], TALLY["site"], TALLY["zero_requests"],
                TALLY["read_only"]))


@pytest.fixture(scope="module")
def sim():
    simulator = Simulator(state="fresh", moodle="4.5").start()
    yield simulator
    simulator.stop()


def names(message, option):
    """The message names the option as a word of its own (name is not found inside username)."""
    return re.search(r"(?<![\w\[.])%s(?![\w])" % re.escape(option), message) is not None


def module_params():
    params = []
    for case in module_cases():
        params.append(pytest.param(*case, id=case[0]))
    return params


def run(sim, module, options):
    args = dict(url=sim.url, **ADMIN)
    args.update(BASE.get(module, {}))
    args.update(options)
    args = dict((key, value) for key, value in args.items() if value is not DELETE)
    sim.clear_log()
    return run_module(module, args), list(sim.requests)


@pytest.mark.parametrize("case_id,module,options,expected", module_params())
def test_bad_module_input_fails_before_any_write_naming_the_option(sim, case_id, module, options, expected):
    result, seen = run(sim, module, options)
    message = result.get("msg", "")
    assert result.get("failed") is True, "%s was accepted: %s" % (case_id, result)
    for option in expected:
        assert names(message, option), "%r does not name %s" % (message, option)
    for words in MESSAGE_SAYS.get(case_id, ()):
        assert words in message, "%r does not say %r" % (message, words)
    # a message, not a traceback (2.19+ may attach fail_json's own call stack, never an exception raised)
    assert "Traceback" not in message and "Error:" not in result.get("exception", ""), result.get("exception")
    assert not any(secret in message for secret in SECRETS)
    assert not [record for record in seen if record.write], [record for record in seen if record.write]
    TALLY["module"] += 1
    TALLY["zero_requests" if not seen else "read_only"] += 1


def set_at(site, path, value):
    target = site
    for key in path[:-1]:
        target = target.setdefault(key, {}) if isinstance(target, dict) else target[key]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = copy.deepcopy(value)
    return site


@pytest.mark.parametrize("case_id,path,value,expected", [pytest.param(*case, id=case[0]) for case in SITE])
def test_bad_site_description_names_the_path(case_id, path, value, expected):
    problems = validate(set_at(complete_site(), path, value))
    assert problems, "%s was accepted" % case_id
    assert "moodle_site." + expected in [problem.split(": ", 1)[0] for problem in problems], problems
    named = [problem for problem in problems if problem.split(": ", 1)[0] == "moodle_site." + expected]
    for words in SITE_SAYS.get(case_id, ()):
        assert any(words in problem for problem in named), "%r do not say %r" % (named, words)
    TALLY["site"] += 1


@pytest.mark.parametrize("case_id,site,expected,says", [pytest.param(*case, id=case[0]) for case in SITE_APPLY])
def test_site_description_fails_before_any_write_naming_the_entry(sim, case_id, site, expected, says):
    """What only the site can tell (an auth plugin setting's control on its settings page): moodle_site reads,
    then fails naming the entry and the setting, before its first write."""
    result, seen = run(sim, "moodle_site", {"site": site})
    message = result.get("msg", "")
    assert result.get("failed") is True, "%s was accepted: %s" % (case_id, result)
    for option in expected:
        assert names(message, option), "%r does not name %s" % (message, option)
    for words in says:
        assert words in message, "%r does not say %r" % (message, words)
    assert not any(secret in message for secret in SECRETS + ("Bad#Input12345",))
    assert not [record for record in seen if record.write], [record for record in seen if record.write]
    TALLY["site"] += 1


def test_the_table_covers_every_module_and_enough_cases():
    covered = set(case[1] for case in module_cases())
    assert covered == set(MODULES)
    assert len(module_cases()) + len(SITE) >= 250


# -- accepted variants: what the checks must let through ---------------------------------------------------------
@pytest.mark.parametrize("url_suffix", ["/", "//"])
def test_a_trailing_slash_on_url_is_accepted_and_normalised(sim, url_suffix):
    sim.clear_log()
    result = run_module("moodle_info", dict(url=sim.url + url_suffix, gather=["site"], **ADMIN))
    assert not result.get("failed"), result.get("msg")
    assert sim.requests and not any(record.path.startswith("//") for record in sim.requests)


def test_http_url_with_validate_certs_from_the_environment_still_works(sim, monkeypatch):
    """AWX's credential type injects MOODLE_VALIDATE_CERTS=true even for an http:// test site."""
    monkeypatch.setenv("MOODLE_VALIDATE_CERTS", "true")
    result = run_module("moodle_info", dict(url=sim.url, gather=["site"], **ADMIN))
    assert not result.get("failed"), result.get("msg")


def test_http_url_with_validate_certs_false_works(sim):
    result = run_module("moodle_info", dict(url=sim.url, gather=["site"], validate_certs=False, **ADMIN))
    assert not result.get("failed"), result.get("msg")


@pytest.mark.parametrize("options", [{"name": "R\u00f4le f\u00fcr Pr\u00fcfer"}, {"name": "Rolle", "archetype": ""},
                                     {"description": "Line one\nline two\tand a tab"}])
def test_unicode_names_empty_archetype_and_multiline_descriptions_are_accepted(sim, options):
    args = dict(url=sim.url, shortname="accepted_variant", **ADMIN)
    args.update(options)
    result = run_module("moodle_role", args, check_mode=True)
    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True


@pytest.mark.parametrize("module", MODULES)
def test_the_base_options_of_every_module_pass_the_input_checks(sim, module):
    """The table's base options are valid: each case fails because of its one bad value."""
    result = run_module(module, dict(url=sim.url, **dict(ADMIN, **BASE[module])), check_mode=True)
    assert "Invalid options" not in result.get("msg", ""), result.get("msg")


def test_booleans_for_auth_plugin_settings_that_take_them_are_accepted(sim):
    """A boolean for a select of 0 and 1 (userkey iprestriction, createuser) is 1/0, as for a checkbox."""
    args = dict(url=sim.url, name="userkey", settings={"iprestriction": False, "createuser": False}, **ADMIN)
    result = run_module("moodle_auth_plugin", args, check_mode=True)
    assert not result.get("failed"), result.get("msg")


SETTINGS_FORM = Page(
    '<form id="adminsettings">'
    '<input type="hidden" name="s_auth_x_flag" value="0"><input type="checkbox" name="s_auth_x_flag" value="1">'
    '<select name="s_auth_x_yesno"><option value="0">No</option><option value="1" selected>Yes</option></select>'
    '<select name="s_auth_x_deref"><option value="0">No</option><option value="3">Yes</option></select>'
    '<select name="s_auth_x_many" multiple><option value="0">a</option><option value="1">b</option></select>'
    '<input type="text" name="s_auth_x_text" value="">'
    '<input type="password" name="s_auth_x_secret" value="">'
    '<textarea name="s_auth_x_area"></textarea>'
    '<input type="hidden" name="s_auth_x_draft" value="1234">'
    '</form>').form("adminsettings")


@pytest.mark.parametrize("field,value,wrong", [
    ("flag", True, None), ("flag", False, None), ("yesno", True, None), ("yesno", False, None),
    ("deref", True, "is a choice of 0, 3"), ("many", True, "is a choice of 0, 1"),
    ("text", False, "is a text field"), ("secret", True, "is a text field"), ("area", True, "is a text field"),
    ("draft", True, None), ("absent", True, None), ("text", "off", None), ("text", 0, None),
])
def test_a_boolean_is_checked_against_the_control(field, value, wrong):
    problem = boolean_control_problem(SETTINGS_FORM, "s_auth_x_" + field, value, field)
    if wrong is None:
        assert problem is None
    else:
        assert wrong in problem and "YAML read an unquoted yes/no/on/off/true/false as a boolean" in problem
