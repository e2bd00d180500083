// The Azure Batch "top N words" tutorial on Azure: Azure Blob storage and Azure Batch.
//
//   dotnet publish src/TopNWords.TaskRunner -c Release -r linux-x64 --self-contained -o out/taskrunner-linux-x64
//   dotnet run --project samples/TopNWords.Samples.Azure -- [files or folders] [--numwords N] [--keep]
//
// Configuration: environment variables, else appsettings.json (section "TopNWords") in the current folder or
// next to the sample. With no files, it counts the tutorial's three files.
using System.Diagnostics;
using System.Globalization;
using Azure.Identity;
using TopNWords.Batch;
using TopNWords.Batch.Azure;
using TopNWords.Batch.Azure.Compute;
using TopNWords.Batch.Azure.Storage;
using TopNWords.Batch.Storage;
using TopNWords.Samples.Azure;

var arguments = SampleArguments.Parse(args);
if (arguments is null)
{
    return 2;
}

var settings = SampleSettings.Load();
if (settings.Problems.Count > 0)
{
    Console.Error.WriteLine("The Azure sample is not configured:");
    foreach (string problem in settings.Problems)
    {
        Console.Error.WriteLine($"  - {problem}");
    }

    Console.Error.WriteLine();
    Console.Error.WriteLine(SampleSettings.Help);
    return 2;
}

TaskApplication taskRunner;
try
{
    taskRunner = AzureTaskApplications.SelfContainedTaskRunner(settings.TaskRunnerPublishDirectory);
}
catch (Exception ex) when (ex is IOException or InvalidOperationException)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 2;
}

IBlobStorage storage;
try
{
    storage = new AzureBlobStorage(settings.StorageConnectionString!);
}
catch (ArgumentException ex)
{
    // The message never repeats the connection string: it is a secret.
    Console.Error.WriteLine($"error: the storage connection string is not usable: {ex.Message}");
    return 2;
}

var computeOptions = new AzureBatchComputeOptions();
var endpoint = new Uri(settings.BatchUrl!);
AzureBatchCompute compute = settings.BatchKey is { } key
    ? new AzureBatchCompute(endpoint, new BatchSharedKeyCredential(settings.BatchAccount!, key), computeOptions)
    : new AzureBatchCompute(endpoint, new DefaultAzureCredential(), computeOptions);

var definition = WordCountJob.CreateDefinition(arguments.Inputs, arguments.NumWords, taskRunner);
definition.Pool.NodeCount = settings.PoolNodes;
definition.Pool.VirtualMachineSize = settings.PoolVmSize;
definition.Cleanup = arguments.Keep ? CleanupPolicy.Never : CleanupPolicy.Always;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    Console.Error.WriteLine("Cancelling: the job is stopped and the run's pool, job and containers deleted…");
    cancel.Cancel();
};

Console.Error.WriteLine($"Running {definition.Inputs.Count} task(s) on Azure Batch '{compute.DisplayName}' with storage '{storage.DisplayName}'{(settings.BatchKey is null ? " (Microsoft Entra ID)" : " (Shared Key)")}.");
var stopwatch = Stopwatch.StartNew();
var workflow = new BatchWorkflow(storage, compute);
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
    $"{result.Tasks.Count} tasks, {failed} failed, wall time {stopwatch.Elapsed.TotalSeconds:F1} s (outputs in {result.DownloadDirectory}{(arguments.Keep ? $"; pool '{result.PoolId}', job '{result.JobId}' and containers kept" : string.Empty)})"));
return failed == 0 ? 0 : 1;
