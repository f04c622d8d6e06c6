#!/usr/bin/env bash
# The test command of moodleops.auth (see README). Runs, in this order:
#   pytest    tests/unit, tests/conformance, tests/integration, tests/live (those that exist) once per ansible-core line:
#             2.16 on Python 3.11, 2.19 on Python 3.11, 2.21 on Python 3.13 (that venv's ansible-playbook on PATH).
#             The integration tests run against the simulator emulating Moodle 4.5 and 5.1 on the first line
#             (2.16), 4.5 on 2.19 and 5.1 on 2.21: each release on two lines, each line on at least one release
#             (MOODLE_SIM_VERSIONS=4.5,5.1 in the environment runs both everywhere). tests/conformance (the
#             simulator against the recordings: no ansible in it) and tests marked `once` (core-independent and
#             slow, e.g. 10 forks against one site) run on the first line only.
#   sanity    ansible-test sanity --venv --requirements (no docker) with 2.16 and 2.19 on Python 3.11
#             and 2.21 on Python 3.13, on a copy of the tree under .../ansible_collections/moodleops/auth
#   lint      ansible-lint --profile production (latest ansible-lint, own venv) + antsibull-changelog lint
#   build     ansible-galaxy collection build + install of the tarball into a temp dir + ansible-doc of every
#             module and ansible-doc -t role of every role from that install (2.16 and 2.21)
#   galaxy    galaxy-importer (what Galaxy and Automation Hub run on every upload; own venv, its ansible-test off:
#             the sanity stage runs that) on the tarball the build stage made: zero errors
#   ee        ansible-builder create (own venv) on meta/execution-environment.yml placed at the collection root and
#             on extensions/awx/execution-environment.yml, checks the generated contexts (Containerfile,
#             requirements files) and ansible-builder introspect of the collection; no image is built
# Venvs live in .venv-* at the repository root (gitignored) and are created or refreshed when needed.
#
# Every venv installs exactly the versions of its lock file, tools/requirements/locks/<venv>.txt (pip freeze --all of
# a venv built from the unpinned tools/requirements/*.txt): a fresh machine tests what the developer tested. Refresh
# the locks on purpose, review the diff and commit it:  tools/test.sh --refresh-locks
#
# Usage: tools/test.sh [--quick] [--stages LIST] [--cores LIST] [--jobs N] [--setup-only] [--refresh-locks] [-- PYTEST ARGS...]
#   --quick         pytest with ansible-core 2.16 only (same as --stages pytest --cores 2.16)
#   --stages LIST   comma list of pytest,sanity,lint,build,galaxy,ee (default: all)
#   --cores LIST    comma list of ansible-core lines 2.16,2.19,2.21 for pytest/sanity (default: all)
#   --jobs N        run up to N of the pytest lines and the sanity stage at a time (default: 2 on a machine with 2 or
#                   more cores, else 1); with more than one their output goes to their logs, shown when each ends
#   --setup-only    only create/refresh the venvs of the selected stages
#   --refresh-locks rebuild the venvs of the selected stages from the unpinned requirements and rewrite their lock
#                   files (then stops; nothing is tested)
#   -- ARGS         extra arguments for pytest (e.g. -k redact -x)
# Ends with a line "N passed, N failed": pytest tests plus one check per other stage; exit 1 on any failure.
set -u
set -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2

STAGES="pytest,sanity,lint,build,galaxy,ee"
CORES="2.16,2.19,2.21"
SETUP_ONLY=0
REFRESH_LOCKS=0
JOBS="$(( $(nproc 2>/dev/null || echo 1) >= 2 ? 2 : 1 ))"
PYTEST_EXTRA=()
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) STAGES="pytest"; CORES="2.16" ;;
        --stages) STAGES="$2"; shift ;;
        --stages=*) STAGES="${1#*=}" ;;
        --cores) CORES="$2"; shift ;;
        --cores=*) CORES="${1#*=}" ;;
        --jobs) JOBS="$2"; shift ;;
        --jobs=*) JOBS="${1#*=}" ;;
        --setup-only) SETUP_ONLY=1 ;;
        --refresh-locks) REFRESH_LOCKS=1; SETUP_ONLY=1 ;;
        --) shift; PYTEST_EXTRA=("$@"); break ;;
        -h|--help) sed -n '2,/^set -u/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PYTHONDONTWRITEBYTECODE=1
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 ANSIBLE_LINT_SKIP_VERSION_CHECK=1
LOG_DIR="$ROOT/tests/output/tools-test"
mkdir -p "$LOG_DIR"

