"""The playbooks of playbooks/ as a user runs them: ansible-playbook with the connection in the environment (what
AWX injects) against a fresh simulator of each tested Moodle release (both releases at once, one simulator each),
checking results, files, what the simulator saw, and that no secret appears in the output (-vvv).

* bootstrap_ci.yml twice: the same token both times, a 0600 token file, a dotenv line, a token that answers REST.
* provision_site.yml with playbooks/examples/site.yml twice (2nd run changed=0), --tags tokens alone (no other
  section read or written), then rotate_tokens.yml with a filter (only the matching token replaced; the old value
  refused, the new one answers) and with a filter matching nothing (fails, nothing written).

``MOODLE_SIM_VERSIONS=4.5`` limits the releases, as for test_targets.py."""

import json
import os
import re
import stat
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from collection_paths import REPO_ROOT, collection_root
from secrets_audit import audit, files_under, sim_secrets
from test_targets import ADMIN_PASSWORD, ansible_playbook

PLAYBOOKS = os.path.join(REPO_ROOT, "playbooks")
EXAMPLE = os.path.join(PLAYBOOKS, "examples", "site.yml")
# The example description's test secrets (its vault variables' defaults).
EXAMPLE_SECRETS = {"Teacher#2027", "Ci-Bot#2027", "apilogin-test-secret"}
RECAP = re.compile(r"localhost\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")


