#!/usr/bin/env bash
# Scale of the local default (local folder storage, local processes): many small inputs through the local sample
# (Release, 2 nodes x 2 slots, the Native AOT task runner), against `xargs -P 4` running the task runner directly on
# the same files. Each input is a consecutive slice of kjvbible.txt (wrapping around at its end).
#
#   benchmarks/scale.sh [--quick] [--files N] [--data PATH]
#   benchmarks/scale.sh --emulator [--quick] [--files N]
#
# Default set (a few minutes):
#   400 files x 200 lines   sample   vs  xargs -P 4 dotnet TopNWords.TaskRunner.dll   (target: sample <= 0.25 x)
#   1,000 files x 100 lines sample
#   2,000 files x 100 lines sample   vs  xargs -P 4 native runner                     (target: sample <= 1.5 x)
#   10,000 files x 100 lines sample                                                   (target: wall <= 120 s)
# --quick: 200 files x 100 lines (sample vs xargs native) and 100 files x 200 lines (vs the managed runner).
# --files N: only N files x 100 lines, sample vs xargs native.
# --emulator [options]: the same inputs through the Azure path offline instead (Batch emulator + Azurite, each its own
#   process): runs benchmarks/scale-emulator.sh with the options that follow (--files N, --quick; see its --help).
#
# Per row: wall time, tasks/s, the client's peak RSS (VmHWM) and own CPU time (utime + stime of the client process,
# its children excluded; read from /proc while it runs). The sample's top words are checked against the runner's
# own output for every file of the runs up to 2,000 files and for 500 files spread over larger runs: the script
# fails on a difference.
#
# The sample built from this repository references the TopNWords.TaskRunner project, which puts only the managed runner
# next to it; the script copies the Native AOT runner it publishes (benchmarks/lib/runner-publish.sh) to
# topnwords-taskrunner/linux-x64/ in the sample's output, where the TopNWords.Batch package puts it, so that
# TaskApplication.TopNWordsTaskRunner() picks it; each row says which runner the tasks ran (from the local compute's journal).
#
# Environment: WORK_DIR (default: a new temporary folder, removed at the end; a given one is kept and its
# publishes and inputs are reused), DATA (default /work/shared/data/kjvbible.txt, or --data).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "${1:-}" = "--emulator" ]; then
  shift
  exec "$repo/benchmarks/scale-emulator.sh" "$@"
fi
data="${DATA:-/work/shared/data/kjvbible.txt}"
mode=default
files=
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) mode=quick; shift ;;
    --files) files="${2:?--files needs a number}"; mode=files; shift 2 ;;
    --data) data="${2:?--data needs a path}"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ -f "$data" ] || { echo "error: the text '$data' does not exist; pass --data PATH (kjvbible.txt)" >&2; exit 2; }
command -v python3 > /dev/null || { echo "error: python3 is needed for the measurements" >&2; exit 2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# shellcheck source=lib/runner-publish.sh
source "$repo/benchmarks/lib/runner-publish.sh" topnwords-scale
publish native -r linux-x64 -p:PublishAot=true
publish managed -p:UseAppHost=false

echo "== building the local sample (Release)"
dotnet build -c Release "$repo/samples/TopNWords.Samples.Local" -o "$work/sample" --nologo -v quiet > "$work/sample.log" 2>&1 || { cat "$work/sample.log"; exit 1; }
mkdir -p "$work/sample/topnwords-taskrunner/linux-x64"
cp "$work/native/TopNWords.TaskRunner" "$work/sample/topnwords-taskrunner/linux-x64/TopNWords.TaskRunner"

case "$mode" in
  quick) cases="200:100:native 100:200:managed" ;;
  files) cases="$files:100:native" ;;
  *) cases="400:200:managed 1000:100:- 2000:100:native 10000:100:-" ;;
esac

python3 - "$repo/benchmarks/lib" "$work" "$data" $cases <<'PY'
import sys; sys.path.insert(0, sys.argv.pop(1))  # benchmarks/lib
from scale_inputs import proc_read, read_lines
import scale_inputs
import os, shutil, subprocess, sys, time

work, data, cases = sys.argv[1], sys.argv[2], sys.argv[3:]
sample = os.path.join(work, "sample", "TopNWords.Samples.Local")
native = os.path.join(work, "native", "TopNWords.TaskRunner")
managed = ["dotnet", os.path.join(work, "managed", "TopNWords.TaskRunner.dll")]
lines = read_lines(data)

def make_inputs(count, per):  # WORK/in-COUNTxPER, shared with the other scale script
    return scale_inputs.make_inputs(work, lines, count, per)

