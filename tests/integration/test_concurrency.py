"""Ten hosts, ten forks, one Moodle (issue 10, item 4): the AWX shape where every host delegates to the controller.

Measured on real Moodle 4.5.6 before the locks: (a) the same role from every host failed on 9 of 10 hosts (Moodle
refuses a second role of that name), (b) ten tokens written into one token_store left 1 value of 10 (each writer
rewrote the whole file from its stale copy). One ansible-playbook -f 10 -vvv runs both plays against one simulator
(4.5); the tests check the recap, what the simulator holds and saw, the store, and that no secret was printed."""

import json
import os
import re
import subprocess
import sys
import urllib.request

import pytest

from collection_paths import collection_root
from secrets_audit import audit, files_under, sim_secrets
from test_targets import ADMIN_PASSWORD, ansible_playbook
from tests.moodle_sim import Simulator

pytestmark = pytest.mark.once      # flock and the store merge do not depend on the ansible-core line

HOSTS = ["host%02d" % number for number in range(1, 11)]
ROLE, SERVICE, USER = "ws_race", "race_service", "race_user"
USER_PASSWORD = "Race#User12345"

PLAYBOOK = """
- name: (a) the same objects from every host
  hosts: all
  gather_facts: false
  tasks:
    - moodleops.auth.moodle_webservice_enable:
        protocols: [rest]
      delegate_to: localhost
    - moodleops.auth.moodle_role:
        shortname: %(role)s
        name: Race role
        context_levels: [system]
        capabilities: {webservice/rest:use: allow}
        users: "{{ groups.all | map('regex_replace', '^', 'token_') | list }}"
      delegate_to: localhost
    - moodleops.auth.moodle_external_service:
        name: Race service
        shortname: %(service)s
        enabled: true
        restricted_users: false
        functions: [core_webservice_get_site_info]
      delegate_to: localhost
    - moodleops.auth.moodle_user:
        username: %(user)s
        password: "%(password)s"
        firstname: Race
        lastname: User
        email: race@example.com
      delegate_to: localhost

- name: (b) every host its own token, into one token_store
  hosts: all
  gather_facts: false
  tasks:
    - name: with the shared (cached) admin session, token creations take turns on the site
      moodleops.auth.moodle_token:
        user: "token_{{ inventory_hostname }}"
        service: %(service)s
        token_store: "{{ token_store }}"
      delegate_to: localhost
      no_log: true
    - name: with a session of its own, each host creates at once (one lock per user and service)
      moodleops.auth.moodle_token:
        user: "token_{{ inventory_hostname }}"
        service: %(service)s
        name: private
        session_cache: false
        token_store: "{{ token_store }}"
        verify: false
      delegate_to: localhost
      no_log: true
""" % {"role": ROLE, "service": SERVICE, "user": USER, "password": USER_PASSWORD}


@pytest.fixture(scope="module")
def race(tmp_path_factory):
    """The simulator, the token store and the output of one ansible-playbook -f 10 over both plays."""
    work = tmp_path_factory.mktemp("concurrency")
    sim = Simulator(state="fresh", moodle="4.5").start()
    try:
        for host in HOSTS:
            create_user(sim.url, "token_" + host)
        store = work / "store" / "tokens.json"
        (work / "site.yml").write_text(PLAYBOOK)
        (work / "hosts.ini").write_text("[all]\n%s\n\n[all:vars]\nansible_connection=local\n"
                                        "ansible_python_interpreter=%s\ntoken_store=%s\n"
                                        % ("\n".join(HOSTS), sys.executable, store))
        env = dict(os.environ)
        env.update({
            "ANSIBLE_COLLECTIONS_PATH": collection_root(), "ANSIBLE_NOCOLOR": "1", "ANSIBLE_PIPELINING": "1",
            "ANSIBLE_LOCALHOST_WARNING": "false", "ANSIBLE_LOCAL_TEMP": str(work / "tmp"),
            "ANSIBLE_REMOTE_TEMP": str(work / "remote_tmp"), "TMPDIR": str(work / "files"),
            "MOODLE_URL": sim.url, "MOODLE_USERNAME": "admin", "MOODLE_PASSWORD": ADMIN_PASSWORD,
            "MOODLEOPS_LOCK_DIR": str(work / "locks"),
        })
        (work / "files").mkdir()
        run = subprocess.run([ansible_playbook(), "-vvv", "-f", "10", "-i", str(work / "hosts.ini"),
                              str(work / "site.yml")], env=env, cwd=str(work), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, universal_newlines=True, timeout=300, check=False)
        (work / "output.txt").write_text(run.stdout)
        yield sim, store, run.stdout, work
    finally:
        sim.stop()


