#!/usr/bin/env bash
# ansible-test sanity for hardway.nodejoin, offline except for PyPI.
#
#   tests/sanity/run.sh                 all sanity tests on the newest ansible-core of the range
#   SANITY_CORE=oldest tests/sanity/run.sh   ... on the oldest (or SANITY_CORE=2.17: a X.Y of the range)
#   tests/sanity/run.sh --test pylint   extra arguments go to ansible-test sanity
#
# 1. The venv .venv-X.Y of that ansible-core (tests/range-venv: tests/ansible-core-range names
#    the versions and their Pythons, tests/requirements-range.txt the rest).
# 2. The checkout is built with ansible-galaxy (galaxy.yml's build_ignore applies) and the tarball
#    installed into a temp tree .../ansible_collections/hardway/nodejoin, as ansible-test requires;
#    the checkout's tests/ and benchmarks/ (not in the tarball) are added there.
# 3. ansible-test sanity --local runs there. It still makes one venv per test (cached under
#    .cache/sanity-home/.ansible/test/venv) and bootstraps pip into each with get-pip.py from its
#    CI file server, which is unreachable here: a stand-in (tests/sanity/get_pip_shim.py) is put
#    where ansible-test caches that script, and installs pip from a wheel fetched from PyPI.
# 4. ansible-doc renders every module and filter of the installed collection.
# Env: SANITY_CORE (oldest|newest|X.Y, default newest), SANITY_KEEP=1 keeps the temp tree.
# A broken cached per-test venv: rm -rf .cache/sanity-home (it is rebuilt from PyPI).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$ROOT/tests/sanity
CACHE=$ROOT/.cache
WHEELS=$CACHE/sanity-wheels
# ansible-test keeps its per-test venvs and the pip bootstrap script under ~/.ansible/test;
# a HOME of our own keeps them (and the stand-in script) out of the user's home.
SANITY_HOME=$CACHE/sanity-home
NAMESPACE=hardway
NAME=nodejoin

# Sanity tests skipped, each with the reason (none so far: every test runs offline here).
SKIP_TESTS=()

# The Makefile exports these for the checkout's own collection link; they must not leak in.
unset ANSIBLE_CONFIG PYTHONPATH ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS VIRTUAL_ENV PIP_REQUIRE_VIRTUALENV

log() { printf '[sanity] %s\n' "$*"; }

# One run at a time: two ansible-test runs sharing SANITY_HOME race creating the same per-test venvs.
mkdir -p "$CACHE"
exec 9>"$CACHE/sanity.lock"
if ! flock -n 9; then
    log "waiting for another tests/sanity/run.sh to finish"
    flock 9
fi

