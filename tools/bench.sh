#!/usr/bin/env bash
# The benchmarks of docs/performance.md, against the simulator, with ansible-core 2.16 (the venv of tools/test.sh):
#   bench/site_rerun.py      re-run of the example site description: wall time, requests per section and object
#   bench/login_per_play.py  logins and wall time of a 20-task admin play, session cache off and on
#   bench/apilogin_bulk.py   moodle_apilogin_user bulk creation (parallel) vs a one-connection loop, unchanged re-run
#                            of 1,000 and 10,000 users, the uri-loop baseline
#   bench/users_file.py      moodle_apilogin_user users_file: 10,000-user create and unchanged re-run per ansible-core
#                            line (2.16, 2.19, 2.21), 10k/30k/100k scale with peak memory, rate vs a keep-alive loop
#   bench/many_sites.py      playbooks/provision_sites.yml on 20 simulated sites: wall time with forks 1, 5 and 20
#                            (first apply and re-run), logins and requests per site, with 150 ms of server time per
#                            request (--full: also the simulator as it is, 3 rounds)
# Each prints markdown tables. About 20 minutes; --full adds apilogin_bulk's 10,000-user creations (~12 more) and
# users_file's 5 rounds and 100,000 users (~8 more).
# Not part of the test command: figures, not pass/fail.
set -eu
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
FULL=()
[ "${1:-}" = "--full" ] && FULL=(--full)
tools/test.sh --stages pytest --cores 2.16 --setup-only >/dev/null
PY="$ROOT/.venv-core216/bin/python"
export PATH="$ROOT/.venv-core216/bin:$PATH"
echo "Machine: $(uname -sr), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ //'), $(date -u +%Y-%m-%d)"
echo
"$PY" bench/site_rerun.py --moodle 4.5,5.1 --rounds 3
"$PY" bench/login_per_play.py 3
"$PY" bench/apilogin_bulk.py ${FULL[@]+"${FULL[@]}"}
if [ ${#FULL[@]} -gt 0 ]; then "$PY" bench/users_file.py; else "$PY" bench/users_file.py --quick; fi
"$PY" bench/many_sites.py 1 20 150
if [ ${#FULL[@]} -gt 0 ]; then "$PY" bench/many_sites.py 3 20 0; fi
