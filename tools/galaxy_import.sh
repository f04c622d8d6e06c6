#!/usr/bin/env bash
# Runs galaxy-importer - the check Galaxy and Automation Hub run on every uploaded collection - on a built
# collection tarball, locally and without network:
#
#   tools/galaxy_import.sh VENV_DIR TARBALL
#
#   VENV_DIR  a venv with galaxy-importer installed (pip install -r tools/requirements/galaxy.txt); its bin/ is put
#             first on PATH, so the importer runs that venv's ansible-doc and ansible-lint
#   TARBALL   NAMESPACE-NAME-VERSION.tar.gz from ansible-galaxy collection build
#
# The importer reads its configuration from the file named by GALAXY_IMPORTER_CONFIG: this script writes a
# temporary one that names every key of galaxy_importer/config.py (so that a new release's defaults change
# nothing unnoticed): its own ansible-test off (it would need docker or podman and the network), ansible-doc on
# every plugin, ansible-lint --profile production --offline, the changelog check and the tag check of Automation
# Hub on, its temporary files in a directory of its own. GALAXY_IMPORTER_* variables of the caller are ignored.
#
# Prints the importer's output, then the warnings again and a last line "galaxy-importer: N errors, N warnings".
# Exit status: 0 when the import succeeded and no line starts with ERROR; 1 otherwise; 2 on bad arguments.
# GALAXY_IMPORT_TIMEOUT (seconds, default 900) bounds the run. GALAXY_IMPORT_MAX_WARNINGS=N also fails the run
# when there are more than N warnings (by default warnings are listed, as Galaxy does, and do not fail it).
set -u
set -o pipefail

