#!/usr/bin/env bash
# Scale of the whole Azure path offline: many small inputs through BatchWorkflow on AzureBlobStorage (Azurite, from
# eng/azurite) and AzureBatchCompute (the Batch emulator, src/TopNWords.Batch.Emulator), each its own process on
# 127.0.0.1, so that the client's, the emulator's and Azurite's memory are measured apart. The inputs are those of
# scale.sh (consecutive 100-line slices of kjvbible.txt, wrapping around at its end; the same folder layout, so a
# WORK_DIR shared with scale.sh reuses them).
#
#   benchmarks/scale-emulator.sh [--files N] [--quick] [--nodes 2] [--slots 2] [--poll-ms 1000] [--data PATH]
#
# Default: 1,000 then 10,000 files x 100 lines (several minutes on 2 cores). --quick: 200 files. --files N: N files.
#
# The client is benchmarks/TopNWords.Batch.Benchmarks.Emulator in its 'scale' mode (Release): one run of the folder,
# 2 nodes x 2 slots, top 3 words, cleanup of the pool, job and containers at the end. The tasks run the Native AOT
# task runner that benchmarks/lib/runner-publish.sh publishes (AzureTaskApplications.LinuxTaskRunner: one ELF file,
# staged through Azurite and copied to the nodes by the pool's start task); each row says which runner the nodes ran,
# from the copy in a node's shared folder compared with the published file.
#
# Per row: wall time of the run (stage by stage), tasks/s, peak RSS (VmHWM) and own CPU time (utime + stime, children
# excluded) of the client, the emulator and Azurite, read from /proc while they run; Batch requests per operation
# (the emulator's /admin/requests) and Blob requests per method and kind (a pipeline policy of the client's Blob
# client; the nodes' own downloads and uploads are not in it), each also per file. The top words are checked against
# the runner run directly on the same files (every file up to 2,000 files, 500 spread over larger runs): the script
# fails on a difference.
#
# Secrets: the emulator's and Azurite's keys are made per run and passed through the environment, never on a command
# line (Azurite serves only the run's own account, through AZURITE_ACCOUNTS).
# Environment: WORK_DIR (default: a new temporary folder, removed at the end; a given one is kept and its publishes,
# builds and inputs are reused), DATA (default /work/shared/data/kjvbible.txt, or --data).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${DATA:-/work/shared/data/kjvbible.txt}"
counts="1000 10000"
nodes=2
slots=2
poll_ms=1000
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) counts="200"; shift ;;
    --files) counts="${2:?--files needs a number}"; shift 2 ;;
    --nodes) nodes="${2:?--nodes needs a number}"; shift 2 ;;
    --slots) slots="${2:?--slots needs a number}"; shift 2 ;;
    --poll-ms) poll_ms="${2:?--poll-ms needs a number}"; shift 2 ;;
    --data) data="${2:?--data needs a path}"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ -f "$data" ] || { echo "error: the text '$data' does not exist; pass --data PATH (kjvbible.txt)" >&2; exit 2; }
command -v python3 > /dev/null || { echo "error: python3 is needed for the measurements" >&2; exit 2; }
command -v node > /dev/null || { echo "error: Node.js is needed for Azurite (eng/azurite)" >&2; exit 2; }
azurite="$repo/eng/azurite/node_modules/azurite/dist/src/blob/main.js"
if [ ! -f "$azurite" ]; then
  echo "== installing Azurite (npm ci in eng/azurite)"
  (cd "$repo/eng/azurite" && npm ci --no-audit --no-fund > /dev/null)
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# shellcheck source=lib/runner-publish.sh
source "$repo/benchmarks/lib/runner-publish.sh" topnwords-scale-emulator
publish native -r linux-x64 -p:PublishAot=true

build() { # name, project (skipped when WORK_DIR already holds that build of the current code)
  if reusable "$work/$1"; then echo "== reusing $work/$1"; return; fi
  echo "== building $1 (Release)"
  dotnet build -c Release "$repo/$2" -o "$work/$1" --nologo -v quiet > "$work/$1.log" 2>&1 || { cat "$work/$1.log"; exit 1; }
  touch "$work/$1/.built"
}
build emulator src/TopNWords.Batch.Emulator
build client benchmarks/TopNWords.Batch.Benchmarks.Emulator

python3 - "$repo/benchmarks/lib" "$work" "$data" "$azurite" "$nodes" "$slots" "$poll_ms" $counts <<'PY'
import sys; sys.path.insert(0, sys.argv.pop(1))  # benchmarks/lib
from scale_inputs import proc_read, read_lines
import scale_inputs
import base64, json, os, shutil, signal, socket, subprocess, sys, time, filecmp, glob

