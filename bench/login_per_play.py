"""Logins, HTTP requests and wall time of one 20-task admin play (moodle_info x10, moodle_role x5 and
moodle_external_service x5, all unchanged), with session_cache false and true, against one simulator (reset
between runs, each play starting without a cached session; the two settings alternate, so that the load of a
shared machine hits both alike). Prints a markdown table. Run with the venv's python:
.venv-core216/bin/python bench/login_per_play.py [rounds]"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "tests"), ROOT]
from collection_paths import collection_root  # noqa: E402
from tests.moodle_sim import Simulator  # noqa: E402

REAL_LOGIN_SECONDS = 0.260       # one admin login on a real Moodle (issue 10)
PLAY = """- hosts: localhost
  gather_facts: false
  module_defaults:
    group/moodleops.auth.moodle:
      url: "{{ lookup('env', 'MOODLE_URL') }}"
      username: admin
      password: "{{ lookup('env', 'MOODLE_PASSWORD') }}"
      session_cache: "{{ cache | bool }}"
  tasks:
"""
TASKS = ["moodleops.auth.moodle_info: {}"] * 10 + \
    ["moodleops.auth.moodle_role: {shortname: manager}"] * 5 + \
    ["moodleops.auth.moodle_external_service: {shortname: moodle_mobile_app}"] * 5


def write_play(directory):
    path = os.path.join(directory, "play.yml")
    with open(path, "w") as out:
        out.write(PLAY + "".join("    - name: task %d\n      %s\n" % (index + 1, task) for index, task in enumerate(TASKS)))
    return path


def reset(sim):
    request = urllib.request.Request(sim.url + "/__sim__/reset", data=json.dumps({"state": "configured"}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    urllib.request.urlopen(request).read()


def run_play(sim, play, cache, workdir):
    reset(sim)
    sessions = os.path.join(workdir, "sessions")
    shutil.rmtree(sessions, ignore_errors=True)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collection_root(), ANSIBLE_LOCALHOST_WARNING="false",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_NOCOLOR="1", MOODLE_URL=sim.url,
               MOODLE_PASSWORD="Admin#12345", MOODLEOPS_SESSION_DIR=sessions,
               ANSIBLE_LOCAL_TEMP=os.path.join(workdir, "tmp"))
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    command = [playbook, "-i", "localhost,", "-c", "local", play, "-e", "cache=%s" % cache,
               "-e", "ansible_python_interpreter=%s" % sys.executable]
    started = time.perf_counter()
    run = subprocess.run(command, env=env, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, check=False)
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        sys.exit("ansible-playbook failed (session_cache %s):\n%s" % (cache, run.stdout[-3000:]))
    seen = sim.requests
    logins = len([r for r in seen if r.method == "POST" and r.path == "/login/index.php"])
    return logins, len(seen), seconds


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    runs = {"false": [], "true": []}
    with Simulator(state="configured") as sim, tempfile.TemporaryDirectory() as workdir:
        play = write_play(workdir)
        for _round in range(rounds):
            for cache in ("false", "true"):
                runs[cache].append(run_play(sim, play, cache, workdir))
    rows = []
    for cache in ("false", "true"):
        logins, requests = runs[cache][0][0], runs[cache][0][1]
        seconds = sorted(run[2] for run in runs[cache])[rounds // 2]
        rows.append((cache, logins, requests, seconds))
    what = "moodle_info x10, moodle_role x5, moodle_external_service x5, all unchanged"
    print("%d-task play (%s), median of %d run(s) each:\n" % (len(TASKS), what, rounds))
    print("| session_cache | logins (POST login/index.php) | HTTP requests | wall time, simulator (measured) "
          "| login time on real Moodle (estimate: logins x 260 ms) |")
    print("|---|---|---|---|---|")
    for cache, logins, requests, seconds in rows:
        print("| %s | %d | %d | %.1f s | %.2f s |" % (cache, logins, requests, seconds, logins * REAL_LOGIN_SECONDS))
    saved = (rows[0][1] - rows[1][1]) * REAL_LOGIN_SECONDS
    print("\nEstimate for a real Moodle (not measured): %d fewer logins save about %.1f s of this play's wall time; "
          "the simulator logs in in a few ms, so its wall time shows mostly ansible-playbook's own per-task cost."
          % (rows[0][1] - rows[1][1], saved))


if __name__ == "__main__":
    main()