has() { case ",$1," in *",$2,"*) return 0 ;; esac; return 1; }
live_or_quiet() {  # live_or_quiet LOG: the output into LOG, and to the console too when LIVE=1
    if [ "${LIVE:-1}" -eq 1 ]; then tee "$1"; else cat > "$1"; fi
}

# ansible-core line -> "python version|pip spec|venv dir"
core_python() { case "$1" in 2.16|2.19) echo 3.11 ;; 2.21) echo 3.13 ;; *) return 1 ;; esac; }
core_spec() { local minor="${1#2.}"; echo "ansible-core>=$1,<2.$((minor + 1))"; }
core_venv() { echo "$ROOT/.venv-core${1/./}"; }
LINT_VENV="$ROOT/.venv-lint"
EE_VENV="$ROOT/.venv-ee"
GALAXY_VENV="$ROOT/.venv-galaxy"

for core in ${CORES//,/ }; do
    core_python "$core" >/dev/null || { echo "unsupported ansible-core line: $core" >&2; exit 2; }
done

# --- results -----------------------------------------------------------------------------------
PASSED=0
FAILED=0
SUMMARY=()
record() {  # record NAME STATUS(0=ok) SECONDS [DETAIL]
    local mark="PASS"
    [ "$2" -eq 0 ] || mark="FAIL"
    SUMMARY+=("$(printf '%-4s  %-22s %5ss  %s' "$mark" "$1" "$3" "${4:-}")")
}
check() {  # a non-pytest check counts as one test
    record "$@"
    if [ "$2" -eq 0 ]; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); fi
}
banner() { printf '\n======== %s ========\n' "$*"; }

# --- interpreters and venvs --------------------------------------------------------------------
find_python() {  # find_python 3.11 -> path of a python3.11
    local ver="$1" cand
    for cand in "$(command -v "python$ver" 2>/dev/null)" \
                $(find "${PYENV_ROOT:-$HOME/.pyenv}/versions" -maxdepth 3 -path "*/$ver.*/bin/python$ver" 2>/dev/null | sort -V -r) \
                "/usr/bin/python$ver" "/usr/local/bin/python$ver"; do
        if [ -n "$cand" ] && [ -x "$cand" ] && "$cand" -c 'import venv, ensurepip' >/dev/null 2>&1; then
            "$cand" -c 'import os, sys; print(os.path.realpath(sys.executable))'  # not a pyenv shim
            return 0
        fi
    done
    echo "python$ver with venv+ensurepip not found (pyenv install $ver, or apt-get install python$ver-venv)" >&2
    return 1
}