def create_user(url, username):
    request = urllib.request.Request(url + "/__sim__/user", data=json.dumps({
        "username": username, "password": "Token#User12345", "firstname": "Token", "lastname": username,
        "email": "%s@example.com" % username}).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 200


def recap(output):
    """{host: {"ok": n, "changed": n, "failed": n, ...}} from PLAY RECAP."""
    found = {}
    for host, counts in re.findall(r"^(host\d\d)\s+:\s+(.*)$", output, re.M):
        found[host] = dict((key, int(value)) for key, value in re.findall(r"(\w+)=(\d+)", counts))
    return found


def writes_to(sim, path):
    return [record for record in sim.requests if record.path == path and record.method == "POST" and record.write]


def test_every_host_ends_green(race):
    _sim, _store, output, _work = race
    counts = recap(output)
    assert sorted(counts) == HOSTS, output[-3000:]
    assert [host for host in HOSTS if counts[host]["failed"] or counts[host]["unreachable"]] == [], output[-6000:]
    assert all(counts[host]["ok"] == 6 for host in HOSTS)


def test_one_role_one_service_one_user(race):
    sim, _store, _output, _work = race
    state = sim.state
    assert len([role for role in state.roles.values() if role["shortname"] == ROLE]) == 1
    assert len([service for service in state.services.values() if service["shortname"] == SERVICE]) == 1
    assert len([user for user in state.users.values() if user["username"] == USER]) == 1
    # Exactly one host created each (one accepted form, none refused), the others found it done.
    role_forms = writes_to(sim, "/admin/roles/define.php")
    assert [(r.status, "action=add" in r.query) for r in role_forms] == [(303, True)], role_forms
    user_forms = writes_to(sim, "/user/editadvanced.php")
    assert [r.status for r in user_forms] == [303], user_forms
    service_forms = writes_to(sim, "/admin/webservice/service.php")
    assert [r.status for r in service_forms] == [303], service_forms


def test_every_token_value_kept_in_the_one_store(race):
    sim, store, _output, _work = race
    state = sim.state
    service = [s for s in state.services.values() if s["shortname"] == SERVICE][0]
    user_ids = dict((u["id"], u["username"]) for u in state.users.values() if u["username"].startswith("token_host"))
    in_moodle = sorted((user_ids[t["userid"]], t["name"] == "private", t["token"]) for t in state.tokens
                       if t["externalserviceid"] == service["id"])
    assert [(user, private) for user, private, _value in in_moodle] == sorted(
        ("token_" + host, private) for host in HOSTS for private in (False, True))
    entries = json.loads(store.read_text())["tokens"]
    kept = sorted((entry["user"], entry["name"] == "private", entry["token"]) for entry in entries.values())
    assert kept == in_moodle
    assert oct(os.stat(str(store)).st_mode & 0o777) == "0o600"
    assert oct(os.stat(str(store) + ".lock").st_mode & 0o777) == "0o600"


def test_no_secret_in_the_output_or_the_lock_files(race):
    sim, _store, output, work = race
    secrets = sim_secrets(sim.url)
    secrets.update({ADMIN_PASSWORD: "password", USER_PASSWORD: "password"})
    assert [value for value, kind in secrets.items() if kind == "token"], "the simulator holds no token"
    leaks = audit("concurrency", [output], files_under(str(work / "locks"), str(work / "store"), str(work / "files")),
                  secrets)
    assert leaks == []
    locks = os.listdir(str(work / "locks"))
    # web services, role, service, user, the site's tokens (shared session), one per user's private token
    assert len(locks) == 5 + len(HOSTS)
    assert all(re.match(r"^[0-9a-f]{64}\.lock$", name) for name in locks)
    assert all(os.path.getsize(str(work / "locks" / name)) == 0 for name in locks)
    assert oct(os.stat(str(work / "locks")).st_mode & 0o777) == "0o700"
