#!/usr/bin/env bash
# The demo: set everything up, start the Moodle simulator (a fresh site), apply the example site description
# playbooks/examples/site.yml with playbooks/provision_site.yml twice, and show that the second run changes nothing.
# Against a real Moodle instead: MOODLE_URL=https://moodle.example.edu MOODLE_USERNAME=admin MOODLE_PASSWORD=... tools/demo.sh
# (the example's apilogin section then needs the site's auth_apilogin apikey set to its secret, see the example).
# The simulator emulates Moodle 4.5 unless MOODLE_SIM_VERSION=5.1. DEMO_DESCRIPTION=file applies another description.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
VENV="$ROOT/.venv-demo"
PYTHON="${PYTHON:-python3}"

LOCK="$ROOT/tools/requirements/locks/core216.txt"   # the versions tools/test.sh tests with
if [ ! -x "$VENV/bin/ansible-playbook" ] || ! "$VENV/bin/python" -c 'import jsonschema' 2>/dev/null \
        || [ "$(cat "$VENV/.lock" 2>/dev/null)" != "$(cksum < "$LOCK")" ]; then
    echo "== creating $VENV (ansible-core 2.16, requests, jsonschema; versions of $LOCK)"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -c "$LOCK" 'ansible-core>=2.16,<2.17' -r requirements.txt 2>&1 | grep -v '^WARNING: Location' || true
    cksum < "$LOCK" > "$VENV/.lock"
fi

COLLECTIONS="$ROOT/.ansible/collections"
mkdir -p "$COLLECTIONS/ansible_collections/moodleops"
ln -sfn "$ROOT" "$COLLECTIONS/ansible_collections/moodleops/auth"
export ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS" ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false

SIM_PID=""
cleanup() { if [ -n "$SIM_PID" ]; then kill "$SIM_PID" 2>/dev/null || true; fi; }
trap cleanup EXIT

if [ -z "${MOODLE_URL:-}" ]; then
    PORT="$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    echo "== starting the Moodle simulator (fresh Moodle ${MOODLE_SIM_VERSION:-4.5} site) on http://127.0.0.1:$PORT"
    "$VENV/bin/python" -m tests.moodle_sim --port "$PORT" --state fresh --moodle "${MOODLE_SIM_VERSION:-4.5}" > "$ROOT/.ansible/moodle_sim.log" 2>&1 &
    SIM_PID=$!
    for _ in $(seq 50); do
        if "$VENV/bin/python" -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1])" \
            "http://127.0.0.1:$PORT/login/index.php" 2>/dev/null; then break; fi
        sleep 0.1
    done
    export MOODLE_URL="http://127.0.0.1:$PORT" MOODLE_USERNAME=admin MOODLE_PASSWORD='Admin#12345'
    # a fresh site gets a fresh state directory: the demo's sessions and tokens never reach ~/.ansible/moodleops.auth
    export MOODLEOPS_STATE_DIR="$ROOT/.ansible/demo-state"
    rm -rf "$MOODLEOPS_STATE_DIR"
    # what an administrator does once on the Moodle host for auth_apilogin, which has no settings page:
    #   php admin/cli/cfg.php --component=auth_apilogin --name=apikey --set=<the description's apilogin secret>
    #   php admin/cli/cfg.php --component=auth_apilogin --name=allowipaddr --set=127.0.0.1
    "$VENV/bin/python" - "$MOODLE_URL" <<'PY'
import json, sys, urllib.request
for setting in ({"component": "auth_apilogin", "name": "apikey", "set": "apilogin-test-secret"},
                {"component": "auth_apilogin", "name": "allowipaddr", "set": "127.0.0.1"}):
    urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/__sim__/cfg", json.dumps(setting).encode(), method="POST"))
PY
fi
DESCRIPTION="${DEMO_DESCRIPTION:-playbooks/examples/site.yml}"

for run in 1 2; do
    echo "== run $run of playbooks/provision_site.yml -e @$DESCRIPTION against $MOODLE_URL"
    "$VENV/bin/ansible-playbook" -i localhost, -e "ansible_python_interpreter=$VENV/bin/python" \
        playbooks/provision_site.yml -e "@$DESCRIPTION" | tee "$ROOT/.ansible/demo-run-$run.txt"
done

if grep -Eq 'changed=0 +unreachable=0 +failed=0' "$ROOT/.ansible/demo-run-2.txt"; then
    echo "== the second run changed nothing: the site is in the desired state"
else
    echo "== the second run changed something: not idempotent" >&2
    exit 1
fi
