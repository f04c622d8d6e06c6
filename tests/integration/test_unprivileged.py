"""Modules run as an unprivileged user whose home is not writable (the web server's user on the Moodle host, through
``become``): the cli transport touches no state file; the http transport falls back to a private directory of its
user under the system's temporary directory, with one warning, and logs in once; an explicit state_dir is used as
given; a token store path that cannot be written fails before anything is created, naming the path.

Needs root (to become another user without a password: ``su -s /bin/sh``) and a system Python of the tests' minor
version that the unprivileged user can run (the tests' own interpreter may sit under /root); in CI both are there."""

import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
import tempfile

import pytest

from collection_paths import REPO_ROOT, collection_root
from secrets_audit import audit, files_under, sim_secrets
from test_targets import ADMIN_PASSWORD, MOODLE_VERSIONS, ansible_playbook
from tests.moodle_sim import Simulator

CANDIDATE_USERS = ("www-data", "nobody")

PLAY = """---
- name: Modules as {user}, whose home {home} is not writable
  hosts: localhost
  connection: local
  gather_facts: false
  become: true
  become_user: {user}
  become_method: ansible.builtin.su
  become_flags: "-s /bin/sh"
  environment:
    PYTHONPATH: "{pythonpath}"
    TMPDIR: "{tmpdir}"
  module_defaults:
    group/moodleops.auth.moodle:
      url: "{url}"
      username: admin
      password: "{{{{ admin_password }}}}"
  tasks:
    - name: The cli transport (cfg.php), which logs in to nothing
      moodleops.auth.moodle_webservice_enable:
        transport: cli
        moodle_root: "{moodle_root}"
        php_executable: "{php}"
        protocols: [rest]
      register: cli_run

    - name: The http transport, default state directory (under the unwritable home)
      moodleops.auth.moodle_auth_plugin:
        name: email
        state: enabled
      register: http_first

    - name: A second task reuses the session kept in the fallback directory
      moodleops.auth.moodle_external_service:
        name: Unprivileged service
        shortname: unpriv_service
        functions: [core_webservice_get_site_info]
      register: http_second

    - name: A token, its value kept in the fallback token store
      moodleops.auth.moodle_token:
        user: admin
        service: unpriv_service
      register: token_run
      no_log: true

    - name: The same token again
      moodleops.auth.moodle_token:
        user: admin
        service: unpriv_service
      register: token_again
      no_log: true

    - name: An explicit state_dir the user may write
      moodleops.auth.moodle_auth_plugin:
        name: email
        state: enabled
        state_dir: "{own_state}"
      register: explicit

    - name: A token store that cannot be written
      moodleops.auth.moodle_token:
        user: admin
        service: unpriv_service
        state: rotated
        token_store: "{home}/nowhere/tokens.json"
      register: bad_store
      ignore_errors: true

    - name: What happened
      ansible.builtin.assert:
        that:
          - cli_run is changed
          - cli_run.debug.transport == 'cli'
          - cli_run.warnings | default([]) | select('search', 'state directory') | list | length == 0
          - http_first.warnings | default([]) | select('search', 'cannot be created') | list | length == 1
          - http_second is changed
          - token_run is changed and token_again is not changed
          - explicit.warnings | default([]) | select('search', 'state directory') | list | length == 0
          - bad_store is failed
          - "'{home}/nowhere/tokens.json' in bad_store.msg"
          - "'token_store' in bad_store.msg"
          - "'Moodle answered' not in bad_store.msg"
          - bad_store.debug.http_writes == 0
"""


def unprivileged_user():
    """A user whose home it cannot write (created by nobody here: the system's web server user, or nobody)."""
    for name in CANDIDATE_USERS:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        probe = subprocess.run(["su", "-s", "/bin/sh", name, "-c", 'mkdir -p "$HOME/.ansible" 2>/dev/null'],
                               check=False)
        if probe.returncode != 0:
            return entry
    return None


