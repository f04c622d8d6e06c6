"""A site restored from a backup (issue 14, item 5), as 4.5 and as 5.1: the controller's token store still holds
entries of tokens the restore took away, and Moodle hands their ids to new tokens.

On each simulator (reset to a configured site with two web service users and two restricted services):

1. ``POST /__sim__/snapshot`` (the backup: no tokens yet), then moodle_token creates ci_bot's token on ci_bootstrap
   and a6_bot's token "old" on a6_integration (values kept in the token store);
2. ``POST /__sim__/restore`` (the backup restored: no tokens, the token id counter rewound), then moodle_token
   creates a6_bot's token "a6" and an administrator one more token of a6_bot ("manual", not in the store): both get
   ids the store's entries still name;
3. playbooks/export.yml: only the token whose store entry agrees on id, user, service and name is exported; the
   store's other entries of this site are listed as stale (``stale_store_entries``, the file's header, a
   ``token_store_stale_entry`` finding), never with a value;
4. moodle_site with the export: changed=0, no write seen by the simulator;
5. moodle_site_info ``prune_token_store``: in check mode nothing is removed; then exactly the stale entries are
   removed (another site's entry is left alone); a second prune changes nothing.

And moodle_token on the same restored site: an entry whose token id now names another user's token (or the same
user's token with another name) is not taken for its own: a new token is created, the other one left as it is.

What is expected is worked out from the simulator's state and the store file, not from constants."""

import json
import os
import re
import subprocess
import sys
import urllib.request

import pytest

from collection_paths import REPO_ROOT, collection_root
from test_audit_export import header_lines
from test_targets import ADMIN_PASSWORD, ansible_playbook
from tests.module_harness import run_module

PLAYBOOKS = os.path.join(REPO_ROOT, "playbooks")
RECAP = re.compile(r"localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")
# An entry of another site in the same store: never reported, never pruned.
OTHER_SITE_KEY = "https://other.example.edu|ci_bot|ci_bootstrap|"


