"""Runs every integration target with ansible-playbook against a fresh simulator, at -vvv, and checks that
no secret the run used or created appears anywhere in the output."""

import json
import os
import subprocess
import sys
import urllib.request

import pytest

from collection_paths import REPO_ROOT, collection_root
from tests.moodle_sim import Simulator

TARGETS_DIR = os.path.join(REPO_ROOT, "tests", "integration", "targets")
TARGETS = sorted(name for name in os.listdir(TARGETS_DIR)
                 if not name.startswith("sim_") and os.path.isdir(os.path.join(TARGETS_DIR, name)))
ADMIN_PASSWORD = "Admin#12345"
TEACHER_PASSWORD = "Teacher#12345"


def ansible_playbook():
    candidate = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    return candidate if os.path.exists(candidate) else "ansible-playbook"


@pytest.fixture(scope="module")
def simulator(tmp_path_factory):
    with Simulator(state="fresh") as sim:
        root = tmp_path_factory.mktemp("moodle_root")
        sim.make_moodle_root(str(root))
        yield sim, str(root)


def secrets_seen(sim_url):
    """Every secret value the simulator handed out: sesskeys, session cookies, logintokens, tokens."""
    with urllib.request.urlopen(sim_url + "/__sim__/state") as answer:
        state = json.load(answer)
    found = set()

    def walk(value, key=""):
        if isinstance(value, dict):
            for name, item in value.items():
                walk(item, name)
        elif isinstance(value, list):
            for item in value:
                walk(item, key)
        elif isinstance(value, str) and len(value) >= 8 and any(
                marker in key.lower() for marker in ("sesskey", "session", "token", "password", "cookie", "key")):
            found.add(value)
    walk(state)
    return found


@pytest.mark.parametrize("target", TARGETS)
def test_target(simulator, target, tmp_path):
    sim, moodle_root = simulator
    env = dict(os.environ)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": collection_root(),
        "ANSIBLE_ROLES_PATH": TARGETS_DIR,
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp"),
        "MOODLE_URL": sim.url,
        "MOODLE_PASSWORD": ADMIN_PASSWORD,
        "SIM_URL": sim.url,
        "SIM_TEACHER_PASSWORD": TEACHER_PASSWORD,
        "SIM_MOODLE_ROOT": moodle_root,
        "SIM_PHP": os.path.join(REPO_ROOT, "tests", "moodle_sim", "bin", "php"),
    })
    command = [ansible_playbook(), "-vvv", "-i", "localhost,", os.path.join(REPO_ROOT, "tests", "integration", "target.yml"),
               "-e", "target=%s" % target, "-e", "ansible_python_interpreter=%s" % sys.executable]
    run = subprocess.run(command, env=env, cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, timeout=900, check=False)
    output = run.stdout
    (tmp_path / "output.txt").write_text(output)
    assert run.returncode == 0, output[-6000:]
    leaked = [secret for secret in {ADMIN_PASSWORD, TEACHER_PASSWORD} | secrets_seen(sim.url) if secret in output]
    assert not leaked, "secrets in -vvv output of %s: %d value(s)" % (target, len(leaked))
