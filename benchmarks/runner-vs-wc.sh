#!/usr/bin/env bash
# The Native AOT task runner against `wc -w` on the same large file, as whole processes, measured in the same run
# (issue 17: the runner must take at most a quarter of wc -w's time).
#
#   benchmarks/runner-vs-wc.sh [SOURCE_FILE]        (default: ../shared/data/kjvbible.txt next to the repo)
#
# Publishes the native runner (and the framework-dependent one, for reference) into a work folder with its own
# artifacts paths (see lib/runner-publish.sh), makes SOURCE concatenated COPIES times (kjvbible.txt x10 is 43 MB),
# then runs `wc -w FILE` and `TopNWords.TaskRunner --filepath FILE --numwords 10` alternately RUNS times (the
# managed runner too), and prints the median wall time of each, the ratio runner / wc -w and the runner's peak RSS.
# Exits 1 when the ratio is above MAX_RATIO.
#
# Environment: RUNS (default 7), COPIES (default 10), MAX_RATIO (default 0.25), WORK_DIR (default: a new temporary
# folder, removed at the end; a given one is kept, and its publishes are reused by the next run: delete
# WORK_DIR/native after changing the code).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source_file="${1:-$repo/../shared/data/kjvbible.txt}"
runs="${RUNS:-7}"
copies="${COPIES:-10}"
max_ratio="${MAX_RATIO:-0.25}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

[ -f "$source_file" ] || { echo "error: source file '$source_file' not found (pass its path as the first argument)" >&2; exit 2; }
command -v python3 > /dev/null || { echo "error: python3 is needed for the timing" >&2; exit 2; }
# shellcheck source=lib/runner-publish.sh
source "$repo/benchmarks/lib/runner-publish.sh" topnwords-vs-wc

publish native -r linux-x64 -p:PublishAot=true
publish managed -p:UseAppHost=false

mkdir -p "$work/run"
input="$work/run/input.txt"
echo "== making $input: $(basename "$source_file") x$copies"
: > "$input"
for _ in $(seq "$copies"); do cat "$source_file" >> "$input"; done

python3 - "$work" "$input" "$runs" "$max_ratio" <<'PY'
import os, shutil, statistics, subprocess, sys, time
work, input_file, runs, max_ratio = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
run = os.path.join(work, "run")
native = [os.path.join(work, "native", "TopNWords.TaskRunner"), "--filepath", input_file, "--numwords", "10"]
managed = ["dotnet", os.path.join(work, "managed", "TopNWords.TaskRunner.dll"), "--filepath", input_file, "--numwords", "10"]
wc = ["wc", "-w", input_file]
commands = {"wc -w": wc, "runner (Native AOT)": native, "runner (managed dll, reference)": managed}

def once(command):
    start = time.perf_counter_ns()
    subprocess.run(command, cwd=run, check=True, stdout=subprocess.DEVNULL)
    return (time.perf_counter_ns() - start) / 1e6

for command in commands.values():  # one warm-up each: the file and the executables in the page cache
    once(command)
samples = {name: [] for name in commands}
for _ in range(runs):
    for name, command in commands.items():
        samples[name].append(once(command))

size = os.path.getsize(input_file)
print(f"\n{os.path.basename(input_file)}: {size:,} bytes; whole process, median of {runs} (min .. max), alternating:")
medians = {}
for name, values in samples.items():
    medians[name] = statistics.median(values)
    print(f"  {name:34} {medians[name]:8.1f} ms  ({min(values):.1f} .. {max(values):.1f})")

# Peak RSS of one native run: /usr/bin/time -v when there, else the child's ru_maxrss from the kernel.
rss_kb = None
if shutil.which("/usr/bin/time"):
    done = subprocess.run(["/usr/bin/time", "-v"] + native, cwd=run, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in done.stderr.splitlines():
        if "Maximum resident set size" in line:
            rss_kb = int(line.split(":")[1])
if rss_kb is None:  # no /usr/bin/time: the last VmHWM (the kernel's peak RSS) read from /proc before the runner ends
    child = subprocess.Popen(native, cwd=run, stdout=subprocess.DEVNULL)
    rss_kb = 0
    while child.poll() is None:
        try:
            with open(f"/proc/{child.pid}/status") as status:
                rss_kb = max([rss_kb] + [int(line.split()[1]) for line in status if line.startswith("VmHWM:")])
        except OSError:
            break
        time.sleep(0.001)
    child.wait()
print(f"  runner (Native AOT) peak RSS        {rss_kb / 1024:8.1f} MiB")

ratio = medians["runner (Native AOT)"] / medians["wc -w"]
ok = ratio <= max_ratio
print(f"\nrunner / wc -w = {ratio:.3f} {'<=' if ok else '>'} {max_ratio:g}: {'OK' if ok else 'TOO SLOW'}"
      f"   (managed / wc -w = {medians['runner (managed dll, reference)'] / medians['wc -w']:.3f})")
sys.exit(0 if ok else 1)
PY
