#!/usr/bin/env bash
# Task runner start-up: the Native AOT executable (what the TopNWords.Batch package ships for linux-x64) against the
# framework-dependent runner (`dotnet TopNWords.TaskRunner.dll`, the package's managed/ build), as whole processes on a
# tiny file, and what a node's start task downloads with each way of staging the runner.
#
#   benchmarks/runner-startup.sh
#
# Publishes both builds (and, for the download figure, the old self-contained publish folder) into a temporary folder
# with its own artifacts paths (the repository's bin/ and obj/ are not touched), runs each RUNS times round-robin, and
# prints the medians. Exits 1 when the native median is above LIMIT_MS (the issue's budget).
#
# Environment: RUNS (default 20), LIMIT_MS (default 20), WORK_DIR (default: a new temporary folder, removed at the end;
# a given one is kept, and its publishes are reused by the next run).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${RUNS:-20}"
limit_ms="${LIMIT_MS:-20}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
command -v python3 > /dev/null || { echo "error: python3 is needed for the timing" >&2; exit 2; }
# shellcheck source=lib/runner-publish.sh
source "$repo/benchmarks/lib/runner-publish.sh" topnwords-startup

publish native -r linux-x64 -p:PublishAot=true
publish managed -p:UseAppHost=false
publish self-contained -r linux-x64 --self-contained

mkdir -p "$work/run"
printf 'the quick brown fox jumps over the lazy dog\nthe dog sleeps, the fox runs.\n' > "$work/run/tiny.txt"

python3 - "$work" "$runs" "$limit_ms" <<'PY'
import os, statistics, subprocess, sys, time
work, runs, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
run = os.path.join(work, "run")
commands = {
    "native (Native AOT, linux-x64)": [os.path.join(work, "native", "TopNWords.TaskRunner")],
    "managed (dotnet TopNWords.TaskRunner.dll)": ["dotnet", os.path.join(work, "managed", "TopNWords.TaskRunner.dll")],
}
args = ["--filepath", "tiny.txt", "--numwords", "3"]
samples = {name: [] for name in commands}
for name, command in commands.items():  # one warm-up each (disk cache)
    subprocess.run(command + args, cwd=run, check=True, stdout=subprocess.DEVNULL)
for _ in range(runs):
    for name, command in commands.items():
        start = time.perf_counter_ns()
        subprocess.run(command + args, cwd=run, check=True, stdout=subprocess.DEVNULL)
        samples[name].append((time.perf_counter_ns() - start) / 1e6)

def folder(path):
    files = [os.path.join(d, f) for d, _, names in os.walk(path) for f in names]
    return len(files), sum(os.path.getsize(f) for f in files)

print(f"\nwhole-process start-up on a tiny file, median of {runs} (min .. max):")
medians = {}
for name, values in samples.items():
    medians[name] = statistics.median(values)
    print(f"  {name:45} {medians[name]:7.1f} ms  ({min(values):.1f} .. {max(values):.1f})")
native_ms = medians["native (Native AOT, linux-x64)"]
print(f"  managed / native: {medians['managed (dotnet TopNWords.TaskRunner.dll)'] / native_ms:.1f}x")

native_file = os.path.join(work, "native", "TopNWords.TaskRunner")
n, b = folder(os.path.join(work, "self-contained"))
print("\nwhat each node's start task downloads:")
print(f"  before: self-contained publish folder      {n:4} files {b:>12,} bytes")
print(f"  after:  the native executable              {1:4} file  {os.path.getsize(native_file):>12,} bytes")
n, b = folder(os.path.join(work, "managed"))
print(f"  (managed runner, needs the .NET runtime:   {n:4} files {b:>12,} bytes, of which the package ships 4)")
dbg = native_file + ".dbg"
if os.path.exists(dbg):
    print(f"  (native symbols, not shipped: TopNWords.TaskRunner.dbg {os.path.getsize(dbg):,} bytes)")

ok = native_ms <= limit
print(f"\nnative median {native_ms:.1f} ms {'<=' if ok else '>'} {limit:g} ms: {'OK' if ok else 'OVER BUDGET'}")
sys.exit(0 if ok else 1)
PY
