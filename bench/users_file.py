"""moodle_apilogin_user with users_file against the simulator: prints markdown tables. Not part of the test command.

1. Per ansible-core line (2.16, 2.19, 2.21: the venvs .venv-core216/219/221): creating 10,000 users from a CSV
   through ansible-playbook, and the unchanged re-run's wall time, ansible-playbook included (median of --rounds);
   an empty play of the same venv for comparison. Target: re-run <= 1.5 s.
2. Scale: 10,000, 30,000 and 100,000 users, each on a fresh simulator process: creation time and rate, unchanged
   re-run time, peak memory (ru_maxrss) of the module process and peak memory (VmHWM) of the simulator.
3. Creation rate against a bare one-connection keep-alive loop posting signed createUser bodies to the same
   simulator (as bench/apilogin_bulk.py), without the server-time model and with it (2 workers x 20 ms).

Run: .venv-core216/bin/python bench/users_file.py [--rounds 5] [--sizes 10000,30000,100000] [--quick]
(about 10 minutes on 2 cores; --quick: 1 round, sizes 10,000 and 30,000, 500 users with the server model)."""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import shutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "tests"), ROOT, os.path.join(ROOT, "bench")]
from collection_paths import collection_root, make_importable  # noqa: E402

make_importable()

from apilogin_bulk import KEY, MODEL, SimProcess, bare_loop, people  # noqa: E402

CPU = []         # CPU seconds of each ansible-playbook run, in order
CORES = (("2.16", ".venv-core216"), ("2.19", ".venv-core219"), ("2.21", ".venv-core221"))
COLUMNS = ("username", "firstname", "lastname", "email", "idnumber")

PLAY = """- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: The users of the file
      moodleops.auth.moodle_apilogin_user:
        url: "{{ sim_url }}"
        secret: "%s"
        users_file: "{{ users_csv }}"
      register: run
      failed_when: >-
        run.failed | default(false) or run.summary[expect] != count | int
        or run.debug.http_writes != (count | int if expect == 'created' else 0)
""" % KEY

EMPTY_PLAY = """- hosts: localhost
  connection: local
  gather_facts: false
  tasks: []
"""


def write_csv(path, count, prefix="bulk"):
    """A CSV in Moodle's Upload users format, semicolon-delimited, with a BOM (as a spreadsheet saves it)."""
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        handle.write(";".join(COLUMNS) + "\r\n")
        for user in people(count, prefix):
            handle.write(";".join(user[column] for column in COLUMNS) + "\r\n")
    return path


