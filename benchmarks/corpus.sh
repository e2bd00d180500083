#!/usr/bin/env bash
# The corpus top N on the local default, merge task vs client-side merge, for 1,000 and 10,000 files of 100 lines of
# kjvbible.txt (wall time and the bytes the client downloads; both ways must agree), with the Native AOT task runner.
#
#   benchmarks/corpus.sh [../shared/data/kjvbible.txt]      environment: FILES (default "1000,10000"), NODES, SLOTS (2, 2), WORK_DIR
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
text="$(realpath "${1:-$repo/../shared/data/kjvbible.txt}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
[ -f "$text" ] || { echo "error: input text '$text' not found; pass the path of kjvbible.txt" >&2; exit 2; }
# shellcheck source=lib/runner-publish.sh
source "$repo/benchmarks/lib/runner-publish.sh" topnwords-corpus

publish native -r linux-x64 -p:PublishAot=true
echo "== building the benchmark"
dotnet build "$repo/benchmarks/TopNWords.Batch.Benchmarks.Corpus" -c Release -o "$work/bench" --nologo -v quiet > "$work/bench.log" 2>&1 || { cat "$work/bench.log"; exit 1; }
# Where the package would put it, so that TaskApplication.TopNWordsTaskRunner() picks the native runner.
mkdir -p "$work/bench/topnwords-taskrunner/linux-x64"
cp "$work/native/TopNWords.TaskRunner" "$work/bench/topnwords-taskrunner/linux-x64/"
dotnet "$work/bench/TopNWords.Batch.Benchmarks.Corpus.dll" --text "$text" --files "${FILES:-1000,10000}" --nodes "${NODES:-2}" --slots "${SLOTS:-2}"
