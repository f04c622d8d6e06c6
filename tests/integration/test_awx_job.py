"""AWX jobs with the collection's own credential type, run the way AWX runs them: ansible-runner over a private
data dir (tests/integration/awx/jobs.py builds it from extensions/awx/credential_type.yml and job_templates.md),
the collection installed from its built tarball, a new HOME for every job (issue 14, item 4).

The credential is filled as most sites fill it: URL, username, password and the auth_apilogin apikey (the
description's own passwords come from a Vault credential, as job_templates.md says). AWX then
sets MOODLE_TOKEN, MOODLE_CAS_URL and MOODLE_CA_PATH to '' and writes the (empty) CA bundle file: the modules
must take an empty variable for "not set" (before that fix every task failed "ca_path must not be empty; cas_url
must not be empty; token must not be empty").

Against a fresh simulator of each tested release (MOODLE_SIM_VERSIONS), at the same time:
1. "Moodle - provision site" twice: both succeed, the second reports changed=0 (runner's stats) and writes
   nothing; the token store lives on a volume that outlives the job containers (docs/awx.md);
2. "Moodle - audit site" (job type check, --diff, fail_on_drift: true): succeeds, writes nothing;
3. one setting changed behind Ansible's back (what admin/cli/cfg.php does): the audit job fails, naming it.
And, on 4.5 over HTTPS with a private CA, the credential with the CA bundle filled in: provisioning succeeds with
only that bundle trusted (MOODLE_CA_PATH = the file AWX wrote).
Every job event and every stdout, and every file the jobs left, are searched for every secret in play."""

import json
import os
import ssl
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from awx.jobs import Controller, install_collection
from secrets_audit import audit, sim_secrets
from test_playbooks import EXAMPLE_SECRETS, control, fresh
from test_targets import ADMIN_PASSWORD
from tests.moodle_sim import Simulator
from tls_certs import make_test_certificates

APIKEY = "apilogin-test-secret"
VAULT_PASSWORD = "Vault#Awx-2027"
SITE_SECRETS = {"vault_ci_bot_password": "Ci-Bot#2027", "vault_teacher_password": "Teacher#2027",
                "vault_oauth2_client_secret": "oauth2-test-secret"}  # in the vault