usage() { sed -n '2,/^set -u/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; }

if [ $# -ne 2 ]; then
    usage >&2
    exit 2
fi
VENV="$1"
TARBALL="$2"
if [ ! -x "$VENV/bin/python" ]; then
    echo "galaxy_import.sh: $VENV/bin/python not found: create the venv (python3.11 -m venv $VENV &&" \
        "$VENV/bin/pip install -r tools/requirements/galaxy.txt)" >&2
    exit 2
fi
if ! "$VENV/bin/python" -c 'import galaxy_importer' 2>/dev/null; then
    echo "galaxy_import.sh: galaxy-importer is not installed in $VENV ($VENV/bin/pip install -r tools/requirements/galaxy.txt)" >&2
    exit 2
fi
if [ ! -f "$TARBALL" ]; then
    echo "galaxy_import.sh: no such file: $TARBALL" >&2
    exit 2
fi
# the importer takes namespace, name and version from the file name (and fails obscurely on another name)
if ! [[ "$(basename "$TARBALL")" =~ ^[A-Za-z0-9_]+-[A-Za-z0-9_]+-[0-9A-Za-z.+-]+\.tar\.gz$ ]]; then
    echo "galaxy_import.sh: $TARBALL is not named NAMESPACE-NAME-VERSION.tar.gz" >&2
    exit 2
fi
for limit in GALAXY_IMPORT_TIMEOUT GALAXY_IMPORT_MAX_WARNINGS; do
    if [ -n "${!limit:-}" ] && ! [[ "${!limit}" =~ ^[0-9]+$ ]]; then
        echo "galaxy_import.sh: $limit must be a whole number, not '${!limit}'" >&2
        exit 2
    fi
done
VENV="$(cd "$VENV" && pwd)"
TARBALL="$(cd "$(dirname "$TARBALL")" && pwd)/$(basename "$TARBALL")"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/galaxy-import.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/ansible-tmp" "$WORK/extract"

cat > "$WORK/galaxy-importer.cfg" <<EOF
[galaxy-importer]
# what Galaxy checks on upload, minus its own ansible-test run (docker/podman and network)
run_ansible_test = False
ansible_test_local_image = False
local_image_docker = False
infra_osd = False
run_ansible_doc = True
run_ansible_lint = True
offline_ansible_lint = True
run_flake8 = False
check_changelog = True
# Automation Hub wants one of its tags (ai, application, cloud, database, ... security, tools, ...) in galaxy.yml
check_required_tags = True
# certified content on Automation Hub must be 1.0.0 or later; Galaxy takes any version
require_v1_or_greater = False
log_level_main = INFO
ansible_local_tmp = $WORK/ansible-tmp
tmp_root_dir = $WORK/extract
EOF

VERSIONS="$("$VENV/bin/python" -c '
from importlib.metadata import version, PackageNotFoundError
out = []
for name in ("galaxy-importer", "ansible-core", "ansible-lint"):
    try:
        out.append("%s %s" % (name, version(name)))
    except PackageNotFoundError:
        out.append("%s (not installed)" % name)
print(", ".join(out))')"
echo "-- galaxy-importer on $(basename "$TARBALL") ($VERSIONS; local ansible-test off, ansible-lint offline)"

TIMEOUT_CMD=()
if command -v timeout >/dev/null 2>&1; then
    TIMEOUT_CMD=(timeout "${GALAXY_IMPORT_TIMEOUT:-900}")
fi

LOG="$WORK/importer.log"
# run in $WORK: the importer writes importer_result.json to its working directory
(
    cd "$WORK" || exit 2
    for var in "${!GALAXY_IMPORTER_@}"; do unset "$var"; done
    unset ANSIBLE_CONFIG ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS
    export GALAXY_IMPORTER_CONFIG="$WORK/galaxy-importer.cfg"
    export PATH="$VENV/bin:$PATH" VIRTUAL_ENV="$VENV"
    export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 NO_COLOR=1 ANSIBLE_LINT_SKIP_VERSION_CHECK=1 PYTHONWARNINGS=ignore
    exec ${TIMEOUT_CMD[@]+"${TIMEOUT_CMD[@]}"} "$VENV/bin/python" -m galaxy_importer.main "$TARBALL"
) 2>&1 | tee "$LOG"
RC=${PIPESTATUS[0]}

ERRORS="$(grep -c '^ERROR' "$LOG")"
WARNINGS="$(grep -c '^WARNING' "$LOG")"
FAILED=0
if [ "$RC" -ne 0 ]; then
    [ "$RC" -eq 124 ] && echo "!! galaxy-importer did not finish within ${GALAXY_IMPORT_TIMEOUT:-900}s"
    echo "!! galaxy-importer exited with status $RC"
    FAILED=1
fi
if ! grep -q '^Importer processing completed successfully' "$LOG"; then
    echo "!! galaxy-importer did not report a completed import"
    FAILED=1
fi
[ "$ERRORS" -eq 0 ] || FAILED=1
if [ -n "${GALAXY_IMPORT_MAX_WARNINGS:-}" ] && [ "$WARNINGS" -gt "$GALAXY_IMPORT_MAX_WARNINGS" ]; then
    echo "!! more than GALAXY_IMPORT_MAX_WARNINGS=$GALAXY_IMPORT_MAX_WARNINGS warnings"
    FAILED=1
fi

if [ -s "$WORK/importer_result.json" ]; then
    "$VENV/bin/python" -c '
import collections, json, sys
data = json.load(open(sys.argv[1]))
kinds = collections.Counter(item["content_type"] for item in data.get("contents") or [])
docs = (data.get("docs_blob") or {}).get("contents") or []
roles_without_readme = sorted(
    {item["name"] for item in data.get("contents") or [] if item["content_type"] == "role"}
    - {item["content_name"] for item in docs if item["content_type"] == "role" and item.get("readme_html")})
print("-- imported %s.%s %s: %s" % (data["metadata"]["namespace"], data["metadata"]["name"],
      data["metadata"]["version"], ", ".join("%d %s" % (n, kind) for kind, n in sorted(kinds.items()))))
if roles_without_readme:
    print("!! roles without a rendered README: %s" % ", ".join(roles_without_readme))
    sys.exit(1)
' "$WORK/importer_result.json" || FAILED=1
fi

if [ "$ERRORS" -gt 0 ]; then
    echo "-- errors:"
    grep '^ERROR' "$LOG" | cut -c1-2000
fi
if [ "$WARNINGS" -gt 0 ]; then
    echo "-- warnings:"
    grep '^WARNING' "$LOG"
fi
echo "galaxy-importer: $ERRORS errors, $WARNINGS warnings"
exit "$FAILED"
