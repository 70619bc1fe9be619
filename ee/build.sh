#!/usr/bin/env bash
# Build context (create) or image (build) of the execution environment in ee/execution-environment.yml.
#   ee/build.sh create [-c DIR]        ansible-builder create: Containerfile + _build/ (no engine needed)
#   ee/build.sh build  [-c DIR] [-t TAG] [--container-runtime podman|docker]
# First builds this checkout's collection tarball into ee/collections/ (the EE installs it from there).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cmd=${1:?usage: ee/build.sh create|build [ansible-builder options]}
shift
case "$cmd" in create|build) ;; *) echo "ee/build.sh: unknown command '$cmd' (create or build)" >&2; exit 2;; esac
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ansible-galaxy collection build --force --output-path "$out" "$repo" >/dev/null
mkdir -p "$here/collections"
tarball=$(ls "$out"/webex_di-virtual_connect-*.tar.gz)
cp "$tarball" "$here/collections/webex_di-virtual_connect.tar.gz"
echo "ee: collection $(basename "$tarball") -> ee/collections/webex_di-virtual_connect.tar.gz"
args=()
has_context=no
for a in "$@"; do [ "$a" = "-c" ] || [ "$a" = "--context" ] && has_context=yes; done
[ "$has_context" = yes ] || args+=(--context "$here/context")
exec ansible-builder "$cmd" --file "$here/execution-environment.yml" "${args[@]}" "$@"
