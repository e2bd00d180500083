// The Azure Batch "top N words" tutorial, run on this machine: local process compute, and local folder
// storage (or Azure Blob storage with --storage-connection-string / TOPNWORDS_STORAGE_CONNECTION_STRING).
//
//   dotnet run --project samples/TopNWords.Samples.Local -- [files or folders] [--numwords N] [--nodes N] [--slots N] [--keep]
//
// With no files, it counts the tutorial's three files.
using TopNWords.Batch;
using TopNWords.Batch.Azure.Storage;
using TopNWords.Batch.Storage;
using TopNWords.Samples;

const string ConnectionStringVariable = "TOPNWORDS_STORAGE_CONNECTION_STRING";
const string ConnectionStringOption = "--storage-connection-string";
var commandLine = SampleCommandLine.Parse(
    args,
    $"usage: TopNWords.Samples.Local [files or folders] [--numwords N] [--nodes N] [--slots N] [--keep] [{ConnectionStringOption} CS]",
    numbers: new Dictionary<string, int> { ["--nodes"] = 2, ["--slots"] = 1 },
    texts: new Dictionary<string, string?> { [ConnectionStringOption] = Environment.GetEnvironmentVariable(ConnectionStringVariable) },
    help: $"Without {ConnectionStringOption}, the environment variable {ConnectionStringVariable} is used when set.");
if (commandLine is null)
{
    return 2;
}

var definition = WordCountJob.CreateDefinition(commandLine.Inputs, commandLine.NumWords);
definition.Pool.NodeCount = commandLine.Number("--nodes");
definition.Pool.TaskSlotsPerNode = commandLine.Number("--slots");
definition.Cleanup = commandLine.Keep ? CleanupPolicy.Never : CleanupPolicy.Always;

using var cancel = SampleRun.CancelOnCtrlC("Cancelling: running tasks are stopped and the run's resources deleted…");

IBlobStorage? blob = null;
if (commandLine.Text(ConnectionStringOption) is { } connectionString && !string.IsNullOrWhiteSpace(connectionString))
{
    try
    {
        blob = new AzureBlobStorage(connectionString);
    }
    catch (ArgumentException ex)
    {
        // The message never repeats the connection string: it is a secret.
        Console.Error.WriteLine($"error: the storage connection string is not usable: {ex.Message}");
        return 2;
    }

    Console.Error.WriteLine($"Staging through Azure Blob storage account '{blob.DisplayName}'.");
}

await using var workflow = new LocalBatchWorkflow(new LocalBatchWorkflowOptions { KeepFiles = commandLine.Keep, Storage = blob });
return await SampleRun.RunAndReportAsync(
    workflow,
    definition,
    commandLine.Keep ? _ => $"run files kept in {workflow.RootDirectory}" : null,
    cancel.Token);
