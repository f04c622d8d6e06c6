"""Many Moodle sites from one job (issue 17, part 3): playbooks/provision_sites.yml over an inventory of 20 sites,
one ansible-runner job with forks 20, run the way AWX runs it (tests/integration/awx/jobs.py: a private data dir,
the credential type of extensions/awx rendered by AWX's rules, a Vault credential answered at the prompt, a new
HOME, the state directory on a volume that outlives the job through the credential's State directory field).

20 simulators (10 emulating 4.5, 10 emulating 5.1 when both are tested), each on its own port with its own admin
password; the inventory holds each site's URL and its password as an inline ``!vault`` value (docs/many-sites.md),
and each site's description file lives in the project. The job's Moodle site credential is filled with site00's
URL, a wrong password and a token: the playbook must use none of it (with env injection every host would get it).

1. The first job converges every site (each simulator's state: its own service, account, role and token), with
   exactly one login per site, made with that site's own password.
2. Nothing of one site is used for another: every request a simulator saw carried only a session cookie that
   simulator issued; the state directory (created by the 20 forks at once, 0700) holds one session cache entry per site (named by that site's cache key,
   holding that site's cookie), the lock files of every site's objects and nothing else, one token store entry per
   site holding that site's token value.
3. A second job (a new container: new HOME, the same volume) changes nothing: changed=0 for every host in
   runner's stats, no write and no login on any site (the session cached on the volume is reused).
No secret (passwords, the vault password, cookies, sesskeys, tokens) in any job event, stdout or file left behind."""

import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from awx.jobs import Job, inject_credential, load_credential_type, vault_value
from collection_paths import collection_root
from secrets_audit import audit, files_under, sim_secrets
from test_targets import MOODLE_VERSIONS
from tests.moodle_sim import Simulator

from ansible_collections.moodleops.auth.plugins.module_utils.locks import lock_path
from ansible_collections.moodleops.auth.plugins.module_utils.session_cache import cache_key

pytestmark = pytest.mark.once      # keying and isolation of the controller-side state do not depend on ansible-core

SITES = ["site%02d" % number for number in range(20)]
FORKS = 20
VAULT_PASSWORD = "Vault#Many-Sites-2027"
DECOY_PASSWORD = "Decoy#Credential-2027"     # the job's Moodle site credential: must reach no site
DECOY_TOKEN = "decoytoken0123456789abcdef"
COOKIE = "MoodleSession"
ENTRY = ("- name: Provision every site of the inventory\n"      # the project's entry playbook (job_templates.md)
         "  ansible.builtin.import_playbook: moodleops.auth.provision_sites\n")


def password_of(name):
    return "Admin#%s-%s" % (name.title(), "x7Q")


def description(name):
    """A small description per site, its service named after the site (so each site's state can be told apart)."""
    number = name[-2:]
    return {"moodle_site": {
        "webservices": {"enabled": True, "protocols": ["rest"]},
        "users": [{"username": "ci_bot", "auth": "webservice", "firstname": "CI", "lastname": "Site " + number,
                   "email": "ci-bot@%s.example.edu" % name}],
        "roles": [{"shortname": "ws_ci", "name": "CI web services", "context_levels": ["system"],
                   "capabilities": {"webservice/rest:use": "allow"}, "users": ["ci_bot"]}],
        "services": [{"name": "CI " + name, "shortname": "ci_" + number,
                      "functions": ["core_webservice_get_site_info"], "restricted_users": True,
                      "authorised_users": ["ci_bot"]}],
        "tokens": [{"user": "ci_bot", "service": "ci_" + number}],
    }}


class Watch(object):
    """What one simulator saw beyond its request log: the session ids it issued, those clients sent, and whether each
    login carried this site's own password (kept in memory, never printed)."""

    def __init__(self, sim, password):
        self.issued, self.sent, self.logins = set(), set(), []
        dispatch = sim.dispatch

        def watched(ctx):       # runs under the simulator's state lock
            if ctx.cookies.get(COOKIE):
                self.sent.add(ctx.cookies[COOKIE])
            if ctx.method == "POST" and ctx.path == "/login/index.php":
                self.logins.append(dict(ctx.form_pairs).get("password") == password)
            answer = dispatch(ctx)
            for cookie in ctx.set_cookies:
                if cookie.startswith(COOKIE + "="):
                    self.issued.add(cookie.split(";", 1)[0].split("=", 1)[1])
            return answer
        sim.dispatch = watched


def inventory(sims, vault_password):
    """The inventory's YAML (the layout of playbooks/examples/sites.yml): group moodle_sites, the username as a group
    variable, per host the URL, the password as an inline vault value and the description file (in the project)."""
    lines = ["---", "moodle_sites:", "  vars:", "    moodle_username: admin", "  hosts:"]
    for name, sim in zip(SITES, sims):
        vaulted = vault_value(password_of(name), vault_password).replace("\n  ", "\n        ").rstrip("\n")
        lines += ["    %s:" % name, "      moodle_url: %s" % sim.url, "      moodle_site_file: sites/%s.yml" % name,
                  "      moodle_password: " + vaulted]
    return "\n".join(lines) + "\n"


