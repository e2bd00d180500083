using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure.Core;
using Azure.Core.Pipeline;
using TopNWords.Batch.Azure;
using TopNWords.Batch.Azure.Compute;
using TopNWords.Batch.Azure.Storage;
using TopNWords.Batch.Emulator;

namespace TopNWords.Batch.Benchmarks.Emulator;

/// <summary>
/// The client side of benchmarks/scale-emulator.sh: one word-count run of a folder of inputs through BatchWorkflow on a
/// Batch emulator and an Azurite that run as their own processes (so that each one's memory is measured apart).
/// </summary>
/// <remarks>
/// <code>TopNWords.Batch.Benchmarks.Emulator scale --input DIR --batch-url URL --account NAME --runner FILE --out DIR [--nodes 2] [--slots 2] [--numwords 3] [--poll-ms 1000]</code>
/// Secrets come from the environment, never the command line: the emulator's key in <c>TOPNWORDS_BATCH_KEY</c>, Azurite's
/// connection string in <c>TOPNWORDS_STORAGE_CONNECTION_STRING</c>. Writes to <c>--out</c>: <c>results.tsv</c> (per input: name,
/// then word:count pairs), <c>report.json</c> (wall time per stage, Batch requests per operation from the emulator's
/// <c>/admin/requests</c>, Blob requests per method and kind counted by a pipeline policy of the storage's client).
/// </remarks>
internal static class ScaleMode
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args)
    {
        string input = Required(args, "--input");
        var batchUrl = new Uri(Required(args, "--batch-url"));
        string account = Required(args, "--account");
        string runner = Required(args, "--runner");
        string output = Required(args, "--out");
        int nodes = Option(args, "--nodes", 2);
        int slots = Option(args, "--slots", 2);
        int numWords = Option(args, "--numwords", 3);
        int pollMs = Option(args, "--poll-ms", 1000);
        string key = Environment.GetEnvironmentVariable("TOPNWORDS_BATCH_KEY") is { Length: > 0 } k ? k
            : throw new InvalidOperationException("Set TOPNWORDS_BATCH_KEY to the emulator's key (it is never taken on the command line).");
        string connectionString = Environment.GetEnvironmentVariable("TOPNWORDS_STORAGE_CONNECTION_STRING") is { Length: > 0 } c ? c
            : throw new InvalidOperationException("Set TOPNWORDS_STORAGE_CONNECTION_STRING to Azurite's connection string.");

        var blobRequests = new RequestCountingPolicy();
        var storage = AzureBlobStorage.FromConnectionString(connectionString, new AzureBlobStorageOptions
        {
            ConfigureClientOptions = o => o.AddPolicy(blobRequests, HttpPipelinePosition.PerRetry),
        });
        var credential = new BatchSharedKeyCredential(account, key);
        var compute = new AzureBatchCompute(batchUrl, credential, new AzureBatchComputeOptions { PoolPollInterval = TimeSpan.FromMilliseconds(250) });
        var admin = new BatchEmulatorAdminClient(batchUrl, credential);
        var workflow = new BatchWorkflow(storage, compute, new BatchWorkflowOptions { MonitorPollInterval = TimeSpan.FromMilliseconds(pollMs) });
        TaskApplication taskRunner = AzureTaskApplications.LinuxTaskRunner(runner);

        await admin.ResetRequestCountsAsync().ConfigureAwait(false);
        blobRequests.Reset();
        var stages = new ConcurrentDictionary<BatchRunStage, double>();
        var clock = Stopwatch.StartNew();
        var progress = new SynchronousProgress(p => stages.TryAdd(p.Stage, clock.Elapsed.TotalSeconds));
        string download = Path.Combine(output, "download");
        var definition = WordCountJob.CreateDefinition([input], numWords, taskRunner);
        definition.Pool.NodeCount = nodes;
        definition.Pool.TaskSlotsPerNode = slots;
        definition.DownloadDirectory = download;
        var result = await workflow.RunAsync(definition, progress).ConfigureAwait(false);
        clock.Stop();

        var batch = await admin.GetRequestCountsAsync().ConfigureAwait(false);
        var results = new StringBuilder();
        foreach (var task in result.Tasks.OrderBy(t => t.Input.Name, StringComparer.Ordinal))
        {
            results.Append(task.Input.Name);
            if (task.TopWords is { } top)
            {
                foreach (var word in top.Words)
                {
                    results.Append('\t').Append(word.Word).Append(':').Append(word.Count.ToString(CultureInfo.InvariantCulture));
                }
            }
            else
            {
                results.Append("\tFAILED ").Append(task.DescribeFailure().ReplaceLineEndings(" ").Replace('\t', ' '));
            }

            results.Append('\n');
        }

        await File.WriteAllTextAsync(Path.Combine(output, "results.tsv"), results.ToString()).ConfigureAwait(false);
        var report = new Dictionary<string, object>
        {
            ["wallSeconds"] = clock.Elapsed.TotalSeconds,
            ["tasks"] = result.Tasks.Count,
            ["succeeded"] = result.Tasks.Count(t => t.Succeeded),
            ["entryPoint"] = string.Join(' ', definition.Application.EntryPoint),
            ["applicationFiles"] = definition.Application.Files.Select(f => f.RelativePath).ToList(),
            ["stageStartSeconds"] = stages.OrderBy(s => s.Value).ToDictionary(s => s.Key.ToString(), s => s.Value),
            ["batchRequests"] = batch.Operations.ToDictionary(o => o.Key, o => o.Value.Requests),
            ["batchErrors"] = batch.Operations.Where(o => o.Value.Errors > 0).ToDictionary(o => o.Key, o => o.Value.Errors),
            ["blobRequests"] = blobRequests.Snapshot(),
            ["blobErrors"] = blobRequests.ErrorSnapshot(),
            ["cleanupFailures"] = result.CleanupFailures,
        };
        await File.WriteAllTextAsync(Path.Combine(output, "report.json"), JsonSerializer.Serialize(report, Indented)).ConfigureAwait(false);
        Console.WriteLine($"{result.Tasks.Count(t => t.Succeeded)} of {result.Tasks.Count} task(s) succeeded in {clock.Elapsed.TotalSeconds:F1} s");
        return result.Succeeded ? 0 : 1;
    }

    private static string Required(string[] args, string name)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : throw new ArgumentException($"scale needs {name}.");
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
    private sealed class SynchronousProgress(Action<BatchRunProgress> report) : IProgress<BatchRunProgress>
    {
        public void Report(BatchRunProgress value) => report(value);
    }
}

