#!/usr/bin/env bash
# Whole-process timings of a resumed run next to an uninterrupted one, on the local default (issue 14):
# 200 generated files on 2 nodes x 2 slots. The interrupted run is killed with SIGKILL once half of its tasks
# have completed, then the same command (same --run-id, same --root) resumes it; its time is both processes'.
# Each figure is the median of 3. Usage: benchmarks/run-resume.sh
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

dotnet build -c Release "$repo/samples/TopNWords.Samples.Local" -o "$work/sample" >/dev/null
sample=(dotnet "$work/sample/TopNWords.Samples.Local.dll")
mkdir -p "$work/inputs"
for i in $(seq -w 0 199); do
  for _ in $(seq 20); do echo "alpha beta gamma delta $i epsilon zeta"; done > "$work/inputs/file$i.txt"
done
cd "$work"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
now() { date +%s%N; }

uninterrupted() {
  local start; start=$(now)
  "${sample[@]}" inputs --nodes 2 --slots 2 --root "$work/root-u-$1" >/dev/null 2>&1
  awk -v d=$(($(now) - start)) 'BEGIN {printf "%.3f\n", d / 1e9}'
}

resumed() {
  local id="resume-$1" root="$work/root-r-$1" start
  start=$(now)
  "${sample[@]}" inputs --nodes 2 --slots 2 --root "$root" --run-id "$id" >/dev/null 2>"$work/err-$1" &
  local pid=$!
  until [ "$(grep -c '^  done:' "$work/err-$1" 2>/dev/null || true)" -ge 100 ]; do sleep 0.02; done
  kill -9 "$pid"; wait "$pid" 2>/dev/null || true
  local done_before; done_before=$(grep -c '^  done:' "$work/err-$1")
  "${sample[@]}" inputs --nodes 2 --slots 2 --root "$root" --run-id "$id" >/dev/null 2>"$work/err2-$1"
  local done_after; done_after=$(grep -c '^  done:' "$work/err2-$1")
  echo "  run $1: $done_before tasks reported done before the kill; the resumed process collected $done_after" >&2
  awk -v d=$(($(now) - start)) 'BEGIN {printf "%.3f\n", d / 1e9}'
}

echo "uninterrupted (200 files, 2x2):            $(for i in 1 2 3; do uninterrupted "$i"; done | median) s"
echo "killed at 100 done + resumed (200 files):  $(for i in 1 2 3; do resumed "$i"; done | median) s"