work, data, azurite_js, nodes, slots, poll_ms = sys.argv[1:7]
counts = [int(c) for c in sys.argv[7:]]
native = os.path.join(work, "native", "TopNWords.TaskRunner")
emulator_exe = os.path.join(work, "emulator", "TopNWords.Batch.Emulator")
client_exe = os.path.join(work, "client", "TopNWords.Batch.Benchmarks.Emulator")
STORAGE_ACCOUNT = "scalestorage"  # Azurite serves only this account (AZURITE_ACCOUNTS), with a key made per run
ACCOUNT = "scaleaccount"
lines = read_lines(data)

def make_inputs(count, per):  # WORK/in-COUNTxPER, shared with the other scale script
    return scale_inputs.make_inputs(work, lines, count, per)

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

def start_azurite(run, storage_key):
    for _ in range(3):
        port = free_port()
        log = open(os.path.join(run, "azurite.log"), "wb")
        p = subprocess.Popen(["node", azurite_js, "--blobHost", "127.0.0.1", "--blobPort", str(port), "--inMemoryPersistence",
                              "--disableTelemetry", "--skipApiVersionCheck", "--loose", "--silent"],
                             env=dict(os.environ, AZURITE_ACCOUNTS=f"{STORAGE_ACCOUNT}:{storage_key}"),
                             stdout=log, stderr=subprocess.STDOUT, cwd=run)
        deadline = time.time() + 90
        while time.time() < deadline and p.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                return p, port
            except OSError:
                time.sleep(0.1)
        stop(p)
    sys.exit(f"Azurite did not start; see {run}/azurite.log")

def start_emulator(run, key):
    env = dict(os.environ, TOPNWORDS_BATCH_EMULATOR_KEY=key)
    err = open(os.path.join(run, "emulator.log"), "wb")
    p = subprocess.Popen([emulator_exe, "--port", "0", "--account", ACCOUNT, "--working-directory", os.path.join(run, "emulator")],
                         env=env, stdout=subprocess.PIPE, stderr=err, cwd=run)
    line = p.stdout.readline().decode().strip()
    if not line.startswith("listening on "):
        stop(p)
        sys.exit(f"the emulator did not start ('{line}'); see {run}/emulator.log")
    return p, line[len("listening on "):]

def which_runner(run):
    # The start task copies the application into each node's shared folder: compare its copy with the published file.
    for folder in glob.glob(os.path.join(run, "emulator", "pools", "*", "nodes", "*", "shared", "*")):
        try:
            names = os.listdir(folder)
            if "TopNWords.TaskRunner.dll" in names:
                return "managed"
            if "TopNWords.TaskRunner" in names:
                return "native" if filecmp.cmp(os.path.join(folder, "TopNWords.TaskRunner"), native, shallow=False) else "other"
        except OSError:
            pass
    return None