def control(sim, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(sim.url + "/__sim__/" + path, data=data, method="POST" if data else "GET")
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def fresh(sim, apilogin_secret=None):
    """A fresh site (and, for the example, auth_apilogin's apikey as cfg.php would set it); an empty log."""
    control(sim, "reset", {"state": "fresh"})
    if apilogin_secret:
        control(sim, "cfg", {"component": "auth_apilogin", "name": "apikey", "set": apilogin_secret})
        control(sim, "cfg", {"component": "auth_apilogin", "name": "allowipaddr", "set": "127.0.0.1"})
    control(sim, "log/clear", {})


def site_info(sim, token):
    body = urllib.parse.urlencode({"wstoken": token, "wsfunction": "core_webservice_get_site_info",
                                   "moodlewsrestformat": "json"}).encode()
    with urllib.request.urlopen(sim.url + "/webservice/rest/server.php", body) as answer:
        return json.load(answer)


class Runner(object):
    """ansible-playbook -vvv against one simulator, with its own HOME (token store) and a log of every output."""

    def __init__(self, sim, workdir):
        self.sim = sim
        self.workdir = workdir
        self.home = workdir / "home"
        self.home.mkdir(parents=True)
        self.outputs = []
        self.seconds = 0.0

    def run(self, playbook, *args):
        env = dict(os.environ)
        env.update({
            "HOME": str(self.home),
            "ANSIBLE_COLLECTIONS_PATH": collection_root(),
            "ANSIBLE_LOCALHOST_WARNING": "false",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOCAL_TEMP": str(self.workdir / "tmp"),
            "ANSIBLE_REMOTE_TEMP": str(self.workdir / "tmp-remote"),
            "MOODLE_URL": self.sim.url,
            "MOODLE_USERNAME": "admin",
            "MOODLE_PASSWORD": ADMIN_PASSWORD,
        })
        command = [ansible_playbook(), "-vvv", "-i", "localhost,", os.path.join(PLAYBOOKS, playbook),
                   "-e", "ansible_python_interpreter=%s" % sys.executable] + list(args)
        start = time.time()
        run = subprocess.run(command, env=env, cwd=str(self.workdir), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, universal_newlines=True, timeout=900, check=False)
        self.seconds += time.time() - start
        self.outputs.append(run.stdout)
        (self.workdir / ("output-%d-%s.txt" % (len(self.outputs), playbook.replace("/", "_")))).write_text(run.stdout)
        return run.returncode, run.stdout

    def ok(self, playbook, *args):
        code, output = self.run(playbook, *args)
        assert code == 0, "Moodle %s: %s exit %d\n%s" % (self.sim.state.moodle.key, playbook, code, output[-6000:])
        return recap(output)

    def store(self):
        path = self.home / ".ansible" / "moodleops.auth" / "tokens.json"
        with open(str(path)) as handle:
            return dict((key.split("|", 1)[1], entry["token"]) for key, entry in json.load(handle)["tokens"].items())

    def assert_no_secret(self, label, *extra):
        """No secret in any -vvv output, nor in any file the runs left (HOME, the work dir), beyond a file's purpose."""
        secrets = dict(sim_secrets(self.sim.url), **dict.fromkeys(extra, "token"))
        secrets.update(dict.fromkeys({ADMIN_PASSWORD} | EXAMPLE_SECRETS, "password"))
        if (self.home / ".ansible" / "moodleops.auth" / "tokens.json").exists():
            secrets.update(dict.fromkeys(self.store().values(), "token"))
        files = [path for path in files_under(self.workdir, os.environ.get("MOODLEOPS_SESSION_DIR"))
                 if not os.path.basename(path).startswith("output-")]      # the outputs, searched as outputs
        leaked = audit("%s on Moodle %s" % (label, self.sim.state.moodle.key), self.outputs, files, secrets)
        assert not leaked, "Moodle %s: secrets found: %s" % (self.sim.state.moodle.key, leaked)


def recap(output):
    found = RECAP.findall(output)
    assert found, output[-3000:]
    ok, changed, unreachable, failed = (int(value) for value in found[-1])
    return {"ok": ok, "changed": changed, "unreachable": unreachable, "failed": failed}


def on_every_release(fresh_simulators, tmp_path, scenario):
    with ThreadPoolExecutor(max_workers=len(fresh_simulators)) as pool:
        futures = [pool.submit(scenario, Runner(sim, tmp_path / sim.state.moodle.key)) for sim in fresh_simulators]
        runners = [future.result() for future in futures]
    print("\n" + ", ".join("Moodle %s: %.1fs of ansible-playbook" % (r.sim.state.moodle.key, r.seconds) for r in runners))


def bootstrap_ci(runner):
    sim = runner.sim
    fresh(sim)
    token_file = runner.workdir / "ci.token"
    dotenv = runner.workdir / "ci.env"
    dotenv.write_text("OTHER=kept\n")
    args = ("-e", "token_file=%s" % token_file, "-e", "dotenv_file=%s" % dotenv)
    first = runner.ok("bootstrap_ci.yml", *args)
    token = token_file.read_text()
    assert first["changed"] > 0 and first["failed"] == 0
    assert re.match(r"^[0-9a-f]{32}\n$", token), "the token file holds the token and a newline"
    assert stat.S_IMODE(os.stat(str(token_file)).st_mode) == 0o600
    token = token.strip()
    assert dotenv.read_text().splitlines() == ["OTHER=kept", "MOODLE_TOKEN=%s" % token]
    assert site_info(sim, token)["username"] == "ci_bot"
    state = control(sim, "state")
    user = [u for u in state["users"] if u["username"] == "ci_bot"][0]
    assert user["auth"] == "webservice"

    control(sim, "log/clear", {})
    second = runner.ok("bootstrap_ci.yml", *args)
    assert second["changed"] == 0
    assert token_file.read_text().strip() == token, "a second run keeps the same token"
    assert stat.S_IMODE(os.stat(str(token_file)).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(str(dotenv)).st_mode) == 0o600
    assert dotenv.read_text().splitlines() == ["OTHER=kept", "MOODLE_TOKEN=%s" % token]
    assert [r for r in control(sim, "log")["requests"] if r["write"]] == []
    runner.assert_no_secret("bootstrap_ci.yml", token)
    return runner


def provision_and_rotate(runner):
    sim = runner.sim
    fresh(sim, apilogin_secret="apilogin-test-secret")
    example = ("-e", "@%s" % EXAMPLE)
    first = runner.ok("provision_site.yml", *example)
    assert first["changed"] > 0
    tokens = runner.store()
    ci_key = "ci_bot|ci_bootstrap|ci"
    assert sorted(tokens) == [ci_key, "jteacher|moodle_mobile_app|"]
    assert site_info(sim, tokens[ci_key])["username"] == "ci_bot"

    control(sim, "log/clear", {})
    assert runner.ok("provision_site.yml", *example)["changed"] == 0
    assert [r for r in control(sim, "log")["requests"] if r["write"]] == []

    # one section alone: the tokens; no other section's pages are read
    control(sim, "log/clear", {})
    assert runner.ok("provision_site.yml", "--tags", "tokens", *example)["changed"] == 0
    paths = set(r["path"] for r in control(sim, "log")["requests"])
    assert paths & {"/admin/webservice/tokens.php"}
    assert not [p for p in paths if p.startswith(("/user/editadvanced", "/admin/roles", "/auth/apilogin",
                                                  "/admin/user.php"))], sorted(paths)

    # rotation of the tokens matching a filter
    control(sim, "log/clear", {})
    rotated = runner.ok("rotate_tokens.yml", "-e", "rotate_filter=^ci_bot@", *example)
    assert rotated["changed"] == 1
    after = runner.store()
    assert after[ci_key] != tokens[ci_key] and after["jteacher|moodle_mobile_app|"] == tokens["jteacher|moodle_mobile_app|"]
    assert site_info(sim, after[ci_key])["username"] == "ci_bot"
    assert site_info(sim, tokens[ci_key]).get("errorcode") == "invalidtoken"

    # a filter that matches nothing fails before any request
    control(sim, "log/clear", {})
    code, output = runner.run("rotate_tokens.yml", "-e", "rotate_filter=^nobody@", *example)
    assert code != 0 and "matches none of the tokens" in output
    assert control(sim, "log")["requests"] == []
    runner.assert_no_secret("provision_site.yml, rotate_tokens.yml", tokens[ci_key], after[ci_key])
    return runner


def test_bootstrap_ci(fresh_simulators, tmp_path):
    on_every_release(fresh_simulators, tmp_path, bootstrap_ci)


def test_provision_and_rotate(fresh_simulators, tmp_path):
    on_every_release(fresh_simulators, tmp_path, provision_and_rotate)
