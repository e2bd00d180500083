// The Azure Batch "top N words" tutorial, run on this machine: local process compute, and local folder
// storage (or Azure Blob storage with --storage-connection-string / TOPNWORDS_STORAGE_CONNECTION_STRING).
//
//   dotnet run --project samples/TopNWords.Samples.Local -- [files or folders] [--numwords N] [--nodes N] [--slots N] [--keep]
//
// With no files, it counts the tutorial's three files.
using System.Diagnostics;
using System.Globalization;
using TopNWords.Batch;
using TopNWords.Batch.Azure.Storage;
using TopNWords.Batch.Storage;

var options = SampleOptions.Parse(args);
if (options is null)
{
    return 2;
}

var definition = WordCountJob.CreateDefinition(options.Inputs, options.NumWords);
definition.Pool.NodeCount = options.Nodes;
definition.Pool.TaskSlotsPerNode = options.Slots;
definition.Cleanup = options.Keep ? CleanupPolicy.Never : CleanupPolicy.Always;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    Console.Error.WriteLine("Cancelling: running tasks are stopped and the run's resources deleted…");
    cancel.Cancel();
};

var stopwatch = Stopwatch.StartNew();
IBlobStorage? blob = null;
if (options.StorageConnectionString is { } connectionString)
{
    try
    {
        blob = new AzureBlobStorage(connectionString);
    }
    catch (ArgumentException ex)
    {
        Console.Error.WriteLine($"error: the storage connection string is not usable: {ex.Message}");
        return 2;
    }

    Console.Error.WriteLine($"Staging through Azure Blob storage account '{blob.DisplayName}'.");
}

await using var workflow = new LocalBatchWorkflow(new LocalBatchWorkflowOptions { KeepFiles = options.Keep, Storage = blob });
BatchRunResult result;
try
{
    result = await workflow.RunAsync(definition, new ConsoleProgress(), cancel.Token);
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("Cancelled.");
    return 130;
}
catch (BatchWorkflowException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    foreach (string failure in ex.CleanupFailures)
    {
        Console.Error.WriteLine($"cleanup: {failure}");
    }

    return 1;
}

foreach (var task in result.Tasks)
{
    if (task.Succeeded && task.TopWords is { } top)
    {
        Console.WriteLine($"{task.Input.Name} (task {task.TaskId}, node {task.NodeId}):");
        foreach (var (word, count) in top.Words)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {word}: {count}"));
        }
    }
    else
    {
        Console.Error.WriteLine($"FAILED {task.DescribeFailure()}");
        if (!string.IsNullOrWhiteSpace(task.StderrTail))
        {
            Console.Error.WriteLine("  stderr (last lines):");
            foreach (string line in task.StderrTail.Split('\n'))
            {
                Console.Error.WriteLine($"    {line}");
            }
        }
    }
}

foreach (string failure in result.CleanupFailures)
{
    Console.Error.WriteLine($"cleanup: {failure}");
}

int failed = result.FailedTasks.Count();
Console.WriteLine(string.Create(
    CultureInfo.InvariantCulture,
    $"{result.Tasks.Count} tasks, {failed} failed, wall time {stopwatch.Elapsed.TotalSeconds:F1} s (outputs in {result.DownloadDirectory}{(options.Keep ? $"; run files kept in {workflow.RootDirectory}" : string.Empty)})"));
return failed == 0 ? 0 : 1;

/// <summary>The sample's command line.</summary>
internal sealed record SampleOptions(IReadOnlyList<string> Inputs, int NumWords, int Nodes, int Slots, bool Keep, string? StorageConnectionString)
{
    public const string ConnectionStringVariable = "TOPNWORDS_STORAGE_CONNECTION_STRING";

    private const string Usage = "usage: TopNWords.Samples.Local [files or folders] [--numwords N] [--nodes N] [--slots N] [--keep] [--storage-connection-string CS]";

    public static SampleOptions? Parse(string[] args)
    {
        var inputs = new List<string>();
        int numWords = 3, nodes = 2, slots = 1;
        bool keep = false;
        string? connectionString = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--numwords" or "--nodes" or "--slots":
                    if (i + 1 >= args.Length || !int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < 1)
                    {
                        return Fail($"{args[i]} needs a whole number of at least 1.");
                    }

                    if (args[i] == "--numwords")
                    {
                        numWords = value;
                    }
                    else if (args[i] == "--nodes")
                    {
                        nodes = value;
                    }
                    else
                    {
                        slots = value;
                    }

                    i++;
                    break;
                case "--keep":
                    keep = true;
                    break;
                case "--storage-connection-string":
                    if (i + 1 >= args.Length || string.IsNullOrWhiteSpace(args[i + 1]))
                    {
                        return Fail("--storage-connection-string needs a value.");
                    }

                    connectionString = args[++i];
                    break;
                case "-h" or "--help":
                    Console.WriteLine(Usage);
                    return null;
                case "--":
                    inputs.AddRange(args[(i + 1)..]);
                    i = args.Length;
                    break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal))
                    {
                        return Fail($"unknown option '{args[i]}'.");
                    }

                    inputs.Add(args[i]);
                    break;
            }
        }

        if (inputs.Count == 0)
        {
            inputs.Add(Path.Combine(AppContext.BaseDirectory, "data"));
        }

        foreach (string input in inputs)
        {
            if (!File.Exists(input) && !Directory.Exists(input))
            {
                return Fail($"input '{input}' is neither a file nor a folder.");
            }
        }

        return new SampleOptions(inputs, numWords, nodes, slots, keep, string.IsNullOrWhiteSpace(connectionString) ? null : connectionString);
    }

    private static SampleOptions? Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        Console.Error.WriteLine(Usage);
        return null;
    }
}

/// <summary>Prints each stage once and each task's completion.</summary>
internal sealed class ConsoleProgress : IProgress<BatchRunProgress>
{
    private BatchRunStage? _stage;

    public void Report(BatchRunProgress value)
    {
        if (value.CompletedTask is { } task)
        {
            Console.Error.WriteLine($"  {(task.Result == TopNWords.Batch.Compute.TaskExecutionResult.Success ? "done" : "FAILED")}: {task.Input.Name} ({value.Counts.Completed}/{value.Counts.Total})");
        }
        else if (value.Stage != _stage)
        {
            _stage = value.Stage;
            Console.Error.WriteLine($"[{value.Stage}]");
        }
    }
}
