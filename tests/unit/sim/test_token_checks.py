"""Issue 18 (items 2, 8, 9, 12): what moodle_token and moodle_site say about a token's IP restriction and its user's
missing capabilities, the moodle_site failure message (the section only when the entry is the cause), tokens check
mode would create, and the simulator's answers these rest on (REST refusing a token's IP restriction: Moodle's
webservice_server::authenticate_by_token(); the token report's Missing capabilities: 051, 314)."""
import json
import re

import pytest
import requests

from simhelpers import login
from tests.module_harness import run_module
from tests.moodle_sim import Simulator

from ansible_collections.moodleops.auth.plugins.module_utils.resources.webservice import SECTION as WEBSERVICES
from ansible_collections.moodleops.auth.plugins.module_utils.moodle import tokens

ADMIN = {"username": "admin", "password": "Admin#12345"}
REST = "/webservice/rest/server.php"
TOKENS = "/admin/webservice/tokens.php"
USERS_BY_FIELD = ["moodle/user:viewdetails", "moodle/user:viewhiddendetails", "moodle/course:useremail",
                  "moodle/user:update"]
COURSES = ["moodle/course:view", "moodle/course:update", "moodle/course:viewhiddencourses"]


def ctl(sim, path, body):
    answer = requests.post(sim.url + "/__sim__/" + path, data=json.dumps(body))
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture(params=["4.5", "5.1"])
def site(request):
    """Web services and REST on; ci_bot holds ws_ci (webservice/rest:use only); service ci_bootstrap offers
    core_webservice_get_site_info and core_user_get_users_by_field to ci_bot."""
    with Simulator(state="bare", moodle=request.param) as sim:
        ctl(sim, "user", {"username": "ci_bot", "password": "Ci-Bot#2027", "firstname": "CI", "lastname": "Bot",
                          "email": "ci-bot@example.edu"})
        ctl(sim, "cfg", {"name": "enablewebservices", "set": "1"})
        ctl(sim, "cfg", {"name": "webserviceprotocols", "set": "rest"})
        ctl(sim, "role", {"shortname": "ws_ci", "contextlevels": [10], "capabilities": {"webservice/rest:use": 1},
                          "assign": ["ci_bot"]})
        ctl(sim, "service", {"name": "CI bootstrap", "shortname": "ci_bootstrap", "restrictedusers": True,
                             "functions": ["core_webservice_get_site_info", "core_user_get_users_by_field"],
                             "authorised_users": ["ci_bot"]})
        yield sim


def token(sim, store, **options):
    args = dict(ADMIN, url=sim.url, user="ci_bot", service="ci_bootstrap", token_store=store)
    check_mode = options.pop("check_mode", False)
    args.update(options)
    return run_module("moodle_token", args, check_mode=check_mode)


def warnings_of(result):
    """The warning texts of a module result (ansible-core 2.19+ returns each as a WarningSummary)."""
    return [warning if isinstance(warning, str) else warning["event"]["msg"] for warning in result.get("warnings") or []]


