"""moodle_apilogin_user in bulk against the simulator: creation rate with parallel=1, the default and more, against a
bare one-connection keep-alive loop measured in the same run; the unchanged re-run through ansible-playbook; and
the ansible `uri` loop baseline. Prints markdown tables. Not part of the test command.

The simulator runs in its own process. With the server-time model (POST /__sim__/capacity: 2 workers, 20 ms per
request, ~ a 2-core PHP-FPM Moodle 4.5.6 doing 43.6 calls/s on one connection) the figures say what parallelism
gains against a server with a real cost per request; without it, what the client side costs.

Run: .venv-core216/bin/python bench/apilogin_bulk.py [--full] [--sweep] [--uri-users 200]
(about 3 minutes; --full adds the 10,000-user creations, about 12 minutes more)."""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "tests"), ROOT]
from collection_paths import collection_root, make_importable  # noqa: E402

make_importable()

import requests  # noqa: E402

from ansible_collections.moodleops.auth.plugins.module_utils.moodle.apilogin import signed_body  # noqa: E402
from ansible_collections.moodleops.auth.plugins.module_utils.resources.apilogin import PARALLEL_DEFAULT  # noqa: E402
from module_harness import run_module  # noqa: E402

KEY = "lab-apilogin-secret-0123456789"
SERVICES = "/auth/apilogin/services.php"
MODEL = {"workers": 2, "service_ms": 20}


