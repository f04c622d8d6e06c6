"""moodle_site (module_utils/site/apply.py): the sections webservices..tokens and auth_plugins of a description in one
module run, in-process against the simulator: create, idempotent re-run without writes, check mode on a fresh site
(references to what the run would create skipped), a failing entry named by section and index, token values only in
``tokens``, the sections filter and token rotation."""
import json

from tests.module_harness import run_module

ADMIN = {"username": "admin", "password": "Admin#12345"}
TEACHER_PASSWORD = "Teacher#2027"


def description(store):
    return {
        "webservices": {"enabled": True, "protocols": ["rest"]},
        "users": [{"username": "ci_bot", "auth": "webservice", "firstname": "CI", "lastname": "Bot",
                   "email": "ci-bot@example.edu"},
                  {"username": "jteacher", "firstname": "Jo", "lastname": "Teacher", "email": "jt@example.edu",
                   "password": TEACHER_PASSWORD}],
        "roles": [{"shortname": "ws_ci", "name": "CI web services", "context_levels": ["system"],
                   "capabilities": {"webservice/rest:use": "allow"}, "users": ["ci_bot"]}],
        "services": [{"name": "CI bootstrap", "shortname": "ci_bootstrap", "functions": ["core_webservice_get_site_info"],
                      "restricted_users": True, "authorised_users": ["ci_bot"]}],
        "tokens": [{"user": "ci_bot", "service": "ci_bootstrap", "name": "ci", "token_store": store}],
        "auth_plugins": [{"name": "manual", "state": "enabled"}, {"name": "email", "state": "disabled"}],
    }


def apply(sim, site, check_mode=False, diff=False, **options):
    return run_module("moodle_site", dict(ADMIN, url=sim.url, site=site, **options), check_mode=check_mode, diff=diff)


def without_tokens(result):
    """The result as the roles show it (everything but the token values)."""
    return json.dumps(dict((key, value) for key, value in result.items() if key != "tokens"))


def site_user(sim, username):
    return [user for user in sim.state.users.values() if user["username"] == username and not user.get("deleted")]


def test_apply_then_rerun_without_writes(sim, tmp_path):
    site = description(str(tmp_path / "tokens.json"))
    first = apply(sim, site, diff=True)
    assert not first.get("failed"), first.get("msg")
    assert first["changed"] and first["debug"]["http_writes"] > 0
    assert site_user(sim, "ci_bot") and site_user(sim, "jteacher")
    assert [s["shortname"] for s in sim.state.services.values()].count("ci_bootstrap") == 1
    assert [r["shortname"] for r in sim.state.roles.values()].count("ws_ci") == 1
    assert [entry["entry"] for entry in first["sections"]["users"]] == ["ci_bot", "jteacher"]
    assert any(line.startswith("users[1] (jteacher): ") for line in first["changes"])
    value = first["tokens"]["ci_bot@ci_bootstrap#ci"]
    assert [token["token"] for token in sim.state.tokens] == [value]
    assert value not in without_tokens(first) and TEACHER_PASSWORD not in json.dumps(first)
    assert first["diff"] and all(d["before_header"] == d["after_header"] for d in first["diff"])

    sim.clear_log()
    second = apply(sim, site)
    assert not second.get("failed"), second.get("msg")
    assert second["changed"] is False and second["changes"] == []
    assert [r.path for r in sim.requests if r.write] == []
    assert sum(1 for r in sim.requests if r.method == "POST" and r.path == "/login/index.php") <= 1
    assert second["tokens"] == {"ci_bot@ci_bootstrap#ci": value}
    assert all(not entry["changed"] for entries in second["sections"].values() for entry in entries)


def test_check_mode_on_a_fresh_site(sim, tmp_path):
    result = apply(sim, description(str(tmp_path / "tokens.json")), check_mode=True, diff=True)
    assert not result.get("failed"), result.get("msg")
    assert [r.path for r in sim.requests if r.write] == []
    assert not site_user(sim, "ci_bot") and sim.state.tokens == []
    sections = result["sections"]
    assert [entry["entry"] for entry in sections["users"] if entry["changed"]] == ["ci_bot", "jteacher"]
    # the role and the service are checked without the account the run would create; the token is skipped
    assert sections["roles"][0]["changed"] and sections["roles"][0]["left_out"] == ["ci_bot"]
    assert sections["services"][0]["left_out"] == ["ci_bot"] and sections["services"][0]["service"]["id"] is None
    assert sections["tokens"][0]["skipped"] and "would be created by this run" in sections["tokens"][0]["msg"]
    assert result["tokens"] == {} and result["changed"] and result["diff"]


def test_failing_entry_named_with_section_and_index(sim, tmp_path):
    site = {"roles": [{"shortname": "ws_ok", "name": "OK"}, {"shortname": "ws bad", "name": "Bad"}],
            "tokens": [{"user": "teacher1", "service": "nosuch", "token_store": str(tmp_path / "t.json")}]}
    result = apply(sim, site)
    assert result["failed"] and result["msg"].startswith("roles[1] (ws bad): "), result["msg"]
    assert [entry["entry"] for entry in result["sections"]["roles"]] == ["ws_ok"] and "tokens" in result["sections"]
    assert result["sections"]["tokens"] == []     # the run ended at the failing entry
    assert [r["shortname"] for r in sim.state.roles.values()].count("ws_ok") == 1

    failed = apply(sim, site, sections=["tokens"])
    assert failed["failed"] and failed["msg"].startswith("tokens[0] (teacher1@nosuch): ")
    assert "nosuch" in failed["msg"] and "does not exist" in failed["msg"]


def test_sections_filter_and_rotation(sim, tmp_path):
    site = description(str(tmp_path / "tokens.json"))
    first = apply(sim, site)
    value = first["tokens"]["ci_bot@ci_bootstrap#ci"]

    sim.clear_log()
    only_users = apply(sim, site, sections=["users"])
    assert list(only_users["sections"]) == ["users"] and not only_users["changed"]
    assert not [r.path for r in sim.requests if r.path.startswith(("/admin/roles", "/admin/webservice"))]

    sim.clear_log()
    skipped = apply(sim, site, sections=["tokens"], tokens_rotate=True, tokens_filter="^nobody@")
    assert not skipped["changed"] and skipped["sections"]["tokens"][0]["msg"] == "not matched by tokens_filter"
    assert [r.path for r in sim.requests if r.write] == []

    rotated = apply(sim, site, sections=["tokens"], tokens_rotate=True, tokens_filter="^ci_bot@", diff=True)
    new = rotated["tokens"]["ci_bot@ci_bootstrap#ci"]
    assert rotated["changed"] and new != value and [token["token"] for token in sim.state.tokens] == [new]
    assert new not in without_tokens(rotated) and value not in without_tokens(rotated)
