"""Runs every integration target with ansible-playbook at -vvv against the simulator emulating each tested Moodle
release (4.5 and 5.1: one simulator per release for the whole module, both releases' runs of a target at the same
time), and checks that no secret the run used or created appears anywhere in the output.

``MOODLE_SIM_VERSIONS=4.5`` (comma list) limits the releases, e.g. for a quick local run."""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from collection_paths import REPO_ROOT, collection_root
from secrets_audit import audit, files_under, sim_secrets
from tests.moodle_sim import Simulator

TARGETS_DIR = os.path.join(REPO_ROOT, "tests", "integration", "targets")
TARGETS = sorted(name for name in os.listdir(TARGETS_DIR)
                 if not name.startswith("sim_") and os.path.isdir(os.path.join(TARGETS_DIR, name)))
ADMIN_PASSWORD = "Admin#12345"
TEACHER_PASSWORD = "Teacher#12345"
MOODLE_VERSIONS = [v for v in os.environ.get("MOODLE_SIM_VERSIONS", "4.5,5.1").split(",") if v]


def ansible_playbook():
    candidate = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    return candidate if os.path.exists(candidate) else "ansible-playbook"


@pytest.fixture(scope="module")
def simulators(tmp_path_factory):
    """One simulator per emulated release, shared by every target (each target resets it first)."""
    started = []
    try:
        for version in MOODLE_VERSIONS:
            sim = Simulator(state="fresh", moodle=version).start()
            root = str(tmp_path_factory.mktemp("moodle_root_" + version.replace(".", "")))
            sim.make_moodle_root(root)
            started.append((sim, root))
        yield started
    finally:
        for sim, _root in started:
            sim.stop()


def run_target(target, sim, moodle_root, workdir):
    """ansible-playbook -vvv of one target against one simulator: (return code, output)."""
    workdir.mkdir()
    (workdir / "files").mkdir()
    env = dict(os.environ)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": collection_root(),
        "ANSIBLE_ROLES_PATH": TARGETS_DIR,
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCAL_TEMP": str(workdir / "tmp"),
        "TMPDIR": str(workdir / "files"),        # where the targets' tempfile stores land: searched afterwards
        "MOODLE_URL": sim.url,
        "MOODLE_PASSWORD": ADMIN_PASSWORD,
        "SIM_URL": sim.url,
        "SIM_MOODLE": sim.state.moodle.key,
        "SIM_TEACHER_PASSWORD": TEACHER_PASSWORD,
        "SIM_MOODLE_ROOT": moodle_root,
        "SIM_PHP": os.path.join(REPO_ROOT, "tests", "moodle_sim", "bin", "php"),
    })
    command = [ansible_playbook(), "-vvv", "-i", "localhost,", os.path.join(REPO_ROOT, "tests", "integration", "target.yml"),
               "-e", "target=%s" % target, "-e", "ansible_python_interpreter=%s" % sys.executable]
    run = subprocess.run(command, env=env, cwd=str(workdir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, timeout=900, check=False)
    (workdir / "output.txt").write_text(run.stdout)
    return run.returncode, run.stdout


@pytest.mark.parametrize("target", TARGETS)
def test_target(simulators, target, tmp_path):
    """The target against every emulated release at once (one ansible-playbook per release)."""
    with ThreadPoolExecutor(max_workers=len(simulators)) as pool:
        runs = [(sim, pool.submit(run_target, target, sim, root, tmp_path / sim.state.moodle.key))
                for sim, root in simulators]
        results = [(sim, future.result()) for sim, future in runs]
    failures = ["Moodle %s: ansible-playbook exit %d\n%s" % (sim.state.moodle.release, code, output[-6000:])
                for sim, (code, output) in results if code != 0]
    assert not failures, "\n\n".join(failures)
    for sim, (_code, output) in results:
        secrets = dict(sim_secrets(sim.url), **{ADMIN_PASSWORD: "password", TEACHER_PASSWORD: "password"})
        workdir = tmp_path / sim.state.moodle.key
        leaked = audit("%s on Moodle %s" % (target, sim.state.moodle.key), [output],
                       files_under(workdir / "files", workdir / "tmp", os.environ.get("MOODLEOPS_SESSION_DIR")), secrets)
        assert not leaked, "secrets of %s on Moodle %s: %s" % (target, sim.state.moodle.release, leaked)
