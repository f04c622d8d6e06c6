"""Re-applying the example site description (playbooks/examples/site.yml) to a site that already matches it: wall
time of the whole ansible-playbook run with the requests, logins and writes the simulator saw, and the requests per
section and object, as moodle_site counts them in one task. Prints markdown tables (one per emulated release).

Run: python bench/site_rerun.py [--moodle 4.5,5.1] [--rounds 3]
(uses the ansible-playbook next to the running python, e.g. .venv-core216/bin/python bench/site_rerun.py)"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "tests"), ROOT]
from collection_paths import collection_root  # noqa: E402
from tests.moodle_sim import Simulator  # noqa: E402

EXAMPLE = os.path.join(ROOT, "playbooks", "examples", "site.yml")
PLAYBOOK = os.path.join(ROOT, "playbooks", "provision_site.yml")
SECTIONS = ["webservices", "users", "roles", "services", "tokens", "auth_plugins", "oauth2_issuers", "apilogin",
            "lti_platforms", "mfa"]
APILOGIN_SECRET = "apilogin-test-secret"      # the example's vault_apilogin_secret default


def control(sim, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(sim.url + "/__sim__/" + path, data=data, method="POST" if data else "GET")
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def ansible_playbook():
    candidate = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    return candidate if os.path.exists(candidate) else "ansible-playbook"


def play(sim, home, *args):
    env = dict(os.environ, HOME=home, ANSIBLE_COLLECTIONS_PATH=collection_root(), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
               MOODLE_URL=sim.url, MOODLE_USERNAME="admin", MOODLE_PASSWORD="Admin#12345")
    command = [ansible_playbook(), "-i", "localhost,", PLAYBOOK, "-e", "@" + EXAMPLE,
               "-e", "ansible_python_interpreter=" + sys.executable] + list(args)
    started = time.perf_counter()
    run = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                         check=False)
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        sys.exit("ansible-playbook failed:\n" + run.stdout[-4000:])
    return seconds, run.stdout


def counts(sim):
    log = sim.requests
    logins = sum(1 for r in log if r.method == "POST" and r.path == "/login/index.php")
    writes = sum(1 for r in log if r.write)
    return {"requests": len(log), "logins": logins, "writes": writes, "reads": len(log) - writes}


BREAKDOWN = """
- name: The example applied by one moodle_site task, its requests per section shown
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Apply every section
      moodleops.auth.moodle_site:
        site: "{{ moodle_site }}"
      register: applied
      no_log: true
    - name: Requests per section
      ansible.builtin.copy:
        content: "{{ {'changed': applied.changed, 'requests': applied.requests} | to_json }}"
        dest: "{{ breakdown_file }}"
        mode: "0600"
"""


def breakdown(sim, home):
    """The re-run's requests per section, from moodle_site's own count (one task, as the roles run it)."""
    playbook = os.path.join(home, "breakdown.yml")
    out = os.path.join(home, "breakdown.json")
    with open(playbook, "w") as handle:
        handle.write(BREAKDOWN)
    env = dict(os.environ, HOME=home, ANSIBLE_COLLECTIONS_PATH=collection_root(), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
               MOODLE_URL=sim.url, MOODLE_USERNAME="admin", MOODLE_PASSWORD="Admin#12345")
    run = subprocess.run([ansible_playbook(), "-i", "localhost,", playbook, "-e", "@" + EXAMPLE, "-e",
                          "breakdown_file=" + out, "-e", "ansible_python_interpreter=" + sys.executable],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    if run.returncode != 0:
        sys.exit("the breakdown run failed:\n" + run.stdout[-4000:])
    with open(out) as handle:
        return json.load(handle)


def bench(version, rounds):
    with Simulator(state="fresh", moodle=version) as sim, tempfile.TemporaryDirectory() as home:
        control(sim, "cfg", {"component": "auth_apilogin", "name": "apikey", "set": APILOGIN_SECRET})
        control(sim, "cfg", {"component": "auth_apilogin", "name": "allowipaddr", "set": "127.0.0.1"})
        play(sim, home)                                   # the first apply: the site now matches the description
        walls = []
        for _round in range(rounds):
            sim.clear_log()
            seconds, output = play(sim, home)
            walls.append(seconds)
            total = counts(sim)
            if "changed=0" not in output.split("PLAY RECAP")[-1]:
                sys.exit("the re-run changed something:\n" + output[-3000:])
        sim.clear_log()
        split = breakdown(sim, home)
        if split["changed"]:
            sys.exit("the breakdown run changed something")
        logins = counts(sim)["logins"]
    return walls, total, split["requests"], logins


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--moodle", default="4.5,5.1")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print("Machine: %s, %d cores, Python %s; simulator (tests/moodle_sim)\n" % (
        platform.platform(), os.cpu_count(), platform.python_version()))
    for version in args.moodle.split(","):
        walls, total, split, logins = bench(version, args.rounds)
        print("### Re-run of playbooks/examples/site.yml, simulated Moodle %s\n" % version)
        print("Whole re-run (`ansible-playbook playbooks/provision_site.yml`, ansible-playbook included): median "
              "%.2f s of %d (min %.2f s); %d requests, %d logins, %d writes\n" % (
                  statistics.median(walls), len(walls), min(walls), total["requests"], total["logins"],
                  total["writes"]))
        print("Requests per section in one moodle_site task (the roles' way; %d login(s): the session cache's "
              "session, if still valid, is reused):\n" % logins)
        print("| section | objects | requests | requests per object | writes |")
        print("|---|---:|---:|---:|---:|")
        for section in SECTIONS + sorted(set(split) - set(SECTIONS)):   # a section added since: at the end
            row = split.get(section)
            if row:
                per_object = row["requests"] / float(row["objects"] or 1)
                print("| %s | %d | %d | %.2f | %d |" % (section, row["objects"], row["requests"], per_object,
                                                        row["writes"]))
        objects = sum(row["objects"] for row in split.values())
        requests = sum(row["requests"] for row in split.values())
        writes = sum(row["writes"] for row in split.values())
        print("| **all** | %d | %d | %.2f | %d |\n" % (objects, requests, requests / float(objects or 1), writes))


if __name__ == "__main__":
    main()