def report_missing(sim):
    """{token name: [capabilities in the Missing capabilities cell]} of the token report as the admin sees it."""
    session, _sesskey = login(sim)
    html = session.get(sim.url + TOKENS).text
    found = {}
    for row in re.findall(r'<tr class="" id="system-report-table-1_r\d+">(.*?)</tr>', html, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        found[re.sub("<[^>]+>", "", cells[0]).strip()] = re.findall(r'<div class="text-muted">([^<]+)</div>', cells[8])
    return found


# -- the simulator ---------------------------------------------------------------------------------------------------

def test_rest_refuses_a_token_outside_its_ip_restriction_as_moodle_does(site):
    """accessexception "Access control exception" (the shape of 327); the caller's address only in the debuginfo,
    which Moodle sends with debugging on: 'Invalid service - IP:<address> is not supported - check this allowed user'."""
    value = site.state.create_token(site.state.user_by_username("ci_bot")["id"],
                                    site.state.service_by_shortname("ci_bootstrap")["id"], 2, name="ip",
                                    iprestriction="192.0.2.10")["token"]
    data = {"wstoken": value, "wsfunction": "core_webservice_get_site_info", "moodlewsrestformat": "json"}
    answer = requests.post(site.url + REST, data=data).json()
    assert answer == {"exception": "webservice_access_exception", "errorcode": "accessexception",
                      "message": "Access control exception"}
    ctl(site, "debug", {"on": True})
    answer = requests.post(site.url + REST, data=data).json()
    assert answer["errorcode"] == "accessexception"
    assert answer["debuginfo"] == "Invalid service - IP:127.0.0.1 is not supported - check this allowed user"
    site.state.tokens[-1]["iprestriction"] = "192.0.2.10,127.0.0.1"
    assert requests.post(site.url + REST, data=data).json()["username"] == "ci_bot"


def test_token_report_lists_what_the_functions_need(site):
    """051/314: the capabilities of the service's functions the user lacks, core_user_create_users' before
    core_user_get_users_by_field's; core_course_get_courses' from lib/db/services.php; never webservice/rest:use."""
    ctl(site, "service", {"name": "Courses", "shortname": "courses", "functions": ["core_course_get_courses"]})
    ctl(site, "service", {"name": "Users", "shortname": "users", "functions": [
        "core_user_get_users_by_field", "core_user_create_users", "core_webservice_get_site_info"]})
    ctl(site, "token", {"tokens": [{"name": "bootstrap", "username": "ci_bot", "service": "ci_bootstrap"},
                                   {"name": "courses", "username": "ci_bot", "service": "courses"},
                                   {"name": "users", "username": "ci_bot", "service": "users"}]})
    missing = report_missing(site)
    assert missing == {"bootstrap": USERS_BY_FIELD, "courses": COURSES, "users": ["moodle/user:create"] + USERS_BY_FIELD}
    ctl(site, "role", {"shortname": "ws_more", "contextlevels": [10], "assign": ["ci_bot"],
                       "capabilities": dict((cap, 1) for cap in USERS_BY_FIELD + COURSES[:1])})
    assert report_missing(site) == {"bootstrap": [], "courses": COURSES[1:], "users": ["moodle/user:create"]}


# -- moodle_token ------------------------------------------------------------------------------------------------------

def test_verification_refused_by_the_ip_restriction_says_so(site, tmp_path):
    store = str(tmp_path / "tokens.json")
    site.clear_log()
    result = token(site, store, name="ci", ip_restriction="192.0.2.10")
    assert result["failed"] and result["errorcode"] == "accessexception"
    assert result["msg"].startswith(
        "The new token (kept in token_store) is refused by REST because of its IP restriction: ip_restriction "
        "'192.0.2.10' does not include 127.0.0.1, the address this host (")
    assert "Add the address the module calls Moodle from to ip_restriction (for example '192.0.2.10,127.0.0.1'), " \
           "or set verify: false" in result["msg"]
    assert "webservice/rest:use" not in result["msg"]
    # what the simulator saw: the token was made as asked, then the REST call refused
    made = [t for t in site.state.tokens if t["name"] == "ci"]
    assert len(made) == 1 and made[0]["iprestriction"] == "192.0.2.10"
    assert [r.status for r in site.requests if r.path == REST] == [200]
    # the token is kept: a re-run keeps it, writes nothing, and does not verify again
    site.clear_log()
    again = token(site, store, name="ci", ip_restriction="192.0.2.10")
    assert not again.get("failed") and not again["changed"] and again["token_id"] == made[0]["id"]
    assert [r.path for r in site.requests if r.write or r.path == REST] == []


def test_verification_refused_with_moodle_debugging_names_moodles_address(site, tmp_path):
    ctl(site, "debug", {"on": True})
    result = token(site, str(tmp_path / "tokens.json"), name="ci", ip_restriction="192.0.2.0/28")
    assert result["failed"]
    assert result["msg"].startswith(
        "The new token (kept in token_store) is refused by REST because of its IP restriction: Moodle saw the call "
        "come from 127.0.0.1, which ip_restriction '192.0.2.0/28' does not include. [Moodle errorcode: "
        "accessexception] Add the address")


def test_ip_restriction_that_lists_this_host_verifies_and_verify_false_skips(site, tmp_path):
    listed = token(site, str(tmp_path / "a.json"), name="listed", ip_restriction="10.0.0.0/8,127.0.0.1")
    assert not listed.get("failed"), listed.get("msg")
    assert listed["verified"] is True
    site.clear_log()
    skipped = token(site, str(tmp_path / "b.json"), name="unverified", ip_restriction="192.0.2.10", verify=False)
    assert not skipped.get("failed") and skipped["changed"] and skipped["verified"] is False
    assert [r for r in site.requests if r.path == REST] == []


def test_a_user_without_rest_use_is_still_told_about_rest_use(site, tmp_path):
    ws_ci = [role["id"] for role in site.state.roles.values() if role["shortname"] == "ws_ci"][0]
    site.state.role_caps[ws_ci] = {}        # ws_ci without webservice/rest:use
    result = token(site, str(tmp_path / "tokens.json"), name="ci", ip_restriction="127.0.0.1")
    assert result["failed"] and "ci_bot cannot use service ci_bootstrap" in result["msg"]
    assert "webservice/rest:use" in result["msg"] and "because of its IP restriction" not in result["msg"]


def test_missing_capabilities_warning_names_the_token(site, tmp_path):
    store = str(tmp_path / "tokens.json")
    created = token(site, store, name="ci")
    assert not created.get("failed"), created.get("msg")
    token_id = created["token_id"]
    assert created["missing_capabilities"] == USERS_BY_FIELD
    assert warnings_of(created) == [
        "Token %d (ci) of ci_bot on service ci_bootstrap: the user lacks capabilities that functions of the service "
        "need: %s (Moodle's token report, column Missing capabilities). Those functions will refuse the token: grant "
        "the capabilities to the user through a role (moodleops.auth.moodle_role), or leave the functions out of "
        "the service." % (token_id, ", ".join(USERS_BY_FIELD))]
    kept = token(site, store, name="ci")
    assert not kept["changed"] and kept["missing_capabilities"] == USERS_BY_FIELD and not warnings_of(kept)
    would = token(site, str(tmp_path / "other.json"), name="other", check_mode=True)
    assert would["changed"] and would["missing_capabilities"] is None


# -- moodle_site ---------------------------------------------------------------------------------------------------------

def site_run(sim, description, check_mode=False, **connection):
    args = dict(ADMIN, url=sim.url, site=description)
    args.update(connection)
    return run_module("moodle_site", args, check_mode=check_mode)


def test_a_failed_login_is_not_the_sections_fault(site, tmp_path):
    site.clear_log()
    result = site_run(site, {"webservices": {"enabled": True, "protocols": ["rest"]}}, password="wrong-Pw1")
    assert result["failed"] and result["errorcode"] == "invalidlogin"
    assert result["msg"].startswith("Moodle refused the login of user 'admin'"), result["msg"]
    assert [r.path for r in site.requests if r.method == "POST"] == ["/login/index.php"]
    assert [r for r in site.requests if r.write] == []
    # an entry that is the cause is named, once
    failed = site_run(site, {"tokens": [{"user": "ci_bot", "service": "nosuch", "token_store": str(tmp_path / "t.json")}]})
    assert failed["msg"].startswith("tokens[0] (ci_bot@nosuch): External service 'nosuch' does not exist")
    assert failed["msg"].count("nosuch' does not exist") == 1


def test_check_mode_reports_the_tokens_it_would_create(site, tmp_path):
    store = str(tmp_path / "tokens.json")
    description = {
        "webservices": {"enabled": True, "protocols": ["rest"]},
        "users": [{"username": "new_bot", "auth": "webservice", "firstname": "New", "lastname": "Bot",
                   "email": "new-bot@example.edu"}],
        "tokens": [{"user": "new_bot", "service": "ci_bootstrap", "name": "ci", "token_store": store},
                   {"user": "new_bot", "service": "moodle_mobile_app", "method": "login", "user_password": "x",
                    "token_store": store},
                   {"user": "new_bot", "service": "ci_bootstrap", "name": "old", "state": "absent",
                    "token_store": store}]}
    site.clear_log()
    result = site_run(site, description, check_mode=True)
    assert not result.get("failed"), result.get("msg")
    assert [r for r in site.requests if r.write] == [] and site.state.tokens == []
    entries = result["sections"]["tokens"]
    assert [(e["changed"], e["changes"]) for e in entries] == [
        (True, ["token for new_bot on ci_bootstrap: created"]),
        (True, ["token for new_bot on moodle_mobile_app: fetched"]),
        (False, [])]
    assert all(e["skipped"] and "would be created by this run" in e["msg"] for e in entries)
    assert "tokens[0] (new_bot@ci_bootstrap#ci): token for new_bot on ci_bootstrap: created" in result["changes"]
    assert result["tokens"] == {}
    assert result["sections"]["webservices"][0]["entry"] == "enabled (rest)"
    report = dict((line["entry"], line) for line in result["report"])
    assert report["new_bot@ci_bootstrap#ci"]["changes"] == ["token for new_bot on ci_bootstrap: created"]


def test_entry_warnings_are_on_the_entry_and_its_report_line(site, tmp_path):
    result = site_run(site, {"tokens": [{"user": "ci_bot", "service": "ci_bootstrap", "name": "ci",
                                         "token_store": str(tmp_path / "tokens.json")}]})
    assert not result.get("failed"), result.get("msg")
    entry = result["sections"]["tokens"][0]
    assert entry["missing_capabilities"] == USERS_BY_FIELD
    assert len(entry["warnings"]) == 1 and entry["warnings"][0].startswith(
        "Token %d (ci) of ci_bot on service ci_bootstrap: the user lacks capabilities" % entry["token_id"])
    assert warnings_of(result) == entry["warnings"]
    assert result["report"][0]["warnings"] == entry["warnings"]


# -- helpers -------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("restriction, expected", [
    ("192.0.2.10", False), ("192.0.2.10,127.0.0.1", True), ("127.0.0.0/8", True), ("10.0.0.0/8", False),
    ("127.0.0.1-20", True), ("127.0.0.2-20", False), ("127.0.", True), ("127", True), ("12", False),
    ("192.0.2.10\n127.0.0.1", True), ("::1", False), ("not an address", None)])