def launch(workdir, number, sims, credential_inputs):
    """One job of the project's entry playbook over the inventory: AWX's private data dir, a new HOME and TMPDIR."""
    import ansible_runner

    job_dir = os.path.join(workdir, "job-%d" % number)
    private = os.path.join(job_dir, "private_data_dir")
    home, tmp = os.path.join(job_dir, "home"), os.path.join(job_dir, "tmp")
    for directory in ("env", "inventory", "project/sites"):
        os.makedirs(os.path.join(private, directory))
    os.makedirs(home)
    os.makedirs(tmp)
    with open(os.path.join(private, "project", "sites_provision.yml"), "w") as out:
        out.write(ENTRY)
    for name in SITES:
        with open(os.path.join(private, "project", "sites", name + ".yml"), "w") as out:
            json.dump(description(name), out)
    with open(os.path.join(private, "inventory", "sites.yml"), "w") as out:
        out.write(inventory(sims, VAULT_PASSWORD))
    env, files, _extra, _secrets = inject_credential(load_credential_type(), credential_inputs,
                                                     os.path.join(private, "env"))
    envvars = dict(env, HOME=home, TMPDIR=tmp, ANSIBLE_COLLECTIONS_PATH=collection_root(), ANSIBLE_PIPELINING="1",
                   # the execution environment's ansible-playbook: this Python's
                   PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    with open(os.path.join(private, "env", "envvars"), "w") as out:
        json.dump(envvars, out)
    with open(os.path.join(private, "env", "extravars"), "w") as out:
        json.dump({"awx_job_id": number, "tower_job_id": number}, out)
    started = time.time()
    runner = ansible_runner.run(
        private_data_dir=private, playbook="sites_provision.yml", ident=str(number), forks=FORKS,
        cmdline="--ask-vault-pass", passwords={r"Vault password:\s*?$": VAULT_PASSWORD}, quiet=True,
        suppress_env_files=True, timeout=900, cancel_callback=lambda: False)
    return Job(number, "sites_provision.yml", job_dir, private, home, envvars, files, runner, time.time() - started)


def logins(records):
    return [record for record in records if record.method == "POST" and record.path == "/login/index.php"]


# runner starts ansible-playbook through pexpect (forkpty) while the simulators serve from threads (test_awx_job.py)
pytestmark = [pytestmark, pytest.mark.filterwarnings(
    "ignore:This process .* is multi-threaded, use of forkpty:DeprecationWarning")]


@pytest.fixture(scope="module")
def many_sites(tmp_path_factory):
    """20 simulators, two jobs (the first converges, the second re-runs), and what each simulator saw per job."""
    workdir = str(tmp_path_factory.mktemp("many_sites"))
    volume = os.path.join(workdir, "volume")       # the persistent volume, mounted into every job
    os.makedirs(volume)
    state_dir = os.path.join(volume, "moodle-state")    # the credential's State directory field: 20 forks create it
    sims, watches = [], []
    try:
        for index, name in enumerate(SITES):
            sim = Simulator(state="fresh", moodle=MOODLE_VERSIONS[index % len(MOODLE_VERSIONS)]).start()
            sims.append(sim)
            with sim.state.lock:
                [admin] = [user for user in sim.state.users.values() if user["username"] == "admin"]
                admin["password"] = password_of(name)
            watches.append(Watch(sim, password_of(name)))
        inputs = {"url": sims[0].url, "username": "admin", "password": DECOY_PASSWORD, "token": DECOY_TOKEN,
                  "state_dir": state_dir}
        first = launch(workdir, 1, sims, inputs)
        seen_first = [sim.requests for sim in sims]
        for sim in sims:
            sim.clear_log()
        second = launch(workdir, 2, sims, inputs)
        seen_second = [sim.requests for sim in sims]
        secrets = {}
        for name, sim in zip(SITES, sims):
            secrets.update(sim_secrets(sim.url))
            secrets[password_of(name)] = "password"
        secrets.update({VAULT_PASSWORD: "password", DECOY_PASSWORD: "password", DECOY_TOKEN: "token"})
        print("\nmany sites: %d sites, forks %d: first job %.1fs, re-run %.1fs" % (
            len(SITES), FORKS, first.seconds, second.seconds))
        yield dict(sims=sims, watches=watches, first=first, second=second, seen_first=seen_first,
                   seen_second=seen_second, state_dir=state_dir, workdir=workdir, secrets=secrets)
    finally:
        with ThreadPoolExecutor(max_workers=len(sims) or 1) as pool:     # each stop waits for its servers' polls
            list(pool.map(lambda sim: sim.stop(), sims))


def test_every_site_converged(many_sites):
    first = many_sites["first"]
    assert first.status == "successful", first.describe()
    for name in SITES:
        assert first.count("changed", name) > 0 and first.count("failures", name) == 0, (name, first.describe())
        assert first.count("dark", name) == 0
    for name, sim in zip(SITES, many_sites["sims"]):
        state, number = sim.state, name[-2:]
        assert state.cfg_flag("enablewebservices") and "rest" in state.protocols, name
        [service] = [s for s in state.services.values() if (s["shortname"] or "").startswith("ci_")]
        assert (service["shortname"], service["name"]) == ("ci_" + number, "CI " + name)
        [bot] = [u for u in state.users.values() if u["username"] == "ci_bot"]
        assert bot["lastname"] == "Site " + number and bot["email"] == "ci-bot@%s.example.edu" % name
        tokens = [t for t in state.tokens if t["userid"] == bot["id"] and t["externalserviceid"] == service["id"]]
        assert len(tokens) == 1, name
        assert len([r for r in state.roles.values() if r["shortname"] == "ws_ci"]) == 1


def test_one_login_per_site_with_its_own_password(many_sites):
    for name, watch, seen, seen_again in zip(SITES, many_sites["watches"], many_sites["seen_first"],
                                             many_sites["seen_second"]):
        assert len(logins(seen)) == 1, (name, len(logins(seen)))
        assert logins(seen_again) == [], "%s: the re-run logged in again" % name
        assert watch.logins == [True], "%s: a login without this site's own password" % name


def test_requests_carry_only_their_sites_session(many_sites):
    watches = many_sites["watches"]
    for name, watch in zip(SITES, watches):
        assert watch.sent, "%s: no request carried a session cookie" % name
        foreign = watch.sent - watch.issued
        assert not foreign, "%s: %d session cookie(s) it never issued" % (name, len(foreign))
    issued = [watch.issued for watch in watches]
    assert all(not (issued[i] & issued[j]) for i in range(len(issued)) for j in range(i + 1, len(issued)))


def test_state_dir_keyed_per_site(many_sites):
    state_dir, sims, watches = many_sites["state_dir"], many_sites["sims"], many_sites["watches"]
    for directory in (state_dir, os.path.join(state_dir, "sessions"), os.path.join(state_dir, "locks")):
        assert oct(os.stat(directory).st_mode & 0o777) == "0o700", directory
    # the session cache: one entry per site, named by that site's key, holding that site's cookie and no other
    sessions = os.path.join(state_dir, "sessions")
    expected = dict((cache_key(sim.url, "admin", "password", password_of(name)) + ".json", index)
                    for index, (name, sim) in enumerate(zip(SITES, sims)))
    assert sorted(os.listdir(sessions)) == sorted(expected)
    for file_name, index in expected.items():
        with open(os.path.join(sessions, file_name)) as handle:
            cookies = [c["value"] for c in json.load(handle)["cookies"] if c["name"] == COOKIE]
        owners = [i for i, watch in enumerate(watches) if set(cookies) & watch.issued]
        assert len(cookies) == 1 and owners == [index], (SITES[index], owners)
    # the locks: every object of every site under its own name, nothing shared
    wanted = set()
    for name, sim in zip(SITES, sims):
        for kind, key in (("web_services", "site settings"), ("user", "ci_bot"), ("role", "ws_ci"),
                          ("service", "ci_" + name[-2:]), ("tokens", "shared admin session")):
            wanted.add(os.path.basename(lock_path(sim.url, kind, key)))
    assert set(os.listdir(os.path.join(state_dir, "locks"))) == wanted and len(wanted) == 5 * len(SITES)
    # the token store: one entry per site, the value of that site's token
    with open(os.path.join(state_dir, "tokens.json")) as handle:
        entries = json.load(handle)["tokens"]
    assert len(entries) == len(SITES)
    for name, sim in zip(SITES, sims):
        [key] = [key for key in entries if key.startswith(sim.url + "|")]
        assert key == "%s|ci_bot|ci_%s|" % (sim.url, name[-2:])
        values = set(t["token"] for t in sim.state.tokens)
        assert entries[key]["token"] in values, "%s: the store's value is not one of this site's tokens" % name


def test_rerun_changes_nothing(many_sites):
    second = many_sites["second"]
    assert second.status == "successful", second.describe()
    assert second.home != many_sites["first"].home
    for name in SITES:
        assert second.count("ok", name) > 0 and second.count("changed", name) == 0, (name, second.describe())
        assert second.count("failures", name) == 0
    for name, seen in zip(SITES, many_sites["seen_second"]):
        assert [r for r in seen if r.write] == [], "%s: the re-run wrote" % name


def test_no_secret_in_the_jobs_output_or_files(many_sites):
    jobs = [many_sites["first"], many_sites["second"]]
    outputs = [text for job in jobs for text in job.event_texts + [job.stdout]]
    skip = [path for job in jobs for path in job.input_paths() + job.output_paths()]
    files = [path for path in files_under(many_sites["workdir"])
             if not any(path == prefix or path.startswith(prefix + os.sep) for prefix in skip)]
    leaks = audit("many sites (one ansible-runner job, forks %d)" % FORKS, outputs, files, many_sites["secrets"])
    assert leaks == []