# ---------------------------------------------------------------------------------------------- the simulator
class SimProcess:
    """python -m tests.moodle_sim in its own process (its threads then do not share our GIL)."""

    def __init__(self):
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.url = "http://127.0.0.1:%d" % self.port
        self.process = subprocess.Popen([sys.executable, "-m", "tests.moodle_sim", "--port", str(self.port)],
                                        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for dummy in range(100):
            try:
                requests.get(self.url + "/__sim__/log", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("the simulator did not start")

    def control(self, path, body):
        answer = requests.post(self.url + "/__sim__/" + path, json=body, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def reset(self, model):
        """A fresh site with auth_apilogin configured, the server-time model on or off."""
        self.control("reset", {"state": "fresh"})
        for name, value in (("apikey", KEY), ("allowipaddr", "127.0.0.1")):
            self.control("cfg", {"component": "auth_apilogin", "name": name, "set": value})
        self.control("capacity", MODEL if model else {"workers": 0})

    def stop(self):
        self.process.terminate()
        self.process.wait()


def people(count, prefix):
    return [{"username": "%s%05d" % (prefix, i), "firstname": "Bulk", "lastname": "User %d" % i,
             "email": "%s%05d@example.com" % (prefix, i), "idnumber": "%s-%d" % (prefix, i)} for i in range(count)]


# ---------------------------------------------------------------------------------------------- creation
def bare_loop(sim, users):
    """The floor for one connection: a keep-alive requests.Session posting signed createUser bodies, nothing else."""
    session = requests.Session()
    started = time.perf_counter()
    for user in users:
        now = str(int(time.time()))
        userdata = dict({"auth": "manual", "confirmed": "1", "mnethostid": "1", "timecreated": now,
                         "timemodified": now}, **user)
        answer = session.post(sim.url + SERVICES, data=signed_body("createUser", {"userdata": userdata}, KEY))
        if not answer.json().get("success"):
            raise RuntimeError("createUser failed: %s" % answer.text)
    elapsed = time.perf_counter() - started
    session.close()
    return elapsed


def module_run(sim, users, parallel):
    started = time.perf_counter()
    result = run_module("moodle_apilogin_user", {"url": sim.url, "secret": KEY, "users": users, "parallel": parallel})
    elapsed = time.perf_counter() - started
    if result.get("failed") or result["summary"]["created"] != len(users):
        raise RuntimeError("module run failed: %s" % result.get("msg"))
    return elapsed


def creation_rows(sim, count, model, parallels):
    """(label, users/s) rows, each on a fresh site; the bare loop first."""
    sim.reset(model)
    loop = count / bare_loop(sim, people(count, "loop"))
    rows = [("bare keep-alive loop (1 connection)", loop, 1.0)]
    for parallel in parallels:
        sim.reset(model)
        rate = count / module_run(sim, people(count, "bulk"), parallel)
        rows.append(("module parallel=%d" % parallel, rate, rate / loop))
    return rows


# ---------------------------------------------------------------------------------------------- ansible-playbook
def ansible_playbook():
    local = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    return local if os.path.exists(local) else shutil.which("ansible-playbook")


def run_playbook(workdir, playbook, extra):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collection_root(), ANSIBLE_LOCALHOST_WARNING="false",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_NOCOLOR="1")
    path = os.path.join(workdir, "play.yml")
    with open(path, "w") as handle:
        handle.write(playbook)
    started = time.perf_counter()
    done = subprocess.run([ansible_playbook(), path] + extra, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError("ansible-playbook failed:\n%s%s" % (done.stdout[-3000:], done.stderr[-2000:]))
    return elapsed, done.stdout


UNCHANGED_PLAY = """- hosts: localhost
  gather_facts: false
  tasks:
    - name: The same users again
      moodleops.auth.moodle_apilogin_user:
        url: "{{ sim_url }}"
        secret: "%s"
        users: "{{ bulk_users }}"
      register: again
    - name: Nothing changed, one read
      ansible.builtin.assert:
        that:
          - again is not changed
          - again.summary.unchanged == bulk_users | length
          - again.debug.http_requests == 1
          - again.results == []
""" % KEY


def unchanged_rerun(sim, workdir, count):
    """Create ``count`` users with the module, then time ansible-playbook re-running them unchanged."""
    users = people(count, "bulk")
    module_run(sim, users, PARALLEL_DEFAULT)
    varsfile = os.path.join(workdir, "users.json")
    with open(varsfile, "w") as handle:
        json.dump({"bulk_users": users, "sim_url": sim.url}, handle)
    elapsed, dummy = run_playbook(workdir, UNCHANGED_PLAY, ["-e", "@" + varsfile])
    return elapsed


URI_PLAY = """- hosts: localhost
  gather_facts: false
  tasks:
    - name: One time for every signature (it covers method, time and the literal Array of userdata)
      ansible.builtin.set_fact:
        stamp: "{{ now(utc=true).strftime('%%s') }}"
    - name: One uri call per user
      ansible.builtin.uri:
        url: "{{ sim_url }}/auth/apilogin/services.php"
        method: POST
        body_format: form-urlencoded
        body: "{{ signed | combine(userdata) }}"
      vars:
        signed: {method: createUser, time: "{{ stamp }}",
                 signature: "{{ ('%s' ~ 'methodcreateUsertime' ~ stamp ~ 'userdataArray') | hash('sha256') }}"}
        userdata: "{{ dict(item.keys() | map('regex_replace', '^', 'userdata[') | map('regex_replace', '$', ']') | zip(item.values())) }}"
      loop: "{{ bulk_users }}"
      register: created
      failed_when: not created.json.success
""" % KEY


def uri_loop(sim, workdir, count):
    users = people(count, "uri")
    varsfile = os.path.join(workdir, "uri.json")
    with open(varsfile, "w") as handle:
        json.dump({"bulk_users": users, "sim_url": sim.url}, handle)
    elapsed, dummy = run_playbook(workdir, URI_PLAY, ["-e", "@" + varsfile])
    return elapsed


# ---------------------------------------------------------------------------------------------- report
def table(title, header, rows):
    print("\n### %s\n" % title)
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    sys.stdout.flush()


def creation_table(sim, count, model, parallels):
    rows = creation_rows(sim, count, model, parallels)
    server = "server-time model %(workers)d workers x %(service_ms)d ms" % MODEL if model else \
        "no server-time model (client cost only)"
    table("Creation of %s users, %s" % (format(count, ","), server),
          ["", "users/s", "x bare loop"], [(label, "%.1f" % rate, "%.2f" % ratio) for label, rate, ratio in rows])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--full", action="store_true",
                        help="also create 10,000 users (with the model: +10 min; without: +2 min)")
    parser.add_argument("--sweep", action="store_true", help="parallel 1, 2, 3, 4, 6, 8 with the model (400 users)")
    parser.add_argument("--uri-users", type=int, default=200, help="users of the uri loop baseline (0: skip)")
    args = parser.parse_args()
    default = PARALLEL_DEFAULT
    parallels = [1, default] if default != 1 else [1]
    sim = SimProcess()
    workdir = tempfile.mkdtemp(prefix="apilogin-bench-")
    try:
        print("## moodle_apilogin_user bulk (simulator in its own process, %s)" % time.strftime("%Y-%m-%d %H:%M"))
        if args.sweep:
            creation_table(sim, 400, True, [1, 2, 3, 4, 6, 8])
        counts = (1000, 10000) if args.full else (1000,)
        for model in (True, False):
            for count in counts:
                creation_table(sim, count, model, parallels)
        rows = []
        for count in (1000, 10000):
            sim.reset(False)
            rows.append((format(count, ","), "%.2f" % unchanged_rerun(sim, workdir, count)))
        table("Unchanged re-run through ansible-playbook (wall, startup and templating included; %s)"
              % os.path.basename(os.path.dirname(os.path.dirname(ansible_playbook()))),
              ["users", "seconds"], rows)
        if args.uri_users:
            sim.reset(True)
            seconds = uri_loop(sim, workdir, args.uri_users)
            rate = args.uri_users / seconds
            table("Baseline: ansible uri loop, %d users measured with the model, 1,000 and 10,000 extrapolated "
                  "linearly" % args.uri_users, ["users", "seconds", "users/s", "measured?"],
                  [(format(args.uri_users, ","), "%.1f" % seconds, "%.1f" % rate, "measured"),
                   ("1,000", "%.0f" % (1000 / rate), "%.1f" % rate, "extrapolated"),
                   ("10,000", "%.0f" % (10000 / rate), "%.1f" % rate, "extrapolated")])
    finally:
        sim.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
