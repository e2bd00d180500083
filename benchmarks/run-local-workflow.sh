#!/usr/bin/env bash
# Whole-process timings of the local sample (the embedded default: local folder storage, local processes):
#   1. the tutorial's three files (the README's main job), median of 5 runs;
#   2. 200 generated files on 2 nodes x 2 slots, median of 3 runs;
#   3. with --azurite: the tutorial run again, staging through Azure Blob storage on a local Azurite.
# Usage: benchmarks/run-local-workflow.sh [--azurite]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"; [ -n "${azurite_pid:-}" ] && kill "$azurite_pid" 2>/dev/null || true' EXIT

dotnet build -c Release "$repo/samples/TopNWords.Samples.Local" -o "$work/sample" >/dev/null
sample=(dotnet "$work/sample/TopNWords.Samples.Local.dll")

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
time_runs() { # n, then the command
  local n=$1; shift
  for _ in $(seq "$n"); do
    local start end
    start=$(date +%s%N); "$@" >/dev/null 2>&1 || { echo "run failed: $*" >&2; exit 1; }; end=$(date +%s%N)
    awk -v d=$((end - start)) 'BEGIN {printf "%.3f\n", d / 1e9}'
  done | median
}

cd "$work"
echo "tutorial (3 files, 2 nodes):             $(time_runs 5 "${sample[@]}") s"

mkdir -p "$work/inputs"
for i in $(seq -w 0 199); do
  for _ in $(seq 20); do echo "alpha beta gamma delta $i epsilon zeta"; done > "$work/inputs/file$i.txt"
done
echo "200 files (2 nodes x 2 slots):           $(time_runs 3 "${sample[@]}" "$work/inputs" --nodes 2 --slots 2) s"

if [ "${1:-}" = "--azurite" ]; then
  azurite="$repo/eng/azurite/node_modules/azurite/dist/src/blob/main.js"
  [ -f "$azurite" ] || (cd "$repo/eng/azurite" && npm ci --no-audit --no-fund >/dev/null)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  node "$azurite" --blobHost 127.0.0.1 --blobPort "$port" --inMemoryPersistence --disableTelemetry --skipApiVersionCheck --loose --silent &
  azurite_pid=$!
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.2; done
  # Azurite's published development account key (not a secret).
  export TOPNWORDS_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$port/devstoreaccount1;"
  echo "tutorial through Azurite (3 files):      $(time_runs 5 "${sample[@]}") s"
fi