LOCK_DIR="$ROOT/tools/requirements/locks"
ensure_venv() {  # ensure_venv DIR PYVER PIP-ARGS... ; installs the lock file's versions of $LOCK_DIR/<venv name>.txt;
                 # recreated when PIP-ARGS, the requirements or the lock change (with --refresh-locks: rewrites the lock)
    local dir="$1" pyver="$2" py stamp_new lock constraint=()
    shift 2
    lock="$LOCK_DIR/$(basename "$dir" | sed 's/^\.venv-//').txt"
    stamp_new="$pyver $* $(cat "$ROOT"/tools/requirements/*.txt "$lock" 2>/dev/null | cksum)"
    if [ "$REFRESH_LOCKS" -eq 0 ] && [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$stamp_new" ]; then
        return 0
    fi
    if [ "$REFRESH_LOCKS" -eq 0 ]; then
        [ -s "$lock" ] || { echo "!! no lock file $lock: run tools/test.sh --refresh-locks and commit it" >&2; return 1; }
        constraint=(-c "$lock")
    fi
    py="$(find_python "$pyver")" || return 1
    echo "-- creating $(basename "$dir") with $py: pip install ${constraint[*]:+${constraint[*]} }$*"
    rm -rf "$dir"
    "$py" -m venv "$dir" || return 1
    "$dir/bin/python" -m pip install -q --upgrade ${constraint[@]+"${constraint[@]}"} pip >/dev/null 2>&1 || true
    "$dir/bin/python" -m pip install -q ${constraint[@]+"${constraint[@]}"} "$@" 2>&1 \
        | grep -v "is ignored: it is neither a file nor a directory"
    [ "${PIPESTATUS[0]}" -eq 0 ] || { rm -rf "$dir"; return 1; }
    if [ "$REFRESH_LOCKS" -eq 1 ]; then
        mkdir -p "$LOCK_DIR"
        { echo "# Lock of $(basename "$dir") (Python $pyver): pip install $*"
          echo "# Written by tools/test.sh --refresh-locks on $(date -u +%F); review the diff before committing."
          "$dir/bin/python" -m pip freeze --all --exclude-editable | LC_ALL=C sort -f; } > "$lock"
        echo "-- wrote $lock ($(grep -vc '^#' "$lock") packages)"
        stamp_new="$pyver $* $(cat "$ROOT"/tools/requirements/*.txt "$lock" 2>/dev/null | cksum)"
    fi
    echo "$stamp_new" > "$dir/.stamp"
}

setup_venv() {  # setup_venv LABEL DIR PYVER PIP-ARGS...: a failed setup counts as a failed check
    local label="$1" start=$SECONDS rc
    shift
    ensure_venv "$@"
    rc=$?
    [ $rc -eq 0 ] || check "setup $label" 1 $((SECONDS - start)) "venv could not be built"
    return $rc
}
setup_core() { setup_venv "ansible-core $1" "$(core_venv "$1")" "$(core_python "$1")" "$(core_spec "$1")" \
    -r tools/requirements/test.txt; }
setup_lint() { setup_venv lint "$LINT_VENV" 3.13 -r tools/requirements/lint.txt; }
setup_galaxy() { setup_venv galaxy "$GALAXY_VENV" 3.11 -r tools/requirements/galaxy.txt; }
setup_ee() { setup_venv ee "$EE_VENV" 3.13 -r tools/requirements/ee.txt; }

# the tree as ansible-test/ansible-galaxy would get it from git: tracked + untracked-but-not-ignored files
copy_tree() {  # copy_tree DEST
    mkdir -p "$1"
    if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
        # shellcheck disable=SC2016  # the inner sh expands $f itself
        git -C "$ROOT" ls-files -z --cached --others --exclude-standard \
            | (cd "$ROOT" && xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) \
            | (cd "$ROOT" && tar --null -T - -cf -) | tar -C "$1" -xf -
    else
        (cd "$ROOT" && tar --exclude='./.venv*' --exclude='./tests/output' --exclude='./.ansible' \
            --exclude='__pycache__' -cf - .) | tar -C "$1" -xf -
    fi
}

TMP_BASE="$(mktemp -d "${TMPDIR:-/tmp}/moodleops-test.XXXXXX")"
trap 'rm -rf "$TMP_BASE"' EXIT

# --- stage: pytest -----------------------------------------------------------------------------
PYTEST_PATHS=()
for d in tests/unit tests/conformance tests/integration tests/live; do
    if [ -d "$d" ] && [ -n "$(find "$d" -name 'test_*.py' -o -name '*_test.py' | head -n 1)" ]; then
        PYTEST_PATHS+=("$d")
    fi
done

core_releases() {  # core_releases CORE FIRST-CORE -> the Moodle releases its integration tests run against
    if [ -n "${MOODLE_SIM_VERSIONS:-}" ]; then echo "$MOODLE_SIM_VERSIONS"; return; fi
    if [ "$1" = "$2" ]; then echo "4.5,5.1"; return; fi
    case "$1" in 2.19) echo 4.5 ;; 2.21) echo 5.1 ;; *) echo "4.5,5.1" ;; esac
}

