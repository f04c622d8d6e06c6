#!/usr/bin/env bash
# The benchmarks of docs/performance.md, against the simulator, with ansible-core 2.16 (the venv of tools/test.sh):
#   bench/site_rerun.py      re-run of the example site description: wall time, requests per section and object
#   bench/login_per_play.py  logins and wall time of a 20-task admin play, session cache off and on
#   bench/apilogin_bulk.py   moodle_apilogin_user bulk creation (parallel) vs a one-connection loop, unchanged re-run
#                            of 1,000 and 10,000 users, the uri-loop baseline
# Each prints markdown tables. About 10 minutes; --full adds apilogin_bulk's 10,000-user creations (~12 more).
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
