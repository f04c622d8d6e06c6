"""The docs' examples run as written (issue 18, items 2 and 3).

Every ```yaml block of README.md and docs/*.md that is a playbook (a list of plays, or a list of tasks, which is
wrapped in a play on localhost) runs with ansible-playbook -vvv against a fresh simulator of each release of
MOODLE_SIM_VERSIONS, one simulator per example and release, all at once. The connection comes from MOODLE_URL,
MOODLE_USERNAME, MOODLE_PASSWORD (and MOODLE_APILOGIN_SECRET), as the docs tell users to set it; the collection is on
ANSIBLE_COLLECTIONS_PATH; every run has a home of its own (its token store, session cache and locks).

Only what a user substitutes is substituted: the site's address (https://moodle.example.edu -> the simulator), the
variables the docs tell the user to define (VARIABLES: vault values and the example's inputs, given with -e), and
the prerequisites an example's text states (PREREQUISITES). Examples that cannot run here by nature are in SKIPPED,
each with the reason and the hash of the version that was reviewed; an example that changed, or a stale entry, fails
test_skip_list_is_current. Each example runs twice and the second run must report changed=0 (every module promises
it: README.md, docs/user-guide.md "Check mode, diff, idempotence"), except the modules documented to change on every
call (ALWAYS_CHANGES). An example whose text says it builds on another example of its page runs in that one's job:
in the same play (``with_``: it uses a registered result) or after it (``after``); the other has no job of its own
but is checked the same way. Every -vvv output and every file a run left in its home is searched for every secret of the
run (secrets_audit.audit).

The user guide's first runs are run as a user types them, in order: "First run: the simulator" (the block's commands
with another free port and each release for --moodle) and "First run: a real site" against a simulator (its URL for
moodle.example.edu, the password typed at `read`, the Moodle host's cfg.php commands done through /__sim__/cfg).

``MOODLE_SIM_VERSIONS=4.5`` limits the releases, as for test_targets.py."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from collection_paths import REPO_ROOT
from doc_examples import (PLACEHOLDER_SITE, all_blocks, ansible_bin, control, kind_of, playbook_text, recap, run,
                          shell_commands, substitute_site, user_env, yaml_examples)
from secrets_audit import audit, files_under, sim_secrets
from test_targets import ADMIN_PASSWORD, MOODLE_VERSIONS
from tests.moodle_sim import Simulator

# the docs' examples are the same on every ansible-core line: the first one runs them (tools/test.sh)
pytestmark = pytest.mark.once

APILOGIN_SECRET = "apilogin-test-secret"        # playbooks/examples/site.yml's default vault_apilogin_secret
EXAMPLE_SECRETS = {"Teacher#2027", "Ci-Bot#2027", APILOGIN_SECRET}    # the example description's test secrets
CONTROLLER = "127.0.0.1"                        # the address the simulator sees the controller at
WORKERS = 4                                     # ansible-playbook runs at once (a 2-core machine)

# -- reviewed: the examples that do not run here, and why (key: "<file>#<heading>[n]" -> (hash reviewed, reason)) --
SKIPPED = {
    "README.md#`transport: cli`": (
        "1e4ee9d478",
        "runs on the Moodle host (hosts: moodle_servers, become_user: www-data, moodle_root /var/www/moodle, its PHP): "
        "no such host here; transport: cli against the simulator's stand-in Moodle root is tested by "
        "targets/moodle_webservice_enable (cli.yml)"),
    "docs/sign-in-apilogin.md#Set the plugin up": (
        "4c058a8c55",
        "runs on the Moodle host (hosts: moodle_servers, transport: cli, become_user: www-data): no such host here; "
        "targets/moodle_auth_plugin sets apikey/allowipaddr with transport: cli on the simulator's stand-in root; "
        "the examples after it get the same settings through /__sim__/cfg (PREREQUISITES)"),
    "docs/concurrency.md#Without the locks: serial and throttle": (
        "c25c9df7cf",
        "two tasks cut from a many-host job (run_once, throttle and delegate_to: localhost only mean something with "
        "many hosts; service_account is each host's inventory variable; the service ci_bootstrap and the accounts "
        "come from elsewhere in that job); test_concurrency.py runs many hosts delegating to the controller"),
    "docs/sign-in-cas.md#Sign-in: CAS": (
        "986f2d15ad",
        "needs a real CAS server (cas.example.edu, its CA file /etc/ssl/certs/campus-ca.pem, a CAS account that is a "
        "Moodle site admin with auth cas); targets/cas_login runs auth_method: cas with the simulator's CAS server"),
    "docs/sign-in-oauth2.md#Providers": (
        "ff661fcc8c",
        "needs the providers on the internet (sso.example.edu, login.microsoftonline.com, accounts.google.com): Moodle "
        "discovers their endpoints from the Moodle server when it creates the service; targets/moodle_oauth2_issuer "
        "runs discovery against the simulator's own OpenID provider (blocked, allowed, the re-run converging)"),
    "docs/sign-in-eduauth.md#Sign-in: local_eduauth (an app logs a user in through Moodle)": (
        "858f24f8bf",
        "interactive: ansible.builtin.pause waits for a person to log in through the URL in a browser, then "
        "wait_user polls up to 600 s; targets/moodle_eduauth runs the same actions with a scripted browser login"),
}

# ```yaml blocks that are not playbooks (vars files, fragments): key -> what they are. None today.
NOT_PLAYBOOKS = {}

# -- what a user defines: the vault values and inputs the examples name (given with -e when an example uses them) --
VARIABLES = {
    "vault_admin": ADMIN_PASSWORD,                      # the site administrator's password
    "vault_moodle_admin_password": ADMIN_PASSWORD,
    "vault_moodle_apilogin_secret": APILOGIN_SECRET,    # auth_apilogin's apikey (set as a prerequisite)
    "controller_address": CONTROLLER,                   # docs/sign-in-tokens.md: "set controller_address to ..."
    "sis_students": [                                   # docs/sign-in-apilogin.md: the SIS's students
        {"idnumber": "S1001", "username": "student1", "email": "student1@example.edu",
         "firstname": "Stu", "lastname": "Dent"},
        {"idnumber": "S1002", "username": "student2", "email": "student2@example.edu",
         "firstname": "Ann", "lastname": "Other"},
    ],
    "browser_user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "vault_oidc_client_secret": "oidc-Client-Secret-42",    # docs/sign-in-oauth2.md: the provider's client secret
}
SECRET_VARIABLES = ("vault_admin", "vault_moodle_admin_password", "vault_moodle_apilogin_secret", "vault_ci_token",
                    "vault_oidc_client_secret")

# auth_apilogin's settings as an administrator sets them once on the Moodle host (cfg.php; here /__sim__/cfg)
APILOGIN_CFG = [("auth_apilogin", "apikey", APILOGIN_SECRET), ("auth_apilogin", "allowipaddr", CONTROLLER)]
TOKENS_FIRST = "docs/sign-in-tokens.md#A service account with a token, from nothing"

# -- reviewed: what an example's text says must be there first ------------------------------------------------------
#   cfg: settings made on the Moodle host with cfg.php    users: accounts the text says exist
#   files: files the text says sit next to the playbook    with: examples of the same page whose results it uses
#   (run in the same play, before it)    after: an example run before it, on its own    token: a -e variable holding
#   the value of a token the token store of that earlier run keeps (user, service, name)
PREREQUISITES = {
    "README.md#Roles and playbooks": dict(
        why="'moodle_site, the description: e.g. a copy of playbooks/examples/site.yml, whose apilogin section needs "
            "the site's auth_apilogin apikey and allowipaddr set first'",
        files={"mysite.yml": "playbooks/examples/site.yml"}, cfg=APILOGIN_CFG),
    "docs/sign-in-apilogin.md#Manage users": dict(
        why="'Set the plugin up': apikey and allowipaddr (the controller) set on the Moodle host", cfg=APILOGIN_CFG),
    "docs/sign-in-apilogin.md#Users from a file (`users_file`)": dict(
        why="the plugin set up ('Set the plugin up'); files/students.csv next to the playbook, as the text shows it",
        cfg=APILOGIN_CFG, files={"files/students.csv": "tests/integration/doc_files/students.csv"}),
    "docs/sign-in-apilogin.md#Log a user in": dict(
        why="the plugin set up and enabled ('Set the plugin up'); 'a user of the site (here student1, e.g. one of "
            "the students above)'",
        cfg=APILOGIN_CFG + [("core", "auth", "email,apilogin")], with_=["docs/sign-in-apilogin.md#Manage users"]),
    "docs/sign-in-tokens.md#Without a token store: `token_value`": dict(
        why="'vault_ci_token holds the value of the token of the example above'",
        after=TOKENS_FIRST, token=("vault_ci_token", "ci_bot", "ci", "ci-pipeline")),
    "docs/sign-in-userkey.md#Ask for a login URL": dict(
        why="uses portal_token, registered by 'Set the plugin up'; 'the account with the email student@example.edu "
            "must exist on the site'",
        with_=["docs/sign-in-userkey.md#Set the plugin up"],
        users=[{"username": "student", "password": "Student#12345", "firstname": "Stu", "lastname": "Dent",
                "email": "student@example.edu", "auth": "manual"}]),
}

# -- reviewed: examples whose modules are documented to change on every call: changed on the second run, and why ---
ALWAYS_CHANGES = {
    "docs/sign-in-apilogin.md#Log a user in": (1, "login: true mints a one-time login token on every call"),
    "docs/sign-in-userkey.md#Ask for a login URL": (
        1, "'every call creates a key, so the module always reports a change'"),
}

GUIDE = "docs/user-guide.md"
FIRST_RUN_SIM = GUIDE + "#First run: the simulator"
FIRST_RUN_REAL_HOST = GUIDE + "#First run: a real site[1]"      # on the Moodle host: cfg.php
FIRST_RUN_REAL = GUIDE + "#First run: a real site[2]"           # on the controller


def examples():
    return dict((block.key, (block, kind)) for block, kind in yaml_examples())


def bash_blocks():
    return dict((block.key, block) for block in all_blocks() if block.info in ("bash", "sh", "shell"))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def store_token(home, user, service, name):
    with open(os.path.join(str(home), ".ansible", "moodleops.auth", "tokens.json")) as handle:
        entries = json.load(handle)["tokens"]
    found = [entry["token"] for key, entry in entries.items() if key.split("|")[1:] == [user, service, name]]
    assert len(found) == 1, "token store entries of %s@%s#%s: %d" % (user, service, name, len(found))
    return found[0]


class Result(object):
    """What one example (or sequence) did on one release: its runs' codes, recaps and outputs, and the leaks found."""

    def __init__(self, key, version):
        self.key, self.version = key, version
        self.runs = []           # (label, return code, recap, output)
        self.problems = []
        self.seconds = 0.0

    def add(self, label, code, output, seconds):
        self.runs.append((label, code, recap(output), output))
        self.seconds += seconds
        if code != 0:
            self.problems.append("%s: exit %d\n%s" % (label, code, output[-5000:]))
        return code == 0

    def report(self):
        return "%s on Moodle %s:\n%s" % (self.key, self.version, "\n".join(self.problems))