def ansible_env():
    return dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collection_root(), ANSIBLE_LOCALHOST_WARNING="false",
                ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_NOCOLOR="1", ANSIBLE_PYTHON_INTERPRETER="auto_silent")


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def playbook(venv, workdir, text, extra):
    """Wall seconds of ansible-playbook (of ``venv``) running ``text``; CPU seconds (its own and its children's, the
    module's among them: less sensitive to a busy machine than wall time) in CPU[-1]."""
    path = os.path.join(workdir, "play.yml")
    with open(path, "w") as handle:
        handle.write(text)
    command = [os.path.join(ROOT, venv, "bin", "ansible-playbook"), path, "-i", "localhost,",
               "-e", "ansible_python_interpreter=%s" % os.path.join(ROOT, venv, "bin", "python")] + extra
    cpu = children_cpu()
    started = time.perf_counter()
    done = subprocess.run(command, env=ansible_env(), capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    CPU.append(children_cpu() - cpu)
    if done.returncode:
        raise RuntimeError("ansible-playbook failed:\n%s%s" % (done.stdout[-3000:], done.stderr[-2000:]))
    return elapsed


def file_play(venv, workdir, sim, csv_path, expect, count):
    return playbook(venv, workdir, PLAY, ["-e", "sim_url=%s users_csv=%s expect=%s count=%d" % (
        sim.url, csv_path, expect, count)])


# ---------------------------------------------------------------------------------------------- module child
def module_child(argsfile):
    """Run the module once in this process; print seconds, peak RSS and the summary as JSON."""
    import resource
    from module_harness import run_module
    with open(argsfile) as handle:
        args = json.load(handle)
    started = time.perf_counter()
    result = run_module("moodle_apilogin_user", args)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss     # KiB on Linux
    print(json.dumps({"seconds": elapsed, "maxrss_kib": peak, "summary": result.get("summary"),
                      "msg": result.get("msg")}))


def module_process(workdir, args):
    """The module in its own process (its peak memory is its own): {seconds, maxrss_kib, summary}."""
    argsfile = os.path.join(workdir, "args.json")
    with open(argsfile, "w") as handle:
        json.dump(args, handle)
    done = subprocess.run([sys.executable, os.path.abspath(__file__), "--module-child", argsfile],
                          capture_output=True, text=True, check=True)
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    if answer.get("msg"):
        raise RuntimeError("module run failed: %s" % answer["msg"])
    return answer


def sim_peak_kib(sim):
    with open("/proc/%d/status" % sim.process.pid) as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


# ---------------------------------------------------------------------------------------------- report
def table(title, header, rows):
    print("\n### %s\n" % title)
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    sys.stdout.flush()


def load():
    return "load average %s" % " ".join("%.2f" % value for value in os.getloadavg())


def core_lines(workdir, rounds, lines):
    rows = []
    csv_path = write_csv(os.path.join(workdir, "users10k.csv"), 10000)
    for label, venv in CORES:
        if label not in lines:
            continue
        if not os.path.exists(os.path.join(ROOT, venv, "bin", "ansible-playbook")):
            rows.append((label, "venv %s missing" % venv, "", "", "", "", "", ""))
            continue
        sim = SimProcess()
        try:
            sim.reset(False)
            created = file_play(venv, workdir, sim, csv_path, "created", 10000)
            reruns, rerun_cpu = [], []
            for dummy in range(rounds):
                reruns.append(file_play(venv, workdir, sim, csv_path, "unchanged", 10000))
                rerun_cpu.append(CPU[-1])
            empty, empty_cpu = [], []
            for dummy in range(rounds):
                empty.append(playbook(venv, workdir, EMPTY_PLAY, []))
                empty_cpu.append(CPU[-1])
        finally:
            sim.stop()
        rerun = statistics.median(reruns)
        rows.append((label, "%.2f" % created, "**%.2f**" % rerun, "%.2f-%.2f" % (min(reruns), max(reruns)),
                     "%.2f" % statistics.median(empty), "%.2f" % (rerun - statistics.median(empty)),
                     "%.2f" % statistics.median(rerun_cpu), "%.2f" % statistics.median(empty_cpu)))
    table("10,000 users from a CSV through ansible-playbook (wall seconds; re-run and empty play: median of %d; %s)"
          % (rounds, load()),
          ["ansible-core", "create", "unchanged re-run", "re-run range", "empty play", "re-run - empty play",
           "re-run CPU", "empty play CPU"], rows)


def scale(workdir, sizes):
    rows = []
    for size in sizes:
        sim = SimProcess()
        try:
            sim.reset(False)
            csv_path = write_csv(os.path.join(workdir, "users%d.csv" % size), size)
            args = {"url": sim.url, "secret": KEY, "users_file": csv_path}
            created = module_process(workdir, args)
            assert created["summary"]["created"] == size, created
            again = module_process(workdir, args)
            assert again["summary"]["unchanged"] == size, again
            peak = sim_peak_kib(sim)
        finally:
            sim.stop()
        rows.append((format(size, ","), "%.1f" % created["seconds"], "%.0f" % (size / created["seconds"]),
                     "%.2f" % again["seconds"], "%.0f" % (created["maxrss_kib"] / 1024.0),
                     "%.0f" % (again["maxrss_kib"] / 1024.0), "%.0f" % (peak / 1024.0)))
    table("Scale: the module in its own process, fresh simulator per size, no server-time model (%s)" % load(),
          ["users", "create s", "users/s", "unchanged re-run s", "module peak MiB (create)",
           "module peak MiB (re-run)", "simulator peak MiB"], rows)


def against_loop(workdir, count, model):
    sim = SimProcess()
    try:
        sim.reset(model)
        loop = count / bare_loop(sim, people(count, "loop"))
        sim.reset(model)
        csv_path = write_csv(os.path.join(workdir, "rate.csv"), count)
        run = module_process(workdir, {"url": sim.url, "secret": KEY, "users_file": csv_path})
        rate = count / run["seconds"]
    finally:
        sim.stop()
    server = "server-time model %(workers)d x %(service_ms)d ms" % MODEL if model else "no server-time model"
    table("Creation of %s users from a file vs a bare one-connection keep-alive loop (%s; %s)"
          % (format(count, ","), server, load()),
          ["", "users/s", "x bare loop"],
          [("bare keep-alive loop, 1 connection", "%.1f" % loop, "1.00"),
           ("module, users_file, parallel: 4 (default)", "%.1f" % rate, "%.2f" % (rate / loop))])


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--module-child":
        module_child(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sizes", default="10000,30000,100000")
    parser.add_argument("--model-users", type=int, default=2000, help="users created with the server-time model")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=("cores", "scale", "rate"), action="append")
    parser.add_argument("--cores", default=",".join(label for label, venv in CORES), help="ansible-core lines")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.sizes, args.model_users = 1, "10000,30000", 500
    only = args.only or ("cores", "scale", "rate")
    workdir = tempfile.mkdtemp(prefix="users-file-bench-")
    try:
        print("## moodle_apilogin_user users_file (%s, %d cores, %s)" % (
            time.strftime("%Y-%m-%d %H:%M"), os.cpu_count(), load()))
        if "cores" in only:
            core_lines(workdir, args.rounds, args.cores.split(","))
        if "scale" in only:
            scale(workdir, [int(size) for size in args.sizes.split(",")])
        if "rate" in only:
            against_loop(workdir, 10000, False)
            against_loop(workdir, args.model_users, True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