# --- 1. the venv ---------------------------------------------------------------------------
VENV=$("$ROOT/tests/range-venv" "${SANITY_CORE:-newest}")
PY_VERSION=$("$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
PY_PATH=$("$VENV/bin/python" -c 'import sys; print(sys.executable)')
export PATH=$VENV/bin:$PATH
log "ansible-core $(python -c 'from ansible.release import __version__; print(__version__)') on Python $PY_VERSION ($VENV)"

# --- the pip bootstrap stand-in --------------------------------------------------------------
pip_version=$(python - "$PY_VERSION" "$PY_PATH" <<'EOF'
from ansible_test._internal.host_configs import NativePythonConfig
from ansible_test._internal.python_requirements import get_venv_packages
import sys
print(get_venv_packages(NativePythonConfig(version=sys.argv[1], path=sys.argv[2]))['pip'])
EOF
)
pip_wheel=$WHEELS/pip-$pip_version-py3-none-any.whl
if [[ ! -f $pip_wheel ]]; then
    log "downloading pip $pip_version wheel from PyPI"
    python -m pip download -q --disable-pip-version-check --no-deps --only-binary :all: -d "$WHEELS" "pip==$pip_version"
fi
mkdir -p "$SANITY_HOME/.ansible/test/cache"
get_pip=$SANITY_HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py
sed "s#@PIP_WHEEL@#$pip_wheel#" "$HERE/get_pip_shim.py" > "$get_pip.new"
if cmp -s "$get_pip.new" "$get_pip"; then rm -f "$get_pip.new"; else mv "$get_pip.new" "$get_pip"; fi

# --- 2. build and install the collection -----------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/$NAMESPACE-$NAME-sanity.XXXXXX")
if [[ ${SANITY_KEEP:-0} == 1 ]]; then
    trap 'log "kept $TMP"' EXIT
else
    trap 'rm -rf "$TMP"' EXIT
fi
cd "$TMP"  # no ansible.cfg from the checkout
export ANSIBLE_COLLECTIONS_PATH=$TMP
log "ansible-galaxy collection build + install into $TMP"
ansible-galaxy collection build --output-path "$TMP/dist" "$ROOT" >/dev/null
ansible-galaxy collection install --force -p "$TMP" "$TMP"/dist/$NAMESPACE-$NAME-*.tar.gz >/dev/null
COLL=$TMP/ansible_collections/$NAMESPACE/$NAME
[[ -f $COLL/MANIFEST.json ]] || { echo "[sanity] collection not installed at $COLL" >&2; exit 1; }
# The tarball leaves out tests/ and benchmarks/ (users can't run them without lab/), but their
# Python and shell code is the project's too: put the checkout's tracked copies beside it, so
# sanity (pylint, pep8, shellcheck, ...) checks them and reads tests/sanity/ignore-X.Y.txt.
(cd "$ROOT" && git ls-files -z -- tests benchmarks | tar --null -T - -cf -) | tar -xf - -C "$COLL"

# --- 3. ansible-test sanity -------------------------------------------------------------------
skip_args=()
for t in "${SKIP_TESTS[@]}"; do skip_args+=(--skip-test "$t"); done
log "ansible-test sanity --python $PY_VERSION --local ${skip_args[*]} $*"
start=$(date +%s)
rc=0
(cd "$COLL" && HOME=$SANITY_HOME ansible-test sanity --python "$PY_VERSION" --local --color no \
    "${skip_args[@]}" "$@") 2>&1 | tee "$TMP/sanity.log" || rc=$?
log "ansible-test sanity exit $rc after $(( $(date +%s) - start )) s"
ran=$(sed -n 's/^Running sanity test "\([^"]*\)".*/\1/p' "$TMP/sanity.log" | sort -u | tr '\n' ' ')
log "tests run: ${ran:-none}"
log "tests skipped by this script: ${SKIP_TESTS[*]:-none}"

# --- 4. ansible-doc renders every plugin --------------------------------------------------------
doc_rc=0
plugins=()
for f in "$COLL"/plugins/modules/*.py; do
    [[ $(basename "$f") == __init__.py ]] || plugins+=("module $NAMESPACE.$NAME.$(basename "$f" .py)")
done
# filters: the names ansible-doc lists for the collection (one file may hold several)
filters=$(ansible-doc -t filter --list --json "$NAMESPACE.$NAME" \
    | python -c 'import json, sys; print("\n".join(sorted(json.load(sys.stdin))))') || filters=
[[ -n $filters ]] || { log "ansible-doc lists no filter of $NAMESPACE.$NAME"; doc_rc=1; }
for f in $filters; do plugins+=("filter $f"); done
for p in "${plugins[@]}"; do
    read -r type fqcn <<<"$p"
    if out=$(ansible-doc -t "$type" "$fqcn" 2>&1) && [[ $out != *"[WARNING]"* && $out != *"[ERROR]"* ]]; then
        log "ansible-doc -t $type $fqcn: ok"
    else
        log "ansible-doc -t $type $fqcn: FAILED"
        printf '%s\n' "$out" | tail -n 20
        doc_rc=1
    fi
done

if (( rc != 0 || doc_rc != 0 )); then
    log "FAILED (ansible-test sanity exit $rc, ansible-doc $( ((doc_rc)) && echo failed || echo ok ))"
    exit 1
fi
log "passed"