def run_sample(folder, count):
    run = os.path.join(work, f"run-{count}")
    shutil.rmtree(run, ignore_errors=True)
    os.makedirs(run)
    out_path = os.path.join(run, "stdout.txt")
    with open(out_path, "wb") as out, open(os.path.join(run, "stderr.txt"), "wb") as err:
        start = time.perf_counter()
        p = subprocess.Popen([sample, folder, "--nodes", "2", "--slots", "2", "--numwords", "3", "--root", os.path.join(run, "root")], cwd=run, stdout=out, stderr=err)
        cpu, hwm = 0.0, 0
        while p.poll() is None:
            r = proc_read(p.pid)
            if r:  # a zombie (exited, not yet reaped) has no VmHWM: keep the largest values seen
                cpu, hwm = max(cpu, r[0]), max(hwm, r[1])
            time.sleep(0.1)
        wall = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"the sample failed (exit code {p.returncode}); see {run}/stderr.txt")
    journal = os.path.join(run, "root", "compute", "state", "journal.jsonl")
    runner = "?"
    if os.path.exists(journal):
        with open(journal, encoding="utf-8") as f:
            text = f.read()
        runner = "managed" if "TopNWords.TaskRunner.dll" in text else "native" if "TopNWords.TaskRunner" in text else "?"
    results = {}
    name = None
    with open(out_path, encoding="utf-8") as f:
        for line in f:
            if not line.startswith(" ") and "(task " in line:
                name = line.split(" (task ", 1)[0]
                results[name] = []
            elif line.startswith("  ") and name is not None and ": " in line:
                word, n = line.strip().rsplit(": ", 1)
                results[name].append((word, int(n)))
    return wall, cpu, hwm, runner, results

def run_xargs(folder, command):
    scratch = os.path.join(work, "xargs")
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    names = "\n".join(os.path.join(folder, n) for n in sorted(os.listdir(folder))) + "\n"
    start = time.perf_counter()
    subprocess.run(["xargs", "-P", "4", "-I{}", *command, "--filepath", "{}", "--numwords", "3"], input=names.encode(), cwd=scratch, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start, scratch

rows = []
for spec in cases:
    count, per, against = spec.split(":")
    count, per = int(count), int(per)
    folder = make_inputs(count, per)
    print(f"== {count} files x {per} lines", flush=True)
    wall, cpu, hwm, runner, results = run_sample(folder, count)
    scratch, ref_wall, ref_name = None, None, None
    if against != "-":
        command = [native] if against == "native" else managed
        ref_name = "xargs -P 4 " + ("native runner" if against == "native" else "dotnet TopNWords.TaskRunner.dll")
        ref_wall, scratch = run_xargs(folder, command)
    checked = scale_inputs.check_outputs(work, folder, results, count, native, scratch, "the sample")
    rows.append((count, per, wall, cpu, hwm, runner, ref_name, ref_wall, checked))

print()
print("| files x lines | sample wall s | tasks/s | client peak RSS MB | client CPU s | tasks ran | same files: xargs -P 4 | xargs wall s | sample / xargs | outputs checked |")
print("|---|---:|---:|---:|---:|---|---|---:|---:|---:|")
for count, per, wall, cpu, hwm, runner, ref_name, ref_wall, checked in rows:
    ratio = f"{wall / ref_wall:.2f}" if ref_wall else "–"
    print(f"| {count:,} x {per} | {wall:.1f} | {count / wall:.0f} | {hwm / 1024:.0f} | {cpu:.1f} | {runner} | {ref_name or '–'} | {f'{ref_wall:.1f}' if ref_wall else '–'} | {ratio} | {checked:,} exact |")
print()
# The targets are set for 400 x 200 (vs the managed runner) and 2,000 x 100 (vs the native runner); a smaller run (--quick, or
# --files below 2,000) is dominated by the run's fixed cost (the client's start-up, the pool's nodes), so it gets its ratio only.
for count, per, wall, cpu, hwm, runner, ref_name, ref_wall, checked in rows:
    if ref_name and "dll" in ref_name:
        verdict = ('OK' if wall <= 0.25 * ref_wall else 'MISSED') if count >= 400 and per >= 200 else 'not judged: the target is set for 400 x 200'
        print(f"target (b) {count} x {per}: sample / managed xargs = {wall / ref_wall:.2f} (<= 0.25: {verdict})")
    elif ref_name:
        verdict = ('OK' if wall <= 1.5 * ref_wall else 'MISSED') if count >= 2000 else 'not judged: the target is set for 2,000 files'
        print(f"target (a) {count} x {per}: sample / native xargs = {wall / ref_wall:.2f} (<= 1.5: {verdict})")
    if count >= 10000:
        print(f"target (c) {count} files: wall {wall:.0f} s (<= 120 s: {'OK' if wall <= 120 else 'MISSED'})")
print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end")
PY
