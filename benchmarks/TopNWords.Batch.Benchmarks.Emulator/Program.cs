using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using TopNWords.Batch;
using TopNWords.Batch.Azure;
using TopNWords.Batch.Azure.Compute;
using TopNWords.Batch.Azure.Storage;
using TopNWords.Batch.Benchmarks.Emulator;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Conformance.Infrastructure;
using TopNWords.Batch.Emulator;

// The whole Azure path offline: AzureBlobStorage on Azurite and AzureBatchCompute on the Batch emulator (both on
// 127.0.0.1, started here). Two measurements, each with its wall time and the Batch requests per operation, read
// from the emulator's /admin/requests endpoint:
//   1. the tutorial run (three inputs, top 3 words, 2 nodes) through BatchWorkflow;
//   2. N tasks (default 1,000) through AzureBatchCompute: add, wait for completion as the workflow monitors
//      (task counts, then listings of completed tasks), delete.
//
//   dotnet run -c Release --project benchmarks/TopNWords.Batch.Benchmarks.Emulator -- [--tasks 1000] [--nodes 4] [--slots 4]
//
// With 'scale' first, it is the client of benchmarks/scale-emulator.sh instead (see ScaleMode).

if (args is ["scale", .. var scaleArgs])
{
    return await ScaleMode.RunAsync(scaleArgs);
}

int taskCount = Option(args, "--tasks", 1000);
int nodes = Option(args, "--nodes", 4);
int slots = Option(args, "--slots", 4);
const string Account = "benchaccount";
string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)); // a key of this run's own, never the published one

Console.WriteLine("Starting Azurite (eng/azurite) and the Batch emulator...");
await using var azurite = await AzuriteServer.StartAsync();
await using var emulator = new BatchEmulator();
Uri endpoint = await emulator.StartAsync(new BatchEmulatorOptions { AccountName = Account, AccountKey = key });
var credential = new BatchSharedKeyCredential(Account, key);
var admin = new BatchEmulatorAdminClient(endpoint, credential);
var compute = new AzureBatchCompute(endpoint, credential, new AzureBatchComputeOptions { PoolPollInterval = TimeSpan.FromMilliseconds(250) });
var storage = AzureBlobStorage.FromConnectionString(azurite.ConnectionString);
Console.WriteLine($"Azurite {azurite.BlobEndpoint}, emulator {endpoint}; {Environment.ProcessorCount} cores");

// 1. The tutorial.
string tutorial = Path.Combine(PinnedNodePackage.FindRepositoryRoot(), "testdata", "tutorial");
string download = Directory.CreateTempSubdirectory("topnwords-emulator-bench-").FullName;
try
{
    await admin.ResetRequestCountsAsync();
    var workflow = new BatchWorkflow(storage, compute, new BatchWorkflowOptions { MonitorPollInterval = TimeSpan.FromMilliseconds(250) });
    var clock = Stopwatch.StartNew();
    var result = await workflow.RunWordCountAsync([tutorial], 3, d => d.DownloadDirectory = download);
    clock.Stop();
    Console.WriteLine();
    Console.WriteLine($"Tutorial run (3 inputs, 2 nodes, top 3): {clock.Elapsed.TotalSeconds:F2} s wall, {(result.Succeeded ? "succeeded" : "FAILED")}");
    foreach (var task in result.Tasks)
    {
        Console.WriteLine($"  {task.Input.Name}: {(task.TopWords is null ? task.DescribeFailure() : string.Join(", ", task.TopWords.Words.Select(w => $"{w.Word} {w.Count}")))}");
    }

    await PrintRequestsAsync(admin);
}
finally
{
    Directory.Delete(download, recursive: true);
}

// 2. N tasks.
await admin.ResetRequestCountsAsync();
string poolId = $"bench-pool-{Guid.NewGuid():N}"[..24];
string jobId = $"bench-job-{Guid.NewGuid():N}"[..24];
var total = Stopwatch.StartNew();
await compute.CreatePoolAsync(new PoolSpec(poolId, nodes) { TaskSlotsPerNode = slots });
await compute.WaitForPoolReadyAsync(poolId);
var poolReady = total.Elapsed;
await compute.CreateJobAsync(new JobSpec(jobId, poolId));
var tasks = Enumerable.Range(0, taskCount).Select(i => new TaskSpec($"task-{i:D5}", "true")).ToList();
var addClock = Stopwatch.StartNew();
var added = await compute.AddTasksAsync(jobId, tasks);
addClock.Stop();
int collected = 0;
DateTimeOffset? since = null;
var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
while (collected < taskCount)
{
    var counts = await compute.GetTaskCountsAsync(jobId);
    if (counts.Completed > collected)
    {
        await foreach (var task in compute.ListTasksAsync(jobId, new TaskListQuery { State = ComputeTaskState.Completed, StateChangedSince = since }))
        {
            if (seen.Add(task.Id))
            {
                collected++;
            }

            if (task.StateTransitionTime is { } t && (since is null || t > since))
            {
                since = t - TimeSpan.FromSeconds(10);
            }
        }
    }

    if (collected < taskCount)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(250), TimeProvider.System);
    }
}

var completedAt = total.Elapsed;
await compute.DeleteJobAsync(jobId);
await compute.DeletePoolAsync(poolId);
total.Stop();
Console.WriteLine();
Console.WriteLine($"{taskCount:N0} tasks ('true') on {nodes} node(s) x {slots} slot(s): {total.Elapsed.TotalSeconds:F2} s wall " +
    $"(pool ready {poolReady.TotalSeconds:F2} s; add {addClock.Elapsed.TotalSeconds:F2} s in {added.Requests} request(s); all completed at {completedAt.TotalSeconds:F2} s)");
await PrintRequestsAsync(admin);
return 0;

static async Task PrintRequestsAsync(BatchEmulatorAdminClient admin)
{
    var counts = await admin.GetRequestCountsAsync();
    Console.WriteLine($"  Batch requests: {counts.Total} ({counts.InjectedFaults} injected faults)");
    foreach (var (operation, count) in counts.Operations.OrderByDescending(o => o.Value.Requests).ThenBy(o => o.Key, StringComparer.Ordinal))
    {
        Console.WriteLine($"    {operation,-32} {count.Requests,6}");
    }
}

static int Option(string[] args, string name, int fallback)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}