run_pytest() {  # run_pytest CORE FIRST-CORE: the run (its output goes to the log, and to the console when LIVE=1)
    local core="$1" first="$2" venv start=$SECONDS rc log releases paths=()
    venv="$(core_venv "$core")"
    log="$LOG_DIR/pytest-$core.log"
    releases="$(core_releases "$core" "$first")"
    for p in "${PYTEST_PATHS[@]}"; do
        [ "$p" = tests/conformance ] && [ "$core" != "$first" ] && continue
        paths+=("$p")
    done
    local selection=()
    [ "$core" != "$first" ] && selection=(-m "not once")   # tests marked once: the first line only
    { banner "pytest, ansible-core $core ($("$venv/bin/python" -V 2>&1)): ${paths[*]}; simulated Moodle $releases"
      PATH="$venv/bin:$PATH" VIRTUAL_ENV="$venv" MOODLE_SIM_VERSIONS="$releases" "$venv/bin/python" -m pytest \
        -p no:cacheprovider -ra --durations=12 ${selection[@]+"${selection[@]}"} "${paths[@]}" \
        ${PYTEST_EXTRA[@]+"${PYTEST_EXTRA[@]}"} 2>&1; } | live_or_quiet "$log"
    rc=${PIPESTATUS[0]}
    echo "$rc $((SECONDS - start))" > "$log.rc"
}
account_pytest() {  # account_pytest CORE: counts the run's tests from its log
    local core="$1" log="$LOG_DIR/pytest-$1.log" rc secs counts p f e where
    read -r rc secs < "$log.rc" || { rc=1; secs=0; }
    counts="$(grep -E '^=+ .*(passed|failed|error|skipped|no tests ran).* in [0-9.]+s' "$log" | tail -n 1)"
    p="$(echo "$counts" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')"
    f="$(echo "$counts" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+')"
    e="$(echo "$counts" | grep -oE '[0-9]+ errors?' | grep -oE '[0-9]+')"
    p=${p:-0}; f=$(( ${f:-0} + ${e:-0} ))
    if [ "$rc" -eq 5 ]; then
        f=$((f + 1)); counts="no tests collected (pytest exit 5)"
    elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1; counts="pytest exit $rc: ${counts:-see $log}"
    fi
    PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
    record "pytest $core" "$rc" "$secs" "$(echo "$counts" | sed 's/^=* *//; s/ *=*$//')"
    where="$(grep -E '^where users run it: ' "$log" | tail -n 1 | sed 's/^where users run it: //')"
    [ -z "$where" ] || SUMMARY+=("$(printf '      %-22s        %s' "  where users run it" "$where")")
}

# --- stage: sanity -----------------------------------------------------------------------------
install_get_pip() {  # ansible-test bootstraps pip with a get-pip.py from a host we cannot reach: use ours
    local pip_version cache
    pip_version="$(grep -hoE "^ +pip='[0-9.]+'" "$1"/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py \
        | head -n 1 | grep -oE '[0-9.]+')"
    [ -n "$pip_version" ] || return 1
    cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
    if [ ! -s "$cache" ] || grep -q 'Stand-in for the get-pip.py' "$cache"; then
        mkdir -p "$(dirname "$cache")" && cp "$ROOT/tools/ansible_test_get_pip.py" "$cache"
    fi
}
run_sanity() {  # run_sanity CORE: the run (output to the log, and to the console when LIVE=1)
    local core="$1" venv pyver pybin start=$SECONDS rc tree log
    venv="$(core_venv "$core")"
    pyver="$(core_python "$core")"
    log="$LOG_DIR/sanity-$core.log"
    : > "$log"
    pybin="$(dirname "$(find_python "$pyver")")" || { echo "1 0 no python$pyver" > "$log.rc"; return; }
    install_get_pip "$venv" || { echo "1 0 could not place the get-pip stand-in" > "$log.rc"; return; }
    tree="$TMP_BASE/sanity-$core/ansible_collections/moodleops/auth"
    copy_tree "$tree"
    # ansible-test finds python$pyver on PATH and builds its own venvs (cached under ~/.ansible/test)
    { banner "ansible-test sanity, ansible-core $core, --python $pyver"
      (cd "$tree" && PATH="$venv/bin:$pybin:$PATH" ansible-test sanity --venv --requirements \
        --python "$pyver" --color no 2>&1) | grep --line-buffered -vE \
        '^(Run command|Installing|Collecting|Downloading|Requirement|Successfully|Obtaining|Using cached|Looking in|Processing /|WARNING: Location .* is ignored)|^ +(Downloading|Attempting uninstall|Found existing|Uninstalling|Successfully|Using cached|━)'
      exit "${PIPESTATUS[0]}"; } | live_or_quiet "$log"
    rc=${PIPESTATUS[0]}
    echo "$rc $((SECONDS - start))" > "$log.rc"
}
account_sanity() {  # account_sanity CORE
    local core="$1" log="$LOG_DIR/sanity-$1.log" rc secs why
    read -r rc secs why < "$log.rc" || { rc=1; secs=0; why="no result"; }
    check "sanity $core" "$rc" "$secs" \
        "${why:-$(grep -c '^Running sanity test' "$log") tests run, $(grep -cE '^ERROR: .*:[0-9]+:[0-9]+:' "$log") findings}"
}