NOT_EMPTY = "must not be empty"
# what the job must not inherit from the shell that runs pytest: a job container starts without them
INHERITED = ("MOODLE", "MOODLEOPS_", "ANSIBLE_", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@pytest.fixture(scope="module")
def collections(tmp_path_factory):
    """The execution environment's collections path: moodleops.auth installed from the tarball of this tree."""
    return install_collection(str(tmp_path_factory.mktemp("awx-ee")))


@pytest.fixture
def container_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith(INHERITED):
            monkeypatch.delenv(name)


def normal_inputs(sim):
    return {"url": sim.url, "username": "admin", "password": ADMIN_PASSWORD, "apilogin_secret": APIKEY}


def writes(sim):
    return [record for record in control(sim, "log")["requests"] if record["write"]]


def check_job(job, collections, status="successful"):
    assert job.status == status, job.describe()
    assert NOT_EMPTY not in job.text, job.describe()
    # AWX's rendering: every variable set, the inputs left empty as ''; a new HOME; the installed collection
    env = job.envvars
    assert env["MOODLE_TOKEN"] == env["MOODLE_CAS_URL"] == "", env
    assert env["MOODLE_VALIDATE_CERTS"] == "true"
    with open(job.files["template.ca"]) as handle:     # written even when the bundle is empty
        bundle = handle.read()
    assert env["MOODLE_CA_PATH"] == (job.files["template.ca"] if bundle else "")
    assert env["HOME"] == job.home
    paths = [path for path in job.task_paths() if "ansible_collections" in path]
    assert paths, "no task of the collection ran"
    assert all(path.startswith(collections + os.sep) for path in paths), sorted(set(paths))[:5]
    return job


def assert_no_secret(label, sim, controller):
    secrets = dict(sim_secrets(sim.url), **dict.fromkeys(controller.token_values(), "token"))
    secrets.update(dict.fromkeys(set(controller.secrets) | {ADMIN_PASSWORD, APIKEY} | EXAMPLE_SECRETS, "password"))
    leaked = audit(label, controller.outputs(), controller.files(), secrets)
    assert not leaked, "%s: secrets found: %s" % (label, leaked)


def provision_and_audit(sim, workdir, collections):
    fresh(sim, apilogin_secret=APIKEY)     # the apikey and allowipaddr an administrator sets with cfg.php
    controller = Controller(workdir, collections, normal_inputs(sim), VAULT_PASSWORD, SITE_SECRETS)
    release = sim.state.moodle.key

    first = check_job(controller.launch("site_provision.yml"), collections)
    assert first.count("changed") > 0 and first.count("failures") == 0, first.describe()
    assert first.recap_event()["changed"] == first.stats["changed"]
    assert first.envvars["MOODLEOPS_STATE_DIR"] == controller.volume     # the credential's State directory field
    assert os.path.exists(os.path.join(controller.volume, "tokens.json"))

    control(sim, "log/clear", {})
    second = check_job(controller.launch("site_provision.yml"), collections)
    assert second.count("changed") == 0 and not second.recap_event()["changed"], second.describe()
    home_store = os.path.join(second.home, ".ansible", "moodleops.auth", "tokens.json")
    assert second.home != first.home and not os.path.exists(home_store)
    assert writes(sim) == []

    control(sim, "log/clear", {})
    clean = check_job(controller.launch("site_audit.yml"), collections)
    with open(os.path.join(clean.artifacts, "command")) as handle:
        assert "--check" in json.load(handle)["command"]
    assert "The site is as the description says" in clean.text, clean.describe()
    assert clean.count("changed") == 0, clean.describe()

    control(sim, "cfg", {"component": "auth_userkey", "name": "keylifetime", "set": "120"})
    drift = check_job(controller.launch("site_audit.yml"), collections, status="failed")
    assert drift.rc != 0 and drift.count("failures") == 1, drift.describe()
    assert "Drift in 1 task result(s), sections auth_plugins" in drift.text, drift.describe()
    assert writes(sim) == [], "an audit job wrote to the site"

    assert_no_secret("AWX jobs (ansible-runner) on Moodle %s" % release, sim, controller)
    return controller


def provision_over_https(sim, workdir, collections, ca_file):
    fresh(sim, apilogin_secret=APIKEY)
    with open(ca_file) as handle:
        bundle = handle.read()
    controller = Controller(workdir, collections, dict(normal_inputs(sim), ca_bundle=bundle), VAULT_PASSWORD,
                            SITE_SECRETS, store_in_description=True)
    job = check_job(controller.launch("site_provision.yml"), collections)
    assert job.envvars["MOODLE_CA_PATH"] == job.files["template.ca"]
    assert job.envvars["MOODLEOPS_STATE_DIR"] == ""     # left blank: the store is named in the description
    with open(job.files["template.ca"]) as handle:
        assert handle.read() == bundle
    assert job.count("changed") > 0, job.describe()
    assert "TLS certificates are not verified" not in job.text
    assert_no_secret("AWX job with a CA bundle (ansible-runner) on Moodle 4.5 over HTTPS", sim, controller)
    return controller


# runner starts ansible-playbook through pexpect (forkpty) while the simulators serve from threads: Python 3.12+
# warns about any fork in a threaded process; the child execs at once
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded, use of forkpty:DeprecationWarning")
def test_awx_jobs(fresh_simulators, collections, container_environment, tmp_path):
    certs = make_test_certificates(str(tmp_path))
    https_sim = Simulator(state="fresh", moodle="4.5", tls=certs.server_pair).start()
    # the control API of the HTTPS simulator (fresh, sim_secrets) trusts the test CA; the jobs get it from AWX only
    urllib.request.install_opener(urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=certs.ca))))
    try:
        with ThreadPoolExecutor(max_workers=len(fresh_simulators) + 1) as pool:
            futures = [pool.submit(provision_and_audit, sim, tmp_path / sim.state.moodle.key, collections)
                       for sim in fresh_simulators]
            futures.append(pool.submit(provision_over_https, https_sim, tmp_path / "https", collections, certs.ca))
            controllers = [future.result() for future in futures]
    finally:
        urllib.request.install_opener(None)
        https_sim.stop()
    print("\n" + "; ".join("%s: %s" % (os.path.basename(c.workdir), ", ".join(
        "%s %.1fs" % (job.playbook, job.seconds) for job in c.jobs)) for c in controllers))
