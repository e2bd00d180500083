// The consumer the packaging test builds from the packages alone (copied into a fresh `dotnet new console` project).
//   Consumer local ROOT INPUTS    the local default (LocalBatchWorkflow) with the packaged task runner
//   Consumer azure INPUTS         Azure backends (Azurite + the emulator here) with AzureTaskApplications.LinuxTaskRunner();
//                                 settings from TOPNWORDS_STORAGE_CONNECTION_STRING, TOPNWORDS_BATCH_URL,
//                                 TOPNWORDS_BATCH_ACCOUNT and TOPNWORDS_BATCH_KEY (never on the command line)
using System.Globalization;
using TopNWords.Batch;
using TopNWords.Batch.Azure;
using TopNWords.Batch.Azure.Compute;
using TopNWords.Batch.Azure.Storage;

static string Setting(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
    ? value
    : throw new InvalidOperationException($"Set the environment variable {name}.");

TaskApplication application;
IBatchWorkflow workflow;
IAsyncDisposable? owned = null;
string inputs;
if (args[0] == "local")
{
    application = TaskApplication.TopNWordsTaskRunner();
    var local = new LocalBatchWorkflow(new LocalBatchWorkflowOptions { RootDirectory = args[1] });
    (workflow, owned, inputs) = (local, local, args[2]);
}
else
{
    application = AzureTaskApplications.LinuxTaskRunner();
    var storage = new AzureBlobStorage(Setting("TOPNWORDS_STORAGE_CONNECTION_STRING"));
    var compute = new AzureBatchCompute(
        new Uri(Setting("TOPNWORDS_BATCH_URL")),
        new BatchSharedKeyCredential(Setting("TOPNWORDS_BATCH_ACCOUNT"), Setting("TOPNWORDS_BATCH_KEY")),
        new AzureBatchComputeOptions { PoolPollInterval = TimeSpan.FromMilliseconds(200) });
    (workflow, inputs) = (new BatchWorkflow(storage, compute), args[1]);
}

Console.WriteLine($"entry point: {string.Join(' ', application.EntryPoint)}");
foreach (ApplicationFile file in application.Files)
{
    Console.WriteLine($"file: {file.RelativePath} <- {Path.GetRelativePath(AppContext.BaseDirectory, file.LocalPath)}");
}

var definition = WordCountJob.CreateDefinition([inputs], 3, application);
BatchRunResult result = await workflow.RunAsync(definition);
foreach (TaskOutcome task in result.Tasks.OrderBy(t => t.Input.Name, StringComparer.Ordinal))
{
    string words = task.TopWords is null ? "(none)" : string.Join(", ", task.TopWords.Words.Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.Word} {w.Count}")));
    Console.WriteLine($"top: {task.Input.Name}: {words}");
}

foreach (TaskOutcome task in result.FailedTasks)
{
    Console.Error.WriteLine(task.DescribeFailure() + "\n" + task.StderrTail);
}

if (owned is not null)
{
    await owned.DisposeAsync();
}

return result.Succeeded ? 0 : 1;