# --- stage: lint -------------------------------------------------------------------------------
run_lint() {
    local start=$SECONDS rc
    banner "ansible-lint --profile production ($("$LINT_VENV/bin/ansible-lint" --version 2>/dev/null | head -n 1))"
    # the modules must resolve (FQCNs, module_defaults groups): put the tree on the collections path as moodleops.auth
    mkdir -p "$TMP_BASE/lint/ansible_collections/moodleops"
    ln -sfn "$ROOT" "$TMP_BASE/lint/ansible_collections/moodleops/auth"
    (cd "$ROOT" && PATH="$LINT_VENV/bin:$PATH" ANSIBLE_COLLECTIONS_PATH="$TMP_BASE/lint" \
        ansible-lint --profile production --offline --nocolor 2>&1) \
        | tee "$LOG_DIR/ansible-lint.log"
    rc=${PIPESTATUS[0]}
    check "ansible-lint" "$rc" $((SECONDS - start)) "$(grep -E '^(Passed|Failed):' "$LOG_DIR/ansible-lint.log" | tail -n 1)"

    start=$SECONDS
    banner "antsibull-changelog lint"
    (cd "$ROOT" && "$LINT_VENV/bin/antsibull-changelog" lint 2>&1) | tee "$LOG_DIR/changelog-lint.log"
    rc=${PIPESTATUS[0]}
    if [ "$rc" -eq 0 ] && [ -s "$LOG_DIR/changelog-lint.log" ]; then rc=1; fi  # it prints only problems
    check "changelog lint" "$rc" $((SECONDS - start))
}

# --- stage: build ------------------------------------------------------------------------------
# ansible-doc's stderr: a warning or error about this collection fails the check; others (a newer cryptography's
# deprecation warning, ansible-core 2.21 on its own internal collection) are shown and pass
collection_warnings() { grep -iE 'warning|error' "$1" | grep -qiE 'moodleops|ansible_collections/moodleops'; }
other_warnings() {
    grep -iE 'warning|error' "$1" | grep -viE 'moodleops' | sed 's/^/   (not about this collection, ignored) /' | head -n 5
}
TARBALL=""
build_tarball() {  # build_tarball OUTDIR -> sets TARBALL
    mkdir -p "$1"
    (cd "$ROOT" && "$(core_venv 2.16)/bin/ansible-galaxy" collection build --force --output-path "$1" .) || return 1
    TARBALL="$(find "$1" -name 'moodleops-auth-*.tar.gz' | head -n 1)"
    [ -n "$TARBALL" ]
}

