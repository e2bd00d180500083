#!/usr/bin/env bash
# End-to-end timing of the task runner against `wc -w` and the tutorial's Python rule, side by side.
#
#   benchmarks/run-e2e.sh [SOURCE_FILE]        (default: ../shared/data/kjvbible.txt next to the repo)
#
# Builds the runner in Release (its normal build output, launched as `dotnet TopNWords.TaskRunner.dll`,
# the way tasks launch it), makes SOURCE x10 and x100 in a temporary folder, times every command as a
# whole process (start-up included) RUNS times, round-robin so that noise hits all alike, and prints
# the median of each, the ratios, and the runner's peak RSS on both files.
#
# Environment: RUNS (default 7), TOPN (default 10), WORK_DIR (default: a new temporary folder, removed
# at the end), EXTRA_MODES=1 to also time the apphost, a ReadyToRun publish and a Native AOT publish.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source_file="${1:-$repo/../shared/data/kjvbible.txt}"
runs="${RUNS:-7}"
topn="${TOPN:-10}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

[ -f "$source_file" ] || { echo "error: source file '$source_file' not found (pass its path as the first argument)" >&2; exit 2; }
command -v python3 > /dev/null || { echo "error: python3 is needed for the comparison" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "error: /usr/bin/time is needed for peak RSS (apt-get install time)" >&2; exit 2; }

if [ -n "${WORK_DIR:-}" ]; then
  work="$WORK_DIR"
  mkdir -p "$work"
else
  work="$(mktemp -d "${TMPDIR:-/tmp}/topnwords-e2e.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
fi

echo "== building the runner (Release) into $work/runner"
dotnet build "$repo/src/TopNWords.TaskRunner" -c Release -o "$work/runner" --nologo -v quiet > "$work/build.log" 2>&1 \
  || { cat "$work/build.log"; exit 1; }

declare -a names=() commands=()
add() { names+=("$1"); commands+=("$2"); }

add "runner (dotnet TopNWords.TaskRunner.dll)" "dotnet $work/runner/TopNWords.TaskRunner.dll --filepath x10.txt --numwords $topn"
if [ "${EXTRA_MODES:-0}" = 1 ]; then
  add "runner (apphost)" "$work/runner/TopNWords.TaskRunner --filepath x10.txt --numwords $topn"
  if dotnet publish "$repo/src/TopNWords.TaskRunner" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
       -o "$work/r2r" --nologo -v quiet > "$work/r2r.log" 2>&1; then
    add "runner (ReadyToRun, apphost)" "$work/r2r/TopNWords.TaskRunner --filepath x10.txt --numwords $topn"
  else
    echo "   (ReadyToRun publish failed, skipped: see $work/r2r.log)"
  fi
  if dotnet publish "$repo/src/TopNWords.TaskRunner" -c Release -r linux-x64 -p:PublishAot=true \
       -o "$work/aot" --nologo -v quiet > "$work/aot.log" 2>&1; then
    add "runner (Native AOT)" "$work/aot/TopNWords.TaskRunner --filepath x10.txt --numwords $topn"
  else
    echo "   (Native AOT publish failed, skipped: see $work/aot.log)"
  fi
fi
wc_index=${#names[@]}
add "wc -w" "wc -w x10.txt"
# The tutorial task's rule, verbatim apart from reading the path and N from the command line.
python_rule='import collections,string,sys; f=sys.argv[1]; N=int(sys.argv[2]); text=open(f,encoding="utf-8").read(); c=collections.Counter(w.strip(string.punctuation) for w in text.split()); print(c.most_common(N))'
python_index=${#names[@]}
add "python3 (tutorial rule)" "python3 -c '$python_rule' x10.txt $topn"
startup_index=${#names[@]}
add "runner start-up only (--help)" "dotnet $work/runner/TopNWords.TaskRunner.dll --help"

echo "== making the inputs from $source_file"
cd "$work"
for _ in $(seq 10); do cat "$source_file"; done > x10.txt
for _ in $(seq 10); do cat x10.txt; done > x100.txt
size10=$(stat -c %s x10.txt)
size100=$(stat -c %s x100.txt)
printf '   x10: %s bytes, x100: %s bytes; %s runs each, round-robin, after one warm-up run\n' "$size10" "$size100" "$runs"

now_ns() { date +%s%N; }
declare -A samples=()
for i in "${!commands[@]}"; do (eval "exec ${commands[$i]}") > /dev/null; done # warm-up: page cache, host caches
for run in $(seq "$runs"); do
  for i in "${!commands[@]}"; do
    start=$(now_ns)
    (eval "exec ${commands[$i]}") > /dev/null
    end=$(now_ns)
    samples[$i]+="$(( (end - start) / 1000 )) "
  done
done

median_us() { tr ' ' '\n' <<< "$1" | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
declare -a medians=()
for i in "${!commands[@]}"; do medians[$i]=$(median_us "${samples[$i]}"); done

runner_us=${medians[0]}
wc_us=${medians[$wc_index]}
python_us=${medians[$python_index]}

echo
echo "== x10 ($(awk -v b="$size10" 'BEGIN {printf "%.1f", b / 1e6}') MB), whole process, median of $runs runs"
printf '%-44s %10s %10s %12s\n' "command" "median s" "MB/s" "all runs (s)"
for i in "${!commands[@]}"; do
  all=$(tr ' ' '\n' <<< "${samples[$i]}" | grep -v '^$' | awk '{printf "%.2f ", $1 / 1e6}')
  rate=$(awk -v u="${medians[$i]}" -v b="$size10" 'BEGIN {printf "%.0f", b / u}')
  [ "$i" = "$startup_index" ] && rate="-"
  printf '%-44s %10.3f %10s   %s\n' "${names[$i]}" "$(awk -v u="${medians[$i]}" 'BEGIN {print u / 1e6}')" "$rate" "$all"
done
echo
awk -v r="$runner_us" -v w="$wc_us" -v p="$python_us" 'BEGIN {
  printf "runner / wc -w   = %.2f  (at most 1.00 wanted: the runner is %.1fx as fast as wc -w)\n", r / w, w / r
  printf "python / runner  = %.1f  (at least 10 wanted)\n", p / r }'

peak_rss() { /usr/bin/time -v dotnet "$work/runner/TopNWords.TaskRunner.dll" --filepath "$1" --numwords "$topn" 2>&1 > /dev/null | awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}'; }
echo
echo "== peak RSS of the runner (/usr/bin/time -v, Maximum resident set size)"
printf '   x10  (%5.0f MB): %6.1f MB\n' "$(awk -v b="$size10" 'BEGIN {print b / 1e6}')" "$(awk -v k="$(peak_rss x10.txt)" 'BEGIN {print k / 1024}')"
printf '   x100 (%5.0f MB): %6.1f MB\n' "$(awk -v b="$size100" 'BEGIN {print b / 1e6}')" "$(awk -v k="$(peak_rss x100.txt)" 'BEGIN {print k / 1024}')"
echo
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
