"""Failure paths with secrets in play (failure_paths/play.yml at -vvv): connection refused, TLS failure, timeout,
a Moodle error page, an unreadable page (the crash path), a wrong password, a refused password, an unknown token,
a wrong apilogin secret, an unknown eduauth app token, both maintenance modes. Every task fails with a message; no
secret appears in the output or in any file left behind (secrets_audit.py). Both releases at once."""

import json
import os
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from collection_paths import REPO_ROOT, collection_root
from secrets_audit import audit, files_under, sim_secrets
from test_targets import ADMIN_PASSWORD, ansible_playbook
from tests.moodle_sim import Simulator
from tls_certs import make_test_certificates

PLAY = os.path.join(REPO_ROOT, "tests", "integration", "failure_paths", "play.yml")
SECRETS = {
    "LEARNER_PASSWORD": "Learner#Secret-2026",
    "WRONG_PASSWORD": "Wrong#Admin-Secret-77",
    "FAKE_TOKEN": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "WRONG_APILOGIN_SECRET": "Wrong-apilogin-secret-42",
    "APP_TOKEN": "eduauth-app-token-0042-secret",
}
APILOGIN_SECRET = "apilogin-real-secret-77"


def control(sim, path, body):
    request = urllib.request.Request(sim.url + "/__sim__/" + path, data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def run_failure_paths(sim, workdir, tls_url=""):
    workdir.mkdir(parents=True)
    control(sim, "reset", {"state": "fresh"})
    control(sim, "cfg", {"component": "auth_apilogin", "name": "apikey", "set": APILOGIN_SECRET})
    control(sim, "cfg", {"component": "auth_apilogin", "name": "allowipaddr", "set": "127.0.0.1"})
    env = dict(os.environ, **SECRETS)
    env.update({
        "HOME": str(workdir / "home"),
        "TMPDIR": str(workdir / "files"),
        "WORKDIR": str(workdir / "files"),
        "ANSIBLE_COLLECTIONS_PATH": collection_root(),
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCAL_TEMP": str(workdir / "tmp"),
        "MOODLE_URL": sim.url,
        "MOODLE_USERNAME": "admin",
        "MOODLE_PASSWORD": ADMIN_PASSWORD,
        "SIM_URL": sim.url,
        "TLS_URL": tls_url,
    })
    (workdir / "home").mkdir()
    (workdir / "files").mkdir()
    command = [ansible_playbook(), "-vvv", "-i", "localhost,", PLAY, "-e", "ansible_python_interpreter=%s" % sys.executable]
    run = subprocess.run(command, env=env, cwd=str(workdir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, timeout=600, check=False)
    return run.returncode, run.stdout


def test_no_secret_on_any_failure_path(fresh_simulators, tmp_path):
    certs = make_test_certificates(str(tmp_path))        # an HTTPS site whose CA nobody trusts: the TLS failure
    with Simulator(state="fresh", tls=certs.server_pair) as https_site, \
            ThreadPoolExecutor(max_workers=len(fresh_simulators)) as pool:
        runs = [(sim, pool.submit(run_failure_paths, sim, tmp_path / sim.state.moodle.key, https_site.url))
                for sim in fresh_simulators]
        results = [(sim, future.result()) for sim, future in runs]
    for sim, (code, output) in results:
        assert code == 0, "Moodle %s: exit %d\n%s" % (sim.state.moodle.key, code, output[-6000:])
        assert "failed=0" in output.split("PLAY RECAP")[-1]
        secrets = sim_secrets(sim.url)
        secrets.update(dict.fromkeys(list(SECRETS.values()) + [ADMIN_PASSWORD, APILOGIN_SECRET], "password"))
        store = tmp_path / sim.state.moodle.key / "files" / "tokens.json"
        secrets.update((entry["token"], "token") for entry in json.loads(store.read_text())["tokens"].values())
        workdir = tmp_path / sim.state.moodle.key
        leaked = audit("failure paths on Moodle %s" % sim.state.moodle.key, [output],
                       files_under(workdir / "files", workdir / "home", workdir / "tmp",
                                   os.environ.get("MOODLEOPS_SESSION_DIR")), secrets)
        assert not leaked, "Moodle %s: secrets found: %s" % (sim.state.moodle.key, leaked)
