"""Wall time of one job over 20 Moodle sites (playbooks/provision_sites.yml, one inventory host per site) with forks
1, 5 and 20: the first apply on fresh sites and the unchanged re-run, with logins and HTTP requests per site. Each
site is its own simulator (alternately 4.5 and 5.1) with a small description (web services, a service account, a
role, a service, a token); every apply starts on fresh sites and an empty state directory, the re-run keeps it (as a
controller, or AWX with the state directory on a volume). The forks settings take turns within a round, so that the
load of a shared machine hits all alike; the figures are medians over the rounds. Prints a markdown table, the
machine and its load. Figures, not pass/fail (docs/performance.md, "Many sites from one job").

    .venv-core216/bin/python bench/many_sites.py [rounds] [sites] [server_ms]

server_ms (default 0: off) gives every request that much server time (the simulator's server-time model, 4 PHP
workers per site): the simulator answers in well under a millisecond, where a real Moodle takes 0.1-0.3 s per admin
page, which is what forks overlap."""

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "tests"), ROOT]
from collection_paths import collection_root  # noqa: E402
from tests.moodle_sim import Simulator  # noqa: E402

FORKS = (1, 5, 20)
ADMIN_PASSWORD = "Admin#12345"      # the simulator's
PLAYBOOK = os.path.join(ROOT, "playbooks", "provision_sites.yml")


def description(number):
    return {"moodle_site": {
        "webservices": {"enabled": True, "protocols": ["rest"]},
        "users": [{"username": "ci_bot", "auth": "webservice", "firstname": "CI", "lastname": "Bot %02d" % number,
                   "email": "ci-bot@site%02d.example.edu" % number}],
        "roles": [{"shortname": "ws_ci", "name": "CI web services", "context_levels": ["system"],
                   "capabilities": {"webservice/rest:use": "allow"}, "users": ["ci_bot"]}],
        "services": [{"name": "CI site %02d" % number, "shortname": "ci_%02d" % number,
                      "functions": ["core_webservice_get_site_info"], "restricted_users": True,
                      "authorised_users": ["ci_bot"]}],
        "tokens": [{"user": "ci_bot", "service": "ci_%02d" % number}],
    }}


def write_inventory(workdir, sims):
    hosts = {}
    for number, sim in enumerate(sims):
        name = "site%02d" % number
        with open(os.path.join(workdir, name + ".yml"), "w") as out:
            json.dump(description(number), out)
        hosts[name] = {"moodle_url": sim.url, "moodle_site_file": name + ".yml"}
    path = os.path.join(workdir, "sites.json")
    with open(path, "w") as out:
        json.dump({"moodle_sites": {"vars": {"moodle_username": "admin", "moodle_password": ADMIN_PASSWORD},
                                    "hosts": hosts}}, out)
    return path


def control(sim, path, body):
    request = urllib.request.Request(sim.url + "/__sim__/" + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    urllib.request.urlopen(request).read()


def reset(sim):
    request = urllib.request.Request(sim.url + "/__sim__/reset", data=json.dumps({"state": "fresh"}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    urllib.request.urlopen(request).read()


def run(inventory, forks, workdir, sims):
    """One ansible-playbook over every site: (wall seconds, CPU seconds of the job, [logins per site],
    [requests per site], changed hosts)."""
    for sim in sims:
        sim.clear_log()
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collection_root(), ANSIBLE_NOCOLOR="1", ANSIBLE_PIPELINING="1",
               ANSIBLE_LOCAL_TEMP=os.path.join(workdir, "tmp"), MOODLEOPS_STATE_DIR=os.path.join(workdir, "state"),
               PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    for name in ("MOODLEOPS_SESSION_DIR", "MOODLEOPS_LOCK_DIR"):
        env.pop(name, None)
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory, "-f", str(forks),
               PLAYBOOK]
    before = os.times()
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    seconds = time.perf_counter() - started
    after = os.times()
    if done.returncode != 0:
        sys.exit("ansible-playbook -f %d failed:\n%s" % (forks, done.stdout[-4000:]))
    cpu = (after.children_user + after.children_system) - (before.children_user + before.children_system)
    seen = [sim.requests for sim in sims]
    logins = [len([r for r in records if r.method == "POST" and r.path == "/login/index.php"]) for records in seen]
    changed = len([line for line in done.stdout.splitlines() if line.startswith("site") and "changed=0" not in line
                   and " : ok=" in line])
    return seconds, cpu, logins, [len(records) for records in seen], changed


def load():
    return "%.2f %.2f %.2f" % os.getloadavg()


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    results = dict((forks, {"apply": [], "rerun": []}) for forks in FORKS)
    loads = [load()]
    server_ms = float(sys.argv[3]) if len(sys.argv) > 3 else 0
    sims = [Simulator(state="fresh", moodle=("4.5", "5.1")[number % 2]).start() for number in range(count)]
    for sim in sims:
        control(sim, "capacity", {"workers": 4 if server_ms else 0, "service_ms": server_ms})
    workdir = tempfile.mkdtemp(prefix="bench-many-sites-")
    try:
        inventory = write_inventory(workdir, sims)
        for round_number in range(rounds):
            order = FORKS[round_number % len(FORKS):] + FORKS[:round_number % len(FORKS)]
            for forks in order:
                for sim in sims:
                    reset(sim)
                shutil.rmtree(os.path.join(workdir, "state"), ignore_errors=True)
                results[forks]["apply"].append(run(inventory, forks, workdir, sims))
                results[forks]["rerun"].append(run(inventory, forks, workdir, sims))
                loads.append(load())
                print("round %d, forks %2d: apply %.1fs, re-run %.1fs (load %s)" % (
                    round_number + 1, forks, results[forks]["apply"][-1][0], results[forks]["rerun"][-1][0],
                    loads[-1]), file=sys.stderr)
    finally:
        with ThreadPoolExecutor(max_workers=len(sims)) as pool:
            list(pool.map(lambda sim: sim.stop(), sims))
        shutil.rmtree(workdir, ignore_errors=True)

    import ansible
    print("\n%d sites, playbooks/provision_sites.yml, %d round(s), medians, server time per request %s; %s, %d CPUs, "
          "Python %s, ansible-core %s; load average (1/5/15 min) before %s, after each forks setting: %s\n" % (
              count, rounds, "%g ms (4 workers per site)" % server_ms if server_ms else "none (the simulator's)",
              platform.processor() or platform.machine(), os.cpu_count(), platform.python_version(),
              ansible.__version__, loads[0], "; ".join(loads[1:])))
    print("| forks | run | wall (s) | CPU of the job (s) | logins per site | requests per site | hosts changed |")
    print("|---|---|---|---|---|---|---|")
    for forks in FORKS:
        for kind in ("apply", "rerun"):
            runs = results[forks][kind]
            logins = sorted(set(n for one in runs for n in one[2]))
            requests = [n for one in runs for n in one[3]]
            print("| %d | %s | %.1f | %.1f | %s | %d (%d-%d) | %d of %d |" % (
                forks, "first apply" if kind == "apply" else "re-run", statistics.median(r[0] for r in runs),
                statistics.median(r[1] for r in runs), "/".join(str(n) for n in logins),
                statistics.median(requests), min(requests), max(requests),
                statistics.median(r[4] for r in runs), count))


if __name__ == "__main__":
    main()
