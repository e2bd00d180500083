# Sourced by the task-runner benchmarks (runner-startup.sh, merge-counts.sh): the linux-x64 check, the work folder
# and publish(). Needs $repo; takes the folder prefix as $1.
#   WORK_DIR  a folder to keep (its publishes are reused by the next run); by default a new temporary one, removed at exit.
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || { echo "error: the native runner is built for linux-x64; this is $(uname -s)-$(uname -m)" >&2; exit 2; }

if [ -n "${WORK_DIR:-}" ]; then
  work="$WORK_DIR"
  mkdir -p "$work"
else
  work="$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
fi

project="$repo/src/TopNWords.TaskRunner"
publish() { # name, then publish arguments (skipped when WORK_DIR already holds that publish)
  local name="$1"; shift
  if [ -n "${WORK_DIR:-}" ] && [ -d "$work/$name" ]; then echo "== reusing $work/$name"; return; fi
  echo "== publishing $name"
  dotnet publish "$project" -c Release --artifacts-path "$work/artifacts-$name" -o "$work/$name" --nologo -v quiet --disable-build-servers "$@" \
    > "$work/$name.log" 2>&1 || { cat "$work/$name.log"; exit 1; }
}