def run_case(count):
    folder = make_inputs(count, 100)
    run = os.path.join(work, f"run-{count}")
    shutil.rmtree(run, ignore_errors=True)
    os.makedirs(os.path.join(run, "out"))
    key = base64.b64encode(os.urandom(32)).decode()
    storage_key = base64.b64encode(os.urandom(64)).decode()
    azurite, port = start_azurite(run, storage_key)
    emulator, url = start_emulator(run, key)
    watched = {"client": None, "emulator": emulator.pid, "azurite": azurite.pid}
    peak = {name: (0.0, 0) for name in watched}
    runner = None
    try:
        env = dict(os.environ, TOPNWORDS_BATCH_KEY=key,
                   TOPNWORDS_STORAGE_CONNECTION_STRING=f"DefaultEndpointsProtocol=http;AccountName={STORAGE_ACCOUNT};AccountKey={storage_key};BlobEndpoint=http://127.0.0.1:{port}/{STORAGE_ACCOUNT};")
        with open(os.path.join(run, "client.log"), "wb") as log:
            start = time.perf_counter()
            client = subprocess.Popen([client_exe, "scale", "--input", folder, "--batch-url", url, "--account", ACCOUNT, "--runner", native,
                                       "--out", os.path.join(run, "out"), "--nodes", nodes, "--slots", slots, "--numwords", "3", "--poll-ms", poll_ms],
                                      env=env, stdout=log, stderr=subprocess.STDOUT, cwd=run)
            watched["client"] = client.pid
            while client.poll() is None:
                for name, pid in watched.items():
                    r = proc_read(pid)
                    if r:  # a zombie has no VmHWM: keep the largest values seen
                        peak[name] = (max(peak[name][0], r[0]), max(peak[name][1], r[1]))
                if runner in (None, "other"):  # "other" may be a copy in progress
                    runner = which_runner(run)
                time.sleep(0.2)
            process_wall = time.perf_counter() - start
        for name in ("emulator", "azurite"):
            r = proc_read(watched[name])
            if r:
                peak[name] = (max(peak[name][0], r[0]), max(peak[name][1], r[1]))
    finally:
        for p in (emulator, azurite):
            stop(p)
    if client.returncode != 0:
        with open(os.path.join(run, "client.log"), errors="replace") as f:
            sys.stdout.write(f.read()[-4000:])
        sys.exit(f"the client failed (exit code {client.returncode}); see {run}/client.log and {run}/out/results.tsv")
    with open(os.path.join(run, "out", "report.json")) as f:
        report = json.load(f)
    results = {}
    with open(os.path.join(run, "out", "results.tsv"), encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            results[parts[0]] = [(w.rsplit(":", 1)[0], int(w.rsplit(":", 1)[1])) for w in parts[1:]]
    checked = scale_inputs.check_outputs(work, folder, results, count, native, who="the workflow")
    shutil.rmtree(os.path.join(run, "out", "download"), ignore_errors=True)
    shutil.rmtree(os.path.join(run, "emulator"), ignore_errors=True)
    return dict(count=count, report=report, peak=peak, runner=runner or "?", checked=checked, process_wall=process_wall, load=os.getloadavg()[0])

rows = []
for count in counts:
    print(f"== {count} files x 100 lines through emulator + Azurite ({nodes} nodes x {slots} slots)", flush=True)
    rows.append(run_case(count))

STAGES = [("Staging", "staging"), ("CreatingPool", "pool"), ("AddingTasks", "add"), ("Monitoring", "monitor"), ("Downloading", "download"), ("CleaningUp", "cleanup")]
def stage_times(report):
    starts = report["stageStartSeconds"]
    order = sorted(starts.items(), key=lambda kv: kv[1])
    spans = {}
    for i, (stage, t) in enumerate(order):
        end = order[i + 1][1] if i + 1 < len(order) else report["wallSeconds"]
        spans[stage] = spans.get(stage, 0) + end - t
    spans["CreatingPool"] = spans.get("CreatingPool", 0) + spans.get("WaitingForPool", 0) + spans.get("CreatingJob", 0)
    return " / ".join(f"{spans.get(s, 0):.1f}" for s, _ in STAGES)

print()
print("| files x lines | wall s | tasks/s | staging / pool / add / monitor / download / cleanup s | peak RSS MB client / emulator / Azurite | CPU s client / emulator / Azurite | Batch requests | Blob requests (client) | tasks ran | outputs checked | load avg |")
print("|---|---:|---:|---|---|---|---:|---:|---|---:|---:|")
for r in rows:
    rep, peak, n = r["report"], r["peak"], r["count"]
    batch_total = sum(rep["batchRequests"].values())
    blob_total = sum(rep["blobRequests"].values())
    print(f"| {n:,} x 100 | {rep['wallSeconds']:.1f} | {n / rep['wallSeconds']:.0f} | {stage_times(rep)} | "
          f"{peak['client'][1] / 1024:.0f} / {peak['emulator'][1] / 1024:.0f} / {peak['azurite'][1] / 1024:.0f} | "
          f"{peak['client'][0]:.1f} / {peak['emulator'][0]:.1f} / {peak['azurite'][0]:.1f} | {batch_total:,} | {blob_total:,} | {r['runner']} | {r['checked']:,} exact | {r['load']:.1f} |")
for r in rows:
    rep, n = r["report"], r["count"]
    print()
    print(f"Requests of the {n:,}-file run ({rep['succeeded']:,} of {rep['tasks']:,} tasks succeeded; entry point {rep['entryPoint']}):")
    print()
    print("| Batch operation (emulator) | requests | per file |")
    print("|---|---:|---:|")
    for op, c in sorted(rep["batchRequests"].items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"| {op} | {c:,} | {c / n:.3f} |")
    print()
    print("| Blob request (client) | requests | per file |")
    print("|---|---:|---:|")
    for op, c in sorted(rep["blobRequests"].items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"| {op} | {c:,} | {c / n:.3f} |")
    if rep["batchErrors"] or rep["blobErrors"]:
        print(f"errors: Batch {rep['batchErrors']}, Blob {rep['blobErrors']}")
    if rep["cleanupFailures"]:
        print(f"cleanup failures: {rep['cleanupFailures']}")
print()
print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end")
PY