def run_example(key, version, workdir):
    """One example on a fresh simulator of one release: its prerequisites, then two runs (-vvv) - the second must
    change nothing, or what ALWAYS_CHANGES says - then the secrets audit. An example named by ``after`` runs (twice,
    checked the same way) first, in its own play: this job covers it."""
    all_examples = examples()
    need = PREREQUISITES.get(key, {})
    steps = ([need["after"]] if need.get("after") else []) + [key]
    result = Result(key, version)
    home = workdir / "home"
    home.mkdir(parents=True)
    extra_vars = {}
    with Simulator(state="fresh", moodle=version) as sim:
        env = user_env(home, sim.url, {"MOODLE_APILOGIN_SECRET": APILOGIN_SECRET})
        for number, step in enumerate(steps):
            need = PREREQUISITES.get(step, {})
            for component, name, value in need.get("cfg", []):
                assert control(sim.url, "cfg", {"component": component, "name": name, "set": value})["exit"] == 0
            for user in need.get("users", []):
                control(sim.url, "user", user)
            for name, source in need.get("files", {}).items():
                (workdir / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(os.path.join(REPO_ROOT, source), str(workdir / name))
            if need.get("token"):
                variable, user, service, name = need["token"]
                extra_vars[variable] = store_token(home, user, service, name)
            blocks = [all_examples[other][0] for other in need.get("with_", [])] + [all_examples[step][0]]
            text = substitute_site(playbook_text(blocks, step), sim.url)
            (workdir / ("example-%d.yml" % number)).write_text(text)
            used = dict((name, value) for name, value in list(VARIABLES.items()) + list(extra_vars.items())
                        if re.search(r"\b%s\b" % name, text))
            command = [ansible_bin("ansible-playbook"), "-vvv", "example-%d.yml" % number] + \
                (["-e", json.dumps(used)] if used else [])
            label = step if step != key else "the example"
            if not result.add(label + ", first run", *run(command, env, workdir)) or \
                    not result.add(label + ", second run", *run(command, env, workdir)):
                break
            first, second = result.runs[-2][2], result.runs[-1][2]
            expected = ALWAYS_CHANGES.get(step, (0, ""))[0]
            if first is None or first["ok"] == 0:
                result.problems.append("%s: no host ran it (%s)" % (label, first))
            elif second is None or second["changed"] != expected:
                result.problems.append("%s, second run: changed=%s, expected %d (first run: %s)"
                                       % (label, second and second["changed"], expected, first))
        secrets = sim_secrets(sim.url)
    secrets.update(dict.fromkeys({ADMIN_PASSWORD} | EXAMPLE_SECRETS, "password"))
    for variable in SECRET_VARIABLES:
        value = extra_vars.get(variable, VARIABLES.get(variable))
        if value:
            secrets[value] = "token" if variable.endswith("_token") else "password"
    leaks = audit("%s on Moodle %s" % (key, version), [output for _label, _code, _recap, output in result.runs],
                  files_under(home), secrets)
    if leaks:
        result.problems.append("secrets found: %s" % (leaks,))
    return result


def covered_by_others():
    """Examples run inside another example's job (``with_``: in its play; ``after``: before it): no job of their own."""
    return set(other for need in PREREQUISITES.values()
               for other in need.get("with_", []) + ([need["after"]] if need.get("after") else []))


# -- the user guide's first runs --------------------------------------------------------------------------------------
def shell_session(commands, env, workdir, stdin="", timeout=600, before_stop=None):
    """The commands in one bash, in order, as a user types them: (outputs per command, return codes, seconds).

    bash runs in a session of its own; whatever it left running in the background (the simulator) is stopped at
    the end by that session's process group id, after ``before_stop()``."""
    marker = "@@@doc-example-%d@@@" % os.getpid()
    script = "".join("%s\necho \"%s $?\"\n" % (command, marker) for command in commands)
    start = time.time()
    log = workdir / "session-output.txt"      # a file, not a pipe: the background simulator keeps it open
    with open(str(log), "w") as out:
        shell = subprocess.Popen(["bash", "-c", script], env=env, cwd=str(workdir), stdin=subprocess.PIPE,
                                 stdout=out, stderr=subprocess.STDOUT, universal_newlines=True,
                                 start_new_session=True)
    try:
        shell.communicate(stdin, timeout=timeout)
        if before_stop:
            before_stop()
    finally:
        try:
            os.killpg(shell.pid, signal.SIGTERM)       # our own session: the background simulator, if any
        except ProcessLookupError:
            pass
        shell.wait()
    output = log.read_text()
    parts = re.split(r"%s (\d+)\n" % re.escape(marker), output)
    outputs, codes = parts[0:-1:2], [int(code) for code in parts[1::2]]
    return outputs, codes, time.time() - start


def guide_env(home, extra=None):
    env = user_env(home, "", extra)
    for name in ("MOODLE_URL", "MOODLE_USERNAME", "MOODLE_PASSWORD"):
        env.pop(name)                                   # the commands set them
    env["ANSIBLE_VERBOSITY"] = "3"                      # -vvv, for the secrets audit, without changing a command
    return env


def guide_workdir(workdir):
    """A directory like the checkout's root (the commands' paths), whose own files (mysite.yml) stay out of it."""
    (workdir / "home").mkdir(parents=True)
    for name in ("playbooks", "tests", "requirements.txt"):
        os.symlink(os.path.join(REPO_ROOT, name), str(workdir / name))


def first_run_simulator(version, workdir):
    """'First run: the simulator': its commands in order, on another free port and with --moodle <version>."""
    result = Result(FIRST_RUN_SIM, version)
    guide_workdir(workdir)
    port = free_port()
    text = bash_blocks()[FIRST_RUN_SIM].text
    assert "--port 8765 " in text and "--moodle 4.5 " in text, "the port and release this test changes: %s" % text
    commands = [command.replace("8765", str(port)).replace("--moodle 4.5", "--moodle " + version)
                for command in shell_commands(text)]
    url = "http://127.0.0.1:%d" % port
    secrets = {}
    outputs, codes, seconds = shell_session(commands, guide_env(workdir / "home"), workdir,
                                            before_stop=lambda: secrets.update(sim_secrets(url)))
    result.seconds = seconds
    for command, code, output in zip(commands, codes, outputs):
        result.runs.append((command, code, recap(output) if "ansible-playbook" in command else None, output))
        if code != 0:
            result.problems.append("`%s`: exit %d\n%s" % (command, code, output[-5000:]))
    if len(codes) != len(commands):
        result.problems.append("the commands stopped after %d of %d:\n%s" % (len(codes), len(commands), outputs[-1:]))
    audit_sequence(result, secrets, workdir)
    return result


def first_run_real_site(version, workdir):
    """'First run: a real site' against a simulator: the host's cfg.php as /__sim__/cfg, then the controller's
    commands in order (its URL for moodle.example.edu, the password typed at `read`), the last one twice."""
    result = Result(FIRST_RUN_REAL, version)
    guide_workdir(workdir)
    host_commands = shell_commands(bash_blocks()[FIRST_RUN_REAL_HOST].text)
    assert [re.search(r"--component=(\S+) --name=(\S+)", command).groups() for command in host_commands] == \
        [(component, name) for component, name, _value in APILOGIN_CFG], host_commands
    with Simulator(state="fresh", moodle=version) as sim:
        for component, name, value in APILOGIN_CFG:       # cfg.php on the Moodle host
            assert control(sim.url, "cfg", {"component": component, "name": name, "set": value})["exit"] == 0
        commands = [command.replace(PLACEHOLDER_SITE, sim.url)
                    for command in shell_commands(bash_blocks()[FIRST_RUN_REAL].text)]
        commands.append(commands[-1])                     # "apply; run again: changed=0"
        outputs, codes, seconds = shell_session(commands, guide_env(workdir / "home"), workdir,
                                                stdin=ADMIN_PASSWORD + "\n")
        result.seconds = seconds
        secrets = sim_secrets(sim.url)
    for command, code, output in zip(commands, codes, outputs):
        result.runs.append((command, code, recap(output) if "ansible-playbook" in command else None, output))
        if code != 0:
            result.problems.append("`%s`: exit %d\n%s" % (command, code, output[-5000:]))
    if len(codes) != len(commands):
        result.problems.append("the commands stopped after %d of %d" % (len(codes), len(commands)))
    audit_sequence(result, secrets, workdir)
    return result


def audit_sequence(result, secrets, workdir):
    secrets = dict(secrets, **dict.fromkeys({ADMIN_PASSWORD} | EXAMPLE_SECRETS, "password"))
    leaks = audit("%s on Moodle %s" % (result.key, result.version), [output for _c, _r, _s, output in result.runs],
                  files_under(workdir / "home"), secrets)
    if leaks:
        result.problems.append("secrets found: %s" % (leaks,))


def check_guide_runs(result, again):
    """The apply changed the fresh site; with ``again``, it ran twice and the second run changed nothing."""
    applies = [summary for command, code, summary, _o in result.runs
               if "provision_site.yml" in command and "--check" not in command and "--tags" not in command]
    if not applies or applies[0] is None or applies[0]["changed"] == 0 or applies[0]["failed"]:
        result.problems.append("the apply on a fresh site: %s (expected changes)" % (applies[:1],))
    if again and (len(applies) != 2 or applies[-1] is None or applies[-1]["changed"] != 0):
        result.problems.append("the apply run again: %s (expected changed=0)" % (applies[1:],))


# -- the runs, all at once ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def doc_runs(tmp_path_factory):
    """Every runnable example and both first runs on every release: {(key, version): Result}."""
    runnable = sorted(key for key, (_block, kind) in examples().items()
                      if kind and key not in SKIPPED and key not in covered_by_others())
    jobs = []
    for version in MOODLE_VERSIONS:
        base = tmp_path_factory.mktemp("doc_examples_" + version.replace(".", ""))
        jobs.append((FIRST_RUN_REAL, version, first_run_real_site, base / "first-run-real"))
        jobs.append((FIRST_RUN_SIM, version, first_run_simulator, base / "first-run-sim"))
        for number, key in enumerate(runnable):
            jobs.append((key, version, run_example, base / ("example-%02d" % number)))
    start = time.time()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = []
        for key, version, job, workdir in jobs:
            if job in (first_run_simulator, first_run_real_site):
                futures.append(((key, version), pool.submit(job, version, workdir)))
            else:
                futures.append(((key, version), pool.submit(job, key, version, workdir)))
        results = dict((ident, future.result()) for ident, future in futures)
    print("\ndoc examples: %d runnable examples in %d jobs and 2 first runs per release, on Moodle %s, in %.1fs (%s)" % (
        len(runnable) + len(covered_by_others()), len(runnable), ", ".join(MOODLE_VERSIONS), time.time() - start,
        ", ".join("%s %s %.0fs" % (key.split("#")[-1][:24], version, result.seconds)
                  for (key, version), result in sorted(results.items(), key=lambda item: -item[1].seconds))))
    return results


def test_every_yaml_block_is_a_playbook_or_listed():
    """Every ```yaml block of the docs is a playbook this test runs, or is in SKIPPED / NOT_PLAYBOOKS with a reason."""
    found = examples()
    assert found, "no ```yaml block found in README.md and docs/*.md"
    unknown = [key for key, (_block, kind) in found.items() if kind is None and key not in NOT_PLAYBOOKS]
    assert not unknown, "```yaml blocks that are neither plays nor task lists: %s" % unknown
    counts = {}
    for key in found:
        counts[key.split("#", 1)[0]] = counts.get(key.split("#", 1)[0], 0) + 1
    print("\nyaml examples: %s" % ", ".join("%s %d" % item for item in sorted(counts.items())))


def test_skip_list_is_current():
    """No stale entry: every key of the reviewed lists names an example, and a skipped one is the version reviewed."""
    found = examples()
    stale = [key for key in list(SKIPPED) + list(NOT_PLAYBOOKS) + list(PREREQUISITES) + list(ALWAYS_CHANGES)
             if key not in found]
    assert not stale, "entries naming no example of the docs (renamed heading? removed example?): %s" % stale
    changed = ["%s: reviewed %s, now %s" % (key, digest, found[key][0].digest)
               for key, (digest, _reason) in SKIPPED.items() if found[key][0].digest != digest]
    assert not changed, ("skipped examples changed since they were reviewed: run them if they can run now, else "
                         "review the reason and update the hash: %s" % changed)
    both = [key for key in PREREQUISITES if key in SKIPPED] + [key for key in ALWAYS_CHANGES if key in SKIPPED]
    assert not both, "skipped examples with prerequisites or expectations: %s" % both
    for key, need in PREREQUISITES.items():
        for other in need.get("with_", []) + ([need["after"]] if need.get("after") else []):
            assert other in found and other not in SKIPPED, (key, other)
            assert other.split("#", 1)[0] == key.split("#", 1)[0], "%s uses an example of another page: %s" % (key, other)
        if need.get("with_"):
            assert kind_of(found[key][0]) == "tasks", key
    assert all(reason for _digest, reason in SKIPPED.values())
    blocks = bash_blocks()
    for key in (FIRST_RUN_SIM, FIRST_RUN_REAL_HOST, FIRST_RUN_REAL):
        assert key in blocks, "the user guide's first-run block %s is gone: update this test" % key


def assert_no_problems(results):
    failures = [result.report() for result in results if result.problems]
    assert not failures, "\n\n".join(failures)


def test_examples_run_as_written(doc_runs):
    """Every runnable example: both runs succeed, the second changes nothing (ALWAYS_CHANGES aside), no secret shown."""
    results = [result for (key, _version), result in doc_runs.items() if key not in (FIRST_RUN_SIM, FIRST_RUN_REAL)]
    assert results
    assert_no_problems(results)


def test_user_guide_first_run_on_the_simulator(doc_runs):
    results = [result for (key, _version), result in doc_runs.items() if key == FIRST_RUN_SIM]
    for result in results:
        check_guide_runs(result, again=False)
    assert_no_problems(results)


def test_user_guide_first_run_on_a_real_site(doc_runs):
    results = [result for (key, _version), result in doc_runs.items() if key == FIRST_RUN_REAL]
    for result in results:
        check_guide_runs(result, again=True)
        codes = [(command.split()[0:2], code) for command, code, _s, _o in result.runs]
        assert any(words == ["ansible", "localhost"] and code == 0 for words, code in codes), codes
    assert_no_problems(results)