def control(sim, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(sim.url + "/__sim__/" + path, data=data, method="POST" if data else "GET",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def connection(sim):
    return dict(url=sim.url, username="admin", password=ADMIN_PASSWORD)


def read_store(path):
    with open(path) as handle:
        return json.load(handle)["tokens"]


def prepare(sim):
    """A configured site: ci_bot and a6_bot, each allowed REST (a role) on its own restricted service."""
    control(sim, "reset", {"state": "configured"})
    for username in ("ci_bot", "a6_bot"):
        control(sim, "user", {"username": username, "password": "Bot#%s-2027" % username, "firstname": username,
                              "lastname": "Bot", "email": "%s@example.edu" % username})
    control(sim, "role", {"shortname": "ws_rest", "name": "Web service REST", "contextlevels": [10],
                          "capabilities": {"webservice/rest:use": 1}, "assign": ["ci_bot", "a6_bot"]})
    control(sim, "service", {"name": "CI bootstrap", "shortname": "ci_bootstrap", "restrictedusers": True,
                             "functions": ["core_webservice_get_site_info"], "authorised_users": ["ci_bot"]})
    control(sim, "service", {"name": "A6 integration", "shortname": "a6_integration", "restrictedusers": True,
                             "functions": ["core_webservice_get_site_info"], "authorised_users": ["a6_bot"]})


def token(sim, user, service, name=None, **extra):
    args = dict(connection(sim), user=user, service=service, **extra)
    if name:
        args["name"] = name
    result = run_module("moodle_token", args)
    assert not result.get("failed"), result.get("msg")
    return result


def restored_site(sim, store_path):
    """Steps 1 and 2: tokens made before the restore stay in the store; the site gets new ones with their ids."""
    prepare(sim)
    control(sim, "snapshot", {"name": "backup"})
    token(sim, "ci_bot", "ci_bootstrap")
    token(sim, "a6_bot", "a6_integration", "old")
    before = dict((key, dict(entry)) for key, entry in read_store(store_path).items())
    answer = control(sim, "restore", {"name": "backup"})
    assert control(sim, "state")["tokens"] == [] and answer["next_token_id"] == 1
    token(sim, "a6_bot", "a6_integration", "a6")
    control(sim, "token", {"tokens": [{"name": "manual", "username": "a6_bot", "service": "a6_integration"}]})
    site = control(sim, "state")
    stored_ids = set(entry["token_id"] for key, entry in before.items())
    assert stored_ids & set(row["id"] for row in site["tokens"]), "no id collision: the scenario tests nothing"
    return before


def site_view(site):
    """The simulator's tokens as {id: (username, service label, name)}."""
    users = dict((user["id"], user["username"]) for user in site["users"])
    services = dict((service["id"], service["shortname"] or service["name"]) for service in site["services"])
    return dict((row["id"], (users[row["userid"]], services[row["externalserviceid"]], row["name"]))
                for row in site["tokens"])


def expected_pairing(sim, store):
    """(paired keys, stale keys) of this site's store entries, from the simulator's own records."""
    tokens = site_view(control(sim, "state"))
    paired, stale = set(), set()
    for key, entry in store.items():
        url, user, service, name = key.split("|")
        if url != sim.url:
            continue
        row = tokens.get(entry["token_id"])
        agrees = row is not None and row[0] == user.lower() and row[1] == service and (not name or row[2] == name)
        (paired if agrees else stale).add(key)
    return paired, stale


def play(sim, workdir, state_dir, playbook, *extra):
    """A playbook of playbooks/ as a user runs it (ansible-playbook, connection from the environment); its output."""
    env = dict(os.environ)
    env.update({"ANSIBLE_COLLECTIONS_PATH": collection_root(), "ANSIBLE_LOCALHOST_WARNING": "false",
                "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false", "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_LOCAL_TEMP": str(workdir / "tmp"), "HOME": str(workdir),
                "MOODLEOPS_STATE_DIR": state_dir, "MOODLE_URL": sim.url, "MOODLE_USERNAME": "admin",
                "MOODLE_PASSWORD": ADMIN_PASSWORD})
    env.pop("MOODLEOPS_DRIFT_FILE", None)
    run = subprocess.run([ansible_playbook(), "-v", "-i", "localhost,", os.path.join(PLAYBOOKS, playbook),
                          "-e", "ansible_python_interpreter=%s" % sys.executable] + list(extra),
                         env=env, cwd=str(workdir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, timeout=600, check=False)
    assert run.returncode == 0, run.stdout[-6000:]
    return run.stdout


def assert_no_value(values, *texts):
    for text in texts:
        for value in values:
            assert value not in text, "a token value was printed"


@pytest.fixture
def state_dir(tmp_path, monkeypatch):
    """The modules' state directory (the default token store is tokens.json in it), this test's own."""
    path = tmp_path / "state"
    monkeypatch.setenv("MOODLEOPS_STATE_DIR", str(path))
    return path


def test_restored_site_export_apply_and_prune(fresh_simulators, tmp_path, state_dir):
    import yaml
    for sim in fresh_simulators:
        release = sim.state.moodle.key
        workdir = tmp_path / release
        workdir.mkdir()
        store_path = str(state_dir / "tokens.json")
        if os.path.exists(store_path):
            os.unlink(store_path)
        restored_site(sim, store_path)
        other = {"token": "f" * 32, "token_id": 1, "user": "ci_bot", "service": "ci_bootstrap", "name": None,
                 "created": 1700000000}
        store = read_store(store_path)
        store[OTHER_SITE_KEY] = other           # another site's entry, written as the store writes
        with open(store_path, "w") as handle:
            json.dump({"tokens": store}, handle)
        values = set(entry["token"] for entry in store.values())
        paired, stale = expected_pairing(sim, store)
        assert paired and stale, (release, paired, stale)

        # 3. export: only what agrees is exported; the rest is listed as stale, nowhere with a value
        exported = workdir / "exported.yml"
        output = play(sim, workdir, str(state_dir), "export.yml", "-e", "export_file=%s" % exported)
        text = exported.read_text()
        description = yaml.safe_load(text)["moodle_site"]
        assert set("%s|%s|%s|%s" % (sim.url, item["user"], item["service"], item.get("name") or "")
                   for item in description["tokens"]) == paired, release
        assert set(line.split(": ")[0] for line in header_lines(text, "Stale token_store entries")) == stale
        assert OTHER_SITE_KEY not in text
        assert_no_value(values, text, output)

        # the audit with that description: no drift, the stale entries in its report
        report = workdir / "audit.json"
        output = play(sim, workdir, str(state_dir), "audit.yml", "-e", "@%s" % exported,
                      "-e", "audit_report_file=%s" % report, "-e", "fail_on_drift=true")
        audit = json.loads(report.read_text())
        assert audit["drift"] == [] and set(audit["stale_store_entries"]) == stale, (release, audit["drift"])
        assert_no_value(values, output)

        info = run_module("moodle_site_info", dict(connection(sim), auth_settings="none"))
        assert not info.get("failed") and info["changed"] is False and info["pruned"] == []
        assert set(item["key"] for item in info["stale_store_entries"]) == stale, release
        findings = [item for item in info["security"] if item["check"] == "token_store_stale_entry"]
        assert sorted(item["subject"] for item in findings) == sorted("token_store entry %s" % key for key in stale)
        assert all(item["severity"] == "low" for item in findings)
        site_tokens = site_view(control(sim, "state"))
        assert set(item["id"] for item in info["not_exported"] if item["kind"] == "token") == \
            set(site_tokens) - set(store[key]["token_id"] for key in paired), release
        assert_no_value(values, json.dumps(info))

        # 4. the export applied to the same site: nothing to change, nothing written
        sim.clear_log()
        applied = run_module("moodle_site", dict(connection(sim), site=description))
        assert not applied.get("failed"), applied.get("msg")
        assert applied["changed"] is False, (release, applied["changes"])
        assert [record.path for record in sim.requests if record.write] == [], release
        assert read_store(store_path) == store

        # 5. prune: check mode lists and keeps; then exactly the stale entries go; then nothing is left to prune
        with open(store_path, "rb") as handle:
            raw = handle.read()
        checked = run_module("moodle_site_info", dict(connection(sim), auth_settings="none", prune_token_store=True),
                             check_mode=True)
        assert checked["changed"] is True and set(checked["pruned"]) == stale, release
        with open(store_path, "rb") as handle:
            assert handle.read() == raw, "check mode changed the token store"
        pruned = run_module("moodle_site_info", dict(connection(sim), auth_settings="none", prune_token_store=True))
        assert pruned["changed"] is True and set(pruned["pruned"]) == stale, release
        assert not [warning for warning in pruned.get("warnings", []) if "no_log" in warning]
        assert all(item["pruned"] for item in pruned["stale_store_entries"])
        assert not [item for item in pruned["security"] if item["check"] == "token_store_stale_entry"]
        left = read_store(store_path)
        assert set(left) == paired | {OTHER_SITE_KEY}, release
        assert all(left[key] == store[key] for key in left)
        assert expected_pairing(sim, left) == (paired, set())
        again = run_module("moodle_site_info", dict(connection(sim), auth_settings="none", prune_token_store=True))
        assert again["changed"] is False and again["pruned"] == [] and again["stale_store_entries"] == []
        assert read_store(store_path) == left
        assert_no_value(values, json.dumps(checked), json.dumps(pruned), json.dumps(again))


def test_moodle_token_does_not_take_another_tokens_id_for_its_own(fresh_simulators, state_dir):
    for sim in fresh_simulators:
        release = sim.state.moodle.key
        store_path = str(state_dir / "tokens.json")
        if os.path.exists(store_path):
            os.unlink(store_path)
        before = restored_site(sim, store_path)
        site = control(sim, "state")
        owners = site_view(site)
        values_before = dict((row["id"], row["token"]) for row in site["tokens"])
        _paired, stale = expected_pairing(sim, before)
        taken = [(key, before[key]) for key in sorted(stale) if before[key]["token_id"] in owners]
        assert taken, "no store entry whose id another token has now"
        for key, entry in taken:
            url, user, service, name = key.split("|")
            result = token(sim, user, service, name or None)
            assert result["changed"] is True, (release, key)
            assert result["token_id"] != entry["token_id"], (release, key)
            after = control(sim, "state")
            mine = [row for row in after["tokens"] if row["token"] == result["token"]]
            assert len(mine) == 1 and site_view(after)[mine[0]["id"]][:2] == (user, service), (release, key)
            assert result["token"] != entry["token"]
            # the token that has the old id now is left alone
            assert dict((row["id"], row["token"]) for row in after["tokens"])[entry["token_id"]] == \
                values_before[entry["token_id"]]
            stored = read_store(store_path)[key]
            assert stored["token_id"] == mine[0]["id"] and stored["token"] == result["token"]
            again = token(sim, user, service, name or None)
            assert again["changed"] is False and again["token_id"] == mine[0]["id"], (release, key)