def test_address_allowed_reads_moodles_forms(restriction, expected):
    assert tokens.address_allowed("127.0.0.1", restriction) is expected


def test_label_of_web_services():
    assert WEBSERVICES.label({"state": "present", "protocols": ["rest", "soap"]}) == "enabled (rest, soap)"
    assert WEBSERVICES.label({"state": "present"}) == "enabled"
    assert WEBSERVICES.label({"state": "absent", "protocols": ["rest"]}) == "disabled"


def test_a_kept_token_whose_ip_restriction_differs_from_the_task_is_said_with_the_fix(site, tmp_path):
    store = str(tmp_path / "store.json")
    first = token(site, store, ip_restriction="127.0.0.1,192.0.2.10")
    assert first.get("changed") and not first.get("failed"), first.get("msg")
    same = token(site, store, ip_restriction="192.0.2.10, 127.0.0.1")          # same entries, other order/spacing
    assert not same.get("changed") and not [w for w in warnings_of(same) if "ip_restriction" in w]
    site.clear_log()
    other = token(site, store, ip_restriction="127.0.0.1,192.0.2.11")
    assert not other.get("changed") and not other.get("failed"), other.get("msg")
    said = [w for w in warnings_of(other) if "keeps ip_restriction" in w]
    assert len(said) == 1 and "state: rotated" in said[0] and "192.0.2.11" in said[0]
    assert not [record for record in site.requests if record.write]
