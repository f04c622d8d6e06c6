"""What the roles print (issue 18, items 8, 9, 12), with the ansible-core of this interpreter's venv (run it with each
venv's python: tools/test.sh does): the site role against a fresh simulator of each tested release.

* A wrong password: the failure's message once (ansible-core 2.19+ prints a failing task's message in its error
  summary and again in its result; before 2.19 a no_log task's message is hidden), without a section prefix (a login
  failure is not a section's fault); the simulator saw the login and no write.
* An entry that fails: its message once, prefixed by the entry.
* A token whose user lacks what the service's functions need: the warning naming the token is shown (on the entry's
  report line; ansible-core before 2.19 shows no warning of the no_log task); the web services entry has a readable
  loop label.
* Check mode on a fresh site: a token of an account the run would create is reported as created, nothing written."""

import json
import os
import re
import subprocess
import sys
import urllib.request

import pytest

from collection_paths import collection_root
from test_targets import ADMIN_PASSWORD, ansible_playbook

LOGIN_FAILED = "Moodle refused the login of user 'admin'"
PLAY = """- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: The site role
      ansible.builtin.include_role:
        name: moodleops.auth.site
      vars:
        moodle_site: %s
"""


def control(sim, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(sim.url + "/__sim__/" + path, data=data, method="POST" if data else "GET")
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def play(sim, workdir, description, password=ADMIN_PASSWORD, *args):
    """ansible-playbook of the site role with ``description`` (the connection from MOODLE_*): (exit code, output)."""
    workdir.mkdir(parents=True, exist_ok=True)
    playbook = workdir / "play.yml"
    playbook.write_text(PLAY % json.dumps(description))
    env = dict(os.environ)
    env.update({
        "HOME": str(workdir), "ANSIBLE_COLLECTIONS_PATH": collection_root(), "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "false", "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_LOCAL_TEMP": str(workdir / "tmp"), "ANSIBLE_DEPRECATION_WARNINGS": "false",
        "MOODLE_URL": sim.url, "MOODLE_USERNAME": "admin", "MOODLE_PASSWORD": password,
        "MOODLEOPS_STATE_DIR": str(workdir / "state"),
    })
    command = [ansible_playbook(), "-i", "localhost,", str(playbook),
               "-e", "ansible_python_interpreter=%s" % sys.executable] + list(args)
    run = subprocess.run(command, env=env, cwd=str(workdir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, timeout=600, check=False)
    (workdir / "output.txt").write_text(run.stdout)
    assert ADMIN_PASSWORD not in run.stdout
    return run.returncode, run.stdout


def fresh(sim):
    control(sim, "reset", {"state": "fresh"})
    control(sim, "log/clear", {})


def requests_seen(sim):
    return control(sim, "log")["requests"]


@pytest.mark.parametrize("verbosity", [[], ["-vvv"]], ids=["default", "vvv"])
def test_a_wrong_password_is_said_once_and_names_no_section(fresh_simulators, tmp_path, verbosity):
    for sim in fresh_simulators:
        fresh(sim)
        code, output = play(sim, tmp_path / sim.state.moodle.key,
                            {"webservices": {"enabled": True, "protocols": ["rest"]}}, "Wrong#Pw1", *verbosity)
        assert code != 0, output
        assert output.count(LOGIN_FAILED) == 1, output
        assert "webservices: " + LOGIN_FAILED not in output
        seen = requests_seen(sim)
        assert [r for r in seen if r["write"]] == []
        assert [r["path"] for r in seen if r["method"] == "POST"] == ["/login/index.php"]


def test_an_entry_that_fails_is_named_once(fresh_simulators, tmp_path):
    for sim in fresh_simulators:
        fresh(sim)
        code, output = play(sim, tmp_path / sim.state.moodle.key,
                            {"tokens": [{"user": "teacher1", "service": "nosuch"}]})
        assert code != 0, output
        message = "tokens[0] (teacher1@nosuch): External service 'nosuch' does not exist on the site."
        assert output.count(message) == 1, output
        assert output.count("does not exist on the site") == 1


def test_missing_capabilities_warning_and_web_services_label(fresh_simulators, tmp_path):
    description = {
        "webservices": {"enabled": True, "protocols": ["rest"]},
        "roles": [{"shortname": "ws_ci", "name": "CI", "context_levels": ["system"],
                   "capabilities": {"webservice/rest:use": "allow"}, "users": ["teacher1"]}],
        "services": [{"name": "CI bootstrap", "shortname": "ci_bootstrap", "restricted_users": True,
                      "functions": ["core_webservice_get_site_info", "core_user_get_users_by_field"],
                      "authorised_users": ["teacher1"]}],
        "tokens": [{"user": "teacher1", "service": "ci_bootstrap", "name": "ci"}]}
    for sim in fresh_simulators:
        fresh(sim)
        code, output = play(sim, tmp_path / sim.state.moodle.key, description)
        assert code == 0, output
        assert "(item=webservices: enabled (rest))" in output and "webservices: None" not in output
        token_id = [t["id"] for t in control(sim, "state")["tokens"] if t["name"] == "ci"][0]
        warning = ("Token %d (ci) of teacher1 on service ci_bootstrap: the user lacks capabilities that functions of "
                   "the service need: moodle/user:viewdetails, moodle/user:viewhiddendetails, moodle/course:useremail, "
                   "moodle/user:update" % token_id)
        assert warning in output, output    # on the entry's report line (and as a [WARNING] from 2.19 on)


def test_check_mode_reports_the_tokens_it_would_create(fresh_simulators, tmp_path):
    description = {
        "users": [{"username": "ci_bot", "auth": "webservice", "firstname": "CI", "lastname": "Bot",
                   "email": "ci-bot@example.edu"}],
        "tokens": [{"user": "ci_bot", "service": "moodle_mobile_app", "name": "ci"}]}
    for sim in fresh_simulators:
        fresh(sim)
        code, output = play(sim, tmp_path / sim.state.moodle.key, description, ADMIN_PASSWORD, "--check")
        assert code == 0, output
        assert re.search(r'"changes": \[\s*"token for ci_bot on moodle_mobile_app: created"\s*\]', output), output
        assert [r for r in requests_seen(sim) if r["write"]] == []
        assert control(sim, "state")["tokens"] == []
