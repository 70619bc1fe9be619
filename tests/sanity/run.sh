#!/usr/bin/env bash
# ansible-test sanity on a copy of the collection laid out as ansible_collections/webex_di/virtual_connect
# (ansible-test requires that layout). No ignore file: every test must pass as is.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$repo/.build/sanity/$$   # private copy: parallel runs must not share it
dest=$work/ansible_collections/webex_di/virtual_connect
rm -rf "$work"; mkdir -p "$dest"
trap 'rm -rf "$work"' EXIT
# the committed tree plus new, not-ignored files (what a release would contain)
(cd "$repo" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$dest")
# ansible-test bootstraps pip in its venvs with a script from a host we cannot reach: give it our shim.
pip_version=$(python3 -c 'from ansible_test._internal.python_requirements import get_venv_packages as g
class P: version = "3.11"
print(g(P())["pip"])')
mkdir -p ~/.ansible/test/cache
cp "$repo/tests/sanity/get_pip_shim.py" ~/.ansible/test/cache/get_pip_"${pip_version//./_}".py
cd "$dest"
git init -q . && git add -A >/dev/null 2>&1   # ansible-test lists files through git when it can
python_version=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
ansible-test sanity --color no --python "$python_version" --requirements "$@"
