#!/usr/bin/env bash
# Corpus top N by merging count files: how long `TopNWords.TaskRunner --merge` takes and how much memory it needs for
# 1,000 and 10,000 small count files, and how big a count file is next to its input.
#
#   benchmarks/merge-counts.sh [../shared/data/kjvbible.txt]
#
# Inputs: the text cut into 100-line files (LINES); input i is piece i mod P, P the number of pieces (999 for
# kjvbible.txt), so 10,000 inputs are the text 10 times over. The Native AOT runner counts each piece once with
# --counts; a repeated piece's count file is a copy of its first one (counting it again gives the same bytes). Each
# merge reads its count files from a list file (--inputs-from) and is checked against counting the concatenation of
# its inputs (a line break after each input) with the same runner: the top N must be the same, and the merged counts
# file (--counts-output) must equal the concatenation's byte for byte.
#
# Prints, per number of inputs and runner (native, and managed `dotnet TopNWords.TaskRunner.dll`): the median wall
# time of RUNS merges (default 3) and the peak RSS (/usr/bin/time). Environment: RUNS, LINES (default 100), SIZES
# (default "1000 10000"), WORK_DIR (default: a new temporary folder, removed at the end; a given one is kept and its
# publishes are reused).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
text="${1:-$repo/../shared/data/kjvbible.txt}"
runs="${RUNS:-3}"
lines="${LINES:-100}"
sizes="${SIZES:-1000 10000}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
[ -f "$text" ] || { echo "error: input text '$text' not found; pass the path of kjvbible.txt" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "error: /usr/bin/time (GNU time) is needed for the peak RSS" >&2; exit 2; }
# shellcheck source=lib/runner-publish.sh
source "$repo/benchmarks/lib/runner-publish.sh" topnwords-merge

publish native -r linux-x64 -p:PublishAot=true
publish managed -p:UseAppHost=false
native="$work/native/TopNWords.TaskRunner"

echo "== cutting $(basename "$text") into $lines-line pieces and counting each (native runner, --counts)"
rm -rf "$work/pieces" && mkdir -p "$work/pieces"
(cd "$work/pieces" && split -l "$lines" -a 5 -d --additional-suffix=.txt "$text" piece)
pieces=("$work"/pieces/piece*.txt)
start=$(date +%s.%N)
(cd "$work/pieces" && for p in piece*.txt; do "$native" --filepath "$p" --numwords 10 --counts > /dev/null; done)
end=$(date +%s.%N)
echo "   ${#pieces[@]} pieces counted in $(python3 -c "print(f'{$end - $start:.1f}')") s"

echo "== making the inputs' count files, list files and concatenations"
python3 - "$work" $sizes <<'PY'
import glob, os, shutil, sys
work, sizes = sys.argv[1], [int(s) for s in sys.argv[2:]]
pieces = sorted(glob.glob(os.path.join(work, "pieces", "piece*[0-9].txt")))
for n in sizes:
    d = os.path.join(work, f"in{n}")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with open(os.path.join(d, "inputs.lst"), "w") as lst, open(os.path.join(d, "concatenation.txt"), "wb") as cat, \
         open(os.path.join(d, "pieces.lst"), "w") as used:
        for i in range(n):
            piece = pieces[i % len(pieces)]
            shutil.copyfile(piece[:-4] + "_COUNTS.txt", os.path.join(d, f"input{i:05d}_COUNTS.txt"))
            lst.write(f"input{i:05d}_COUNTS.txt\n")
            used.write(piece + "\n")
            with open(piece, "rb") as f:
                cat.write(f.read())
            cat.write(b"\n")  # the concatenation puts a line break after each input
PY
for n in $sizes; do
  (cd "$work/in$n" && "$native" --filepath concatenation.txt --numwords 20 --counts > /dev/null)
done

python3 - "$work" "$runs" "${#pieces[@]}" $sizes <<'PY'
import os, statistics, subprocess, sys
work, runs, npieces, sizes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), [int(s) for s in sys.argv[4:]]
runners = {
    "native": [os.path.join(work, "native", "TopNWords.TaskRunner")],
    "managed": ["dotnet", os.path.join(work, "managed", "TopNWords.TaskRunner.dll")],
}
def words(path):
    return open(path, encoding="utf-8").read().split("------------------------------")[1]
rows = []
for n in sizes:
    d = os.path.join(work, f"in{n}")
    count_bytes = sum(os.path.getsize(os.path.join(d, f"input{i:05d}_COUNTS.txt")) for i in range(n))
    input_bytes = sum(os.path.getsize(l.strip()) for l in open(os.path.join(d, "pieces.lst")))
    for name, cmd in runners.items():
        walls, rss = [], []
        for _ in range(runs):
            r = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + cmd + ["--merge", "--numwords", "20", "--inputs-from", "inputs.lst",
                               "--output", "merged_OUTPUT.txt", "--counts-output", "merged_COUNTS.txt"],
                               cwd=d, capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(f"merge of {n} failed: {r.stderr}")
            e, m = r.stderr.strip().splitlines()[-1].split()
            walls.append(float(e)); rss.append(int(m) / 1024)
        assert words(os.path.join(d, "merged_OUTPUT.txt")) == words(os.path.join(d, "concatenation_OUTPUT.txt")), f"{n}: top N differs"
        assert open(os.path.join(d, "merged_COUNTS.txt"), "rb").read() == open(os.path.join(d, "concatenation_COUNTS.txt"), "rb").read(), f"{n}: counts differ"
        rows.append((n, name, statistics.median(walls), min(walls), max(walls), max(rss), count_bytes, input_bytes))
print()
print(f"merge of N count files (of {npieces} distinct pieces), median of {runs} runs; every merge equals counting the concatenation")
print()
print("| inputs | runner | merge wall s (median) | min..max | per file ms | peak RSS MB | count files MB | inputs MB | counts / input |")
print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
for n, name, med, lo, hi, rss, cb, ib in rows:
    print(f"| {n:,} | {name} | {med:.2f} | {lo:.2f}..{hi:.2f} | {med * 1000 / n:.2f} | {rss:.0f} | {cb / 1e6:.2f} | {ib / 1e6:.2f} | {cb / ib:.2f} |")
PY