/// <summary>Counts the requests a Blob client sends (retries included), per HTTP method and kind of request.</summary>
internal sealed class RequestCountingPolicy : HttpPipelinePolicy
{
    private readonly ConcurrentDictionary<string, long> _requests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _errors = new(StringComparer.Ordinal);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        ProcessNext(message, pipeline);
        Count(message);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        Count(message);
    }

    public void Reset()
    {
        _requests.Clear();
        _errors.Clear();
    }

    public SortedDictionary<string, long> Snapshot() => new(_requests, StringComparer.Ordinal);

    public SortedDictionary<string, long> ErrorSnapshot() => new(_errors, StringComparer.Ordinal);

    /// <summary>The kind of a Blob REST request: its <c>restype</c> and <c>comp</c> parameters, or a blob or container itself.</summary>
    internal static string Kind(RequestMethod method, Uri uri)
    {
        string? restype = null;
        string? comp = null;
        foreach (string pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            string name = eq < 0 ? pair : pair[..eq];
            string value = eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..]);
            if (name == "restype")
            {
                restype = value;
            }
            else if (name == "comp")
            {
                comp = value;
            }
        }

        // The path is /account/container[/blob] on Azurite (path-style), /container[/blob] on Azure.
        string target = restype == "container" ? "container" : restype == "service" ? "service" : "blob";
        return $"{method} {target}{(comp is null ? string.Empty : "?comp=" + comp)}";
    }

    private void Count(HttpMessage message)
    {
        string kind = Kind(message.Request.Method, message.Request.Uri.ToUri());
        _requests.AddOrUpdate(kind, 1, (_, n) => n + 1);
        if (message.HasResponse && message.Response.Status >= 400)
        {
            _errors.AddOrUpdate($"{kind} {message.Response.Status}", 1, (_, n) => n + 1);
        }
    }
}