run_build() {
    local start=$SECONDS rc=0 venv out tarball core module doc
    venv="$(core_venv 2.16)"
    out="$TMP_BASE/build"
    mkdir -p "$out/dist" "$out/collections"
    banner "ansible-galaxy collection build + install + ansible-doc"
    if ! build_tarball "$out/dist"; then
        check "build" 1 $((SECONDS - start)) "ansible-galaxy collection build failed"
        return
    fi
    # every module of the collection (at least moodle_webservice_enable and moodle_info) must render
    local MODULES=()
    for module in "$ROOT"/plugins/modules/*.py; do MODULES+=("$(basename "$module" .py)"); done
    # every role (roles/<name>/meta/argument_specs.yml) must render with ansible-doc -t role
    local ROLES=() role
    for role in "$ROOT"/roles/*/meta/argument_specs.yml; do [ -e "$role" ] && ROLES+=("$(basename "$(dirname "$(dirname "$role")")")"); done
    tarball="$TARBALL"
    echo "-- $(basename "$tarball"): $(tar -tzf "$tarball" | wc -l) entries, $(du -k "$tarball" | cut -f1) KiB"
    if tar -tzf "$tarball" | grep -E '(^|/)(\.venv[^/]*|tests/output|\.ansible|__pycache__|\.pytest_cache)/' | head -n 5 | grep .; then
        echo "!! the tarball holds files that build_ignore should leave out"; rc=1
    fi
    (cd "$out" && "$venv/bin/ansible-galaxy" collection install --force -p "$out/collections" "$tarball") || rc=1
    for core in 2.16 2.21; do
        [ -x "$(core_venv "$core")/bin/ansible-doc" ] || continue
        for module in "${MODULES[@]}"; do
            doc="$out/doc-$core-$module.txt"
            if (cd "$out" && ANSIBLE_COLLECTIONS_PATH="$out/collections" \
                    "$(core_venv "$core")/bin/ansible-doc" "moodleops.auth.$module" > "$doc" 2> "$doc.err") \
                && grep -q "moodleops.auth.$module" "$doc" && grep -q "$out/collections" "$doc" \
                && ! collection_warnings "$doc.err"; then
                echo "-- ansible-doc ($core) moodleops.auth.$module: $(wc -l < "$doc") lines, from $out/collections"
                other_warnings "$doc.err"
            else
                echo "!! ansible-doc ($core) moodleops.auth.$module did not render from the install:"
                cat "$doc.err"; head -n 20 "$doc"; rc=1
            fi
        done
        for role in ${ROLES[@]+"${ROLES[@]}"}; do
            doc="$out/doc-$core-role-$role.txt"
            if (cd "$out" && ANSIBLE_COLLECTIONS_PATH="$out/collections" \
                    "$(core_venv "$core")/bin/ansible-doc" -t role "moodleops.auth.$role" > "$doc" 2> "$doc.err") \
                && grep -qi "moodleops.auth.$role" "$doc" && grep -q "ENTRY POINT" "$doc" \
                && ! collection_warnings "$doc.err"; then
                echo "-- ansible-doc -t role ($core) moodleops.auth.$role: $(wc -l < "$doc") lines"
                other_warnings "$doc.err"
            else
                echo "!! ansible-doc -t role ($core) moodleops.auth.$role did not render from the install:"
                cat "$doc.err"; head -n 20 "$doc"; rc=1
            fi
        done
    done
    check "build+install+doc" $rc $((SECONDS - start)) "$(basename "$tarball")"
}

# --- stage: galaxy (what Galaxy and Automation Hub run on every upload) -------------------------------
run_galaxy() {
    local start=$SECONDS rc log="$LOG_DIR/galaxy-importer.log"
    banner "galaxy-importer ($("$GALAXY_VENV/bin/python" -m pip show galaxy-importer 2>/dev/null | grep '^Version' | cut -d' ' -f2))"
    if [ -z "$TARBALL" ] && ! build_tarball "$TMP_BASE/galaxy-dist"; then
        check "galaxy-importer" 1 $((SECONDS - start)) "ansible-galaxy collection build failed"
        return
    fi
    bash "$ROOT/tools/galaxy_import.sh" "$GALAXY_VENV" "$TARBALL" 2>&1 | tee "$log" | grep -v '^Loading '
    rc=${PIPESTATUS[0]}
    check "galaxy-importer" "$rc" $((SECONDS - start)) "$(grep -E '^galaxy-importer: ' "$log" | tail -n 1)"
}

