# Sourced by the task-runner benchmarks (runner-startup.sh, merge-counts.sh): the linux-x64 check, the work folder
# and publish(). Needs $repo; takes the folder prefix as $1.
#   WORK_DIR  a folder to keep (its publishes are reused by the next run while no source changed since); by default a new temporary one, removed at exit.
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || { echo "error: the native runner is built for linux-x64; this is $(uname -s)-$(uname -m)" >&2; exit 2; }

if [ -n "${WORK_DIR:-}" ]; then
  work="$WORK_DIR"
  mkdir -p "$work"
else
  work="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
fi

project="$repo/src/TopNWords.TaskRunner"

# reusable <folder>: WORK_DIR holds a build in <folder> made after the last change to any source of the repository
# (a build from older code is made again: its figures would not be this code's).
reusable() {
  [ -n "${WORK_DIR:-}" ] && [ -f "$1/.built" ] || return 1
  [ -z "$(find "$repo/src" "$repo/benchmarks" "$repo"/Directory.*.props "$repo"/Directory.*.targets -newer "$1/.built" \
    \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.targets' \) -not -path '*/obj/*' -not -path '*/bin/*' -print -quit 2>/dev/null)" ]
}

publish() { # name, then publish arguments (skipped when WORK_DIR already holds that publish of the current code)
  local name="$1"; shift
  if reusable "$work/$name"; then echo "== reusing $work/$name"; return; fi
  echo "== publishing $name"
  dotnet publish "$project" -c Release --artifacts-path "$work/artifacts-$name" -o "$work/$name" --nologo -v quiet --disable-build-servers "$@" \
    > "$work/$name.log" 2>&1 || { cat "$work/$name.log"; exit 1; }
  touch "$work/$name/.built"
}