def system_python():
    """A Python of the tests' minor version outside /root (the unprivileged user must be able to run it)."""
    wanted = "python%d.%d" % sys.version_info[:2]
    for directory in ("/usr/bin", "/usr/local/bin"):
        candidate = os.path.join(directory, wanted)
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def require(condition, reason):
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI must run this test)")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def sim():
    with Simulator(state="fresh", moodle=MOODLE_VERSIONS[0]) as simulator:
        yield simulator


@pytest.mark.once       # the unprivileged user runs the system Python of the tests' minor version: 3.11, the first line's
def test_modules_run_as_an_unprivileged_user_with_an_unwritable_home(sim):
    require(os.geteuid() == 0, "becoming another user without a password needs root")
    user = unprivileged_user()
    require(user is not None, "no user whose home is not writable among %s" % ", ".join(CANDIDATE_USERS))
    python = system_python()
    require(python is not None, "no system python%d.%d for the unprivileged user" % sys.version_info[:2])

    base = tempfile.mkdtemp(prefix="moodleops-unpriv-")
    try:
        os.chmod(base, 0o755)
        tmpdir = os.path.join(base, "tmp")          # the user's system temporary directory (TMPDIR)
        own_state = os.path.join(base, "own-state")
        for path, mode in ((tmpdir, 0o1777), (own_state, 0o700)):
            os.mkdir(path)
            os.chmod(path, mode)
        os.chown(own_state, user.pw_uid, user.pw_gid)
        moodle_root = sim.make_moodle_root(os.path.join(base, "moodle"))
        for directory, _dirs, names in os.walk(moodle_root):
            os.chmod(directory, 0o755)
            for name in names:
                os.chmod(os.path.join(directory, name), 0o644)
        playbook = os.path.join(base, "play.yml")
        with open(playbook, "w") as handle:
            handle.write(PLAY.format(
                user=user.pw_name, home=user.pw_dir, url=sim.url, moodle_root=moodle_root, tmpdir=tmpdir,
                own_state=own_state, php=os.path.join(REPO_ROOT, "tests", "moodle_sim", "bin", "php"),
                pythonpath=sysconfig.get_paths()["purelib"]))
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collection_root(), ANSIBLE_LOCALHOST_WARNING="false",
                   ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_NOCOLOR="1",
                   ANSIBLE_LOCAL_TEMP=os.path.join(base, "controller-tmp"))
        for name in ("MOODLEOPS_SESSION_DIR", "MOODLEOPS_LOCK_DIR", "MOODLEOPS_STATE_DIR"):
            env.pop(name, None)     # the conftest's per-test directories: this test is about the defaults
        run = subprocess.run(
            [ansible_playbook(), "-vvv", "-i", "localhost,", playbook, "-e", "ansible_python_interpreter=%s" % python,
             "-e", "admin_password=%s" % ADMIN_PASSWORD],
            env=env, cwd=base, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
            timeout=600, check=False)
        with open(os.path.join(os.environ.get("UNPRIV_KEEP", base), "output.txt"), "w") as handle:
            handle.write(run.stdout)
        assert run.returncode == 0, run.stdout[-6000:]
        assert "Traceback" not in run.stdout

        fallback = os.path.join(tmpdir, "moodleops.auth-%d" % user.pw_uid)
        info = os.stat(fallback)
        assert (info.st_uid, info.st_mode & 0o777) == (user.pw_uid, 0o700)
        assert sorted(os.listdir(fallback)) == ["locks", "sessions", "tokens.json", "tokens.json.lock"]
        assert os.stat(os.path.join(fallback, "tokens.json")).st_mode & 0o777 == 0o600
        assert os.listdir(os.path.join(own_state, "sessions"))      # the explicit state_dir was used
        assert not os.path.exists(os.path.join(moodle_root, ".ansible"))

        logins = [record for record in sim.requests if record.method == "POST" and record.path == "/login/index.php"]
        assert len(logins) == 2, "one login in the fallback directory, one in the explicit state_dir"

        leaks = audit("unprivileged user", [run.stdout], files_under(base),
                      dict(sim_secrets(sim.url), **{ADMIN_PASSWORD: "password"}))
        assert leaks == []
    finally:
        shutil.rmtree(base, ignore_errors=True)
