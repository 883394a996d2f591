#!/usr/bin/env bash
# The seed workflow, through bin/kapsel, exactly as one would do it with runc:
#   build a bundle (static hello-world + `kapsel spec --rootless`), add a
#   createContainer and a postStop hook, then create, list, state, start,
#   state, delete — showing which hook has run after each step.
# Works as root and as an unprivileged user. Usage:
#   bash examples/hello-world/run.sh [WORKDIR]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
kapsel="$repo/bin/kapsel"
# A WORKDIR given is kept (its bundle reused, e.g. by examples/embed);
# a temporary one is removed at exit.
keep=${1:-}
work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/kapsel-hello.XXXXXX")}
bundle="$work/bundle"
id="hello-$$"
# The hook files named in the seed workflow; an unprivileged user cannot
# remove root's copies, so it gets its own names.
# KAPSEL_HOOK_DIR puts them elsewhere (the tests do).
suffix=""
[ "$(id -u)" -eq 0 ] || suffix="-$(id -un)"
hook_dir=${KAPSEL_HOOK_DIR:-/tmp}
create_hook="$hook_dir/createContainerHook$suffix"
poststop_hook="$hook_dir/postStopHook$suffix"

bold="" plain=""
if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; fi
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; }
hooks() {
  for f in "$create_hook" "$poststop_hook"; do
    if [ -e "$f" ]; then echo "  $f: exists"; else echo "  $f: absent"; fi
  done
}

cleanup() {
  "$kapsel" delete --force "$id" >/dev/null 2>&1 || true
  [ -n "$keep" ] || rm -rf "$work"
}
trap 'cleanup' EXIT

mkdir -p "$bundle/rootfs/bin"
gcc -static -O2 -o "$bundle/rootfs/bin/hello-world" "$here/hello-world.c"
rm -f "$create_hook" "$poststop_hook"

step kapsel spec --rootless --bundle "$bundle"
"$kapsel" spec --rootless --bundle "$bundle"
node -e '
  const fs = require("fs");
  const [file, createHook, poststopHook] = process.argv.slice(1);
  const spec = JSON.parse(fs.readFileSync(file, "utf8"));
  spec.process.args = ["hello-world"];
  spec.process.terminal = false;
  // Spelled as the tutorial spells them: "postStop" is read as the spec
  // "poststop" (Go JSON decoding, and so runc, matches keys case-insensitively).
  spec.hooks = {
    createContainer: [{ path: "/usr/bin/touch", args: ["touch", createHook] }],
    postStop: [{ path: "/usr/bin/touch", args: ["touch", poststopHook] }],
  };
  fs.writeFileSync(file, JSON.stringify(spec, null, "\t"));
' "$bundle/config.json" "$create_hook" "$poststop_hook"

step kapsel create --bundle "$bundle" "$id"
"$kapsel" create --bundle "$bundle" "$id"
hooks

step kapsel list
"$kapsel" list

step kapsel state "$id"
"$kapsel" state "$id"

step kapsel start "$id"
"$kapsel" start "$id"
# start returns once hello-world runs; wait for it to finish.
for _ in $(seq 1 100); do
  "$kapsel" state "$id" | grep -q '"status": "stopped"' && break
  sleep 0.05
done

step kapsel state "$id"
"$kapsel" state "$id"
hooks

step kapsel delete "$id"
"$kapsel" delete "$id"
hooks

[ -e "$create_hook" ] && [ -e "$poststop_hook" ]
echo
echo "hello-world example: OK"