# --- stage: ee (execution environment definitions) ----------------------------------------------
run_ee() {
    local start=$SECONDS rc=0 out log builder req
    out="$TMP_BASE/ee"
    log="$LOG_DIR/ee.log"
    builder="$EE_VENV/bin/ansible-builder"
    banner "ansible-builder create + introspect ($("$builder" --version 2>/dev/null))"
    : > "$log"
    # 1. meta/execution-environment.yml names its files relative to the collection root (what introspection wants):
    #    build it from the collection root's layout
    mkdir -p "$out/collection" "$out/awx"
    cp "$ROOT/meta/execution-environment.yml" "$out/collection/"
    for req in requirements.txt bindep.txt; do [ -f "$ROOT/$req" ] && cp "$ROOT/$req" "$out/collection/"; done
    # 2. the AWX example installs the collection from a tarball next to it (a placeholder is enough for create)
    cp "$ROOT/extensions/awx/execution-environment.yml" "$out/awx/"
    : > "$out/awx/moodleops-auth.tar.gz"
    for ee in collection awx; do
        if ! "$builder" create -f "$out/$ee/execution-environment.yml" -c "$out/$ee/context" \
                --output-filename Containerfile 2>&1 | tee -a "$log"; then
            echo "!! ansible-builder create failed for $ee"; rc=1; continue
        fi
        [ -s "$out/$ee/context/Containerfile" ] || { echo "!! $ee: no context/Containerfile"; rc=1; }
    done
    if ! cmp -s "$ROOT/requirements.txt" "$out/collection/context/_build/requirements.txt"; then
        echo "!! collection: context/_build/requirements.txt is not the collection's requirements.txt"; rc=1
    fi
    grep -q 'requirements.txt' "$out/collection/context/Containerfile" \
        || { echo "!! collection: the Containerfile does not install requirements.txt"; rc=1; }
    if [ -f "$ROOT/bindep.txt" ] && ! cmp -s "$ROOT/bindep.txt" "$out/collection/context/_build/bindep.txt"; then
        echo "!! collection: context/_build/bindep.txt is not the collection's bindep.txt"; rc=1
    fi
    if ! grep -q 'moodleops-auth.tar.gz' "$out/awx/context/_build/requirements.yml" 2>/dev/null \
            || [ ! -f "$out/awx/context/_build/build/moodleops-auth.tar.gz" ]; then
        echo "!! awx: the context does not install the collection tarball"; rc=1
    fi
    # 3. what ansible-builder reads from the installed collection when another EE lists moodleops.auth
    mkdir -p "$out/installed/ansible_collections/moodleops"
    ln -sfn "$ROOT" "$out/installed/ansible_collections/moodleops/auth"
    "$builder" introspect --write-pip "$out/introspect-pip.txt" "$out/installed" >> "$log" 2>&1 || rc=1
    for req in requests jsonschema; do
        grep -q "^$req" "$out/introspect-pip.txt" 2>/dev/null \
            || { echo "!! introspection of the installed collection does not give $req"; rc=1; }
    done
    echo "-- contexts: $(find "$out/collection/context" "$out/awx/context" -type f | wc -l) files;" \
        "introspected: $(grep -v '^#' "$out/introspect-pip.txt" 2>/dev/null | cut -d' ' -f1 | paste -sd' ')"
    check "ee (ansible-builder)" $rc $((SECONDS - start)) "create x2 + introspect"
}

# --- main --------------------------------------------------------------------------------------
T0=$SECONDS
WANT_CORES=()
for core in ${CORES//,/ }; do WANT_CORES+=("$core"); done
if has "$STAGES" build || has "$STAGES" galaxy; then
    has "$CORES" 2.16 || WANT_CORES+=(2.16)
fi

READY_CORES=","
if has "$STAGES" pytest || has "$STAGES" sanity || has "$STAGES" build || has "$STAGES" galaxy; then
    for core in "${WANT_CORES[@]}"; do
        start=$SECONDS
        if setup_core "$core"; then READY_CORES="$READY_CORES$core,"; fi
        echo "-- venv ansible-core $core ready in $((SECONDS - start))s: $("$(core_venv "$core")/bin/ansible" --version 2>/dev/null | head -n 1)"
    done
fi
LINT_READY=0
if has "$STAGES" lint; then setup_lint && LINT_READY=1; fi
GALAXY_READY=0
if has "$STAGES" galaxy; then setup_galaxy && GALAXY_READY=1; fi
EE_READY=0
if has "$STAGES" ee; then setup_ee && EE_READY=1; fi
[ "$SETUP_ONLY" -eq 1 ] && { echo "setup done in $((SECONDS - T0))s"; [ "$FAILED" -eq 0 ]; exit $?; }

# The pytest lines and the sanity stage (its lines one after the other: they share ansible-test's cache) are jobs;
# with --jobs 2 two run at a time (each keeps about one core busy), their output going to their logs, which are shown
# when they end; the accounting comes after, in the order of the stages.
JOB_LIST=()
PYTEST_CORES=()
SANITY_CORES=()
if has "$STAGES" pytest; then
    if [ ${#PYTEST_PATHS[@]} -eq 0 ]; then
        check "pytest" 1 0 "no test folder found"
    else
        first_core=""
        for core in ${CORES//,/ }; do
            has "$READY_CORES" "$core" || continue
            first_core="${first_core:-$core}"
            PYTEST_CORES+=("$core")
            JOB_LIST+=("pytest $core $first_core")
        done
    fi
fi
if has "$STAGES" sanity; then
    for core in ${CORES//,/ }; do has "$READY_CORES" "$core" && SANITY_CORES+=("$core"); done
    [ ${#SANITY_CORES[@]} -eq 0 ] || JOB_LIST+=("sanity ${SANITY_CORES[*]}")
fi
run_job() {  # run_job "pytest CORE FIRST" | "sanity CORE..."
    local kind="${1%% *}" args core
    read -r -a args <<< "${1#* }"
    case "$kind" in
        pytest) run_pytest "${args[0]}" "${args[1]}" ;;
        sanity) for core in "${args[@]}"; do run_sanity "$core"; done ;;
    esac
}
show_job_logs() {  # show_job_logs "pytest CORE FIRST" | "sanity CORE..."
    local kind="${1%% *}" args core
    read -r -a args <<< "${1#* }"
    case "$kind" in
        pytest) cat "$LOG_DIR/pytest-${args[0]}.log" ;;
        sanity) for core in "${args[@]}"; do cat "$LOG_DIR/sanity-$core.log"; done ;;
    esac
}
if [ "$JOBS" -le 1 ] || [ ${#JOB_LIST[@]} -le 1 ]; then
    LIVE=1
    for job in ${JOB_LIST[@]+"${JOB_LIST[@]}"}; do run_job "$job"; done
else
    LIVE=0
    declare -A RUNNING=()
    next=0
    while [ "$next" -lt ${#JOB_LIST[@]} ] || [ ${#RUNNING[@]} -gt 0 ]; do
        while [ ${#RUNNING[@]} -lt "$JOBS" ] && [ "$next" -lt ${#JOB_LIST[@]} ]; do
            run_job "${JOB_LIST[$next]}" &
            RUNNING[$!]="${JOB_LIST[$next]}"
            echo "-- started: ${JOB_LIST[$next]} ($((SECONDS - T0))s)"
            next=$((next + 1))
        done
        wait -n 2>/dev/null || true
        for pid in "${!RUNNING[@]}"; do
            kill -0 "$pid" 2>/dev/null && continue
            wait "$pid" 2>/dev/null || true
            echo "-- ended: ${RUNNING[$pid]} ($((SECONDS - T0))s); its log:"
            show_job_logs "${RUNNING[$pid]}"
            unset "RUNNING[$pid]"
        done
    done
fi
for core in ${PYTEST_CORES[@]+"${PYTEST_CORES[@]}"}; do account_pytest "$core"; done
for core in ${SANITY_CORES[@]+"${SANITY_CORES[@]}"}; do account_sanity "$core"; done
if has "$STAGES" lint && [ "$LINT_READY" -eq 1 ]; then run_lint; fi
if has "$STAGES" build && has "$READY_CORES" 2.16; then run_build; fi
if has "$STAGES" galaxy && [ "$GALAXY_READY" -eq 1 ]; then run_galaxy; fi
if has "$STAGES" ee && [ "$EE_READY" -eq 1 ]; then run_ee; fi

banner "summary ($((SECONDS - T0))s; logs in tests/output/tools-test/)"
printf '%s\n' "${SUMMARY[@]}"
echo
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
