// The Azure Batch "top N words" tutorial, run on this machine: local process compute, and local folder
// storage (or Azure Blob storage, with a connection string from TOPNWORDS_STORAGE_CONNECTION_STRING or from
// the file --storage-connection-string-file names; never from the command line).
//
//   dotnet run --project samples/TopNWords.Samples.Local -- [files or folders] [--numwords N] [--corpus] [--nodes N] [--slots N] [--keep] [--run-id ID] [--detach] [--verbose] [--root DIR]
//   dotnet run --project samples/TopNWords.Samples.Local -- status ID | cancel ID | list | sweep --older-than 1d [--root DIR]
//
// Runs live under a per-user state folder (or --root): a run killed part-way resumes with --run-id.
//
// With no files, it counts the tutorial's three files.
using System.CommandLine;
using TopNWords.Batch;
using TopNWords.Batch.Azure.Storage;
using TopNWords.Batch.Storage;
using TopNWords.Samples;

const string ConnectionStringVariable = "TOPNWORDS_STORAGE_CONNECTION_STRING";
const string ConnectionStringFileOption = "--storage-connection-string-file";
const string Alternatives = $"set the environment variable {ConnectionStringVariable}, or put the connection string in a file and pass {ConnectionStringFileOption} PATH ('-' reads it from standard input)";
var nodes = SampleCommandLine.WholeNumber("--nodes", 2, "Nodes in the local pool.");
var slots = SampleCommandLine.WholeNumber("--slots", 1, "Tasks each node runs at once.");
var root = new Option<string>("--root") { Recursive = true, HelpName = "DIR", Description = "Where runs live (default: a per-user state folder)." };
var connectionStringFile = new Option<string>(ConnectionStringFileOption) { Recursive = true, HelpName = "PATH|-", Description = $"To stage through Azure Blob storage: {Alternatives}. The file wins over the variable." };

return await SampleCommandLine.InvokeAsync(
    args,
    "The Azure Batch \"top N words\" tutorial on this machine: local folder storage and local process compute.",
    $"usage: TopNWords.Samples.Local [files or folders] [--numwords N] [--corpus] [--nodes N] [--slots N] [--keep] [--run-id ID] [--detach] [--verbose] [--root DIR] [{ConnectionStringFileOption} PATH|-]\n       TopNWords.Samples.Local status ID | cancel ID | list | sweep --older-than DURATION [--root DIR]",
    [nodes, slots, root, connectionStringFile],
    refused: new Dictionary<string, string>
    {
        // Removed: the account key would be readable by every user of the machine in /proc/<pid>/cmdline.
        ["--storage-connection-string"] = $"--storage-connection-string is not supported: secrets are not taken on the command line, where other users of the machine can read them. Instead, {Alternatives}.",
    },
    moreHelp: null,
    async commandLine =>
    {
        if (!SampleSecrets.TryRead(commandLine.Get(connectionStringFile), ConnectionStringFileOption, ConnectionStringVariable, "storage connection string", out string? connectionString))
        {
            return 2;
        }

        BatchRunDefinition CreateDefinition()
        {
            var definition = commandLine.WordCountDefinition();
            definition.Pool.NodeCount = commandLine.Get(nodes);
            definition.Pool.TaskSlotsPerNode = commandLine.Get(slots);
            definition.Cleanup = commandLine.Keep ? CleanupPolicy.Never : CleanupPolicy.Always;
            return definition;
        }

        using var cancel = SampleRun.CancelOnCtrlC("Cancelling: running tasks are stopped and the run's resources deleted…");

        IBlobStorage? blob = null;
        if (connectionString is not null)
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

        LocalBatchWorkflow workflow;
        try
        {
            workflow = new LocalBatchWorkflow(new LocalBatchWorkflowOptions
            {
                RootDirectory = commandLine.Get(root),
                Storage = blob,
                ReadOnly = commandLine.Verb is "status" or "list", // a query never restarts the pools or runs a task
            });
        }
        catch (ArgumentException ex)
        {
            return SampleRun.ArgumentError(ex);
        }

        await using (workflow)
        {
            if (workflow.Compute.IsReadOnly && commandLine.Verb is null)
            {
                Console.Error.WriteLine($"error: the run folder '{workflow.RootDirectory}' is in use by process {workflow.Compute.OwnerProcessId}. Wait for it, use 'status'/'cancel'/'list' from here, or pass another --root.");
                return 1;
            }

            // An ArgumentException from the run (an empty folder, two inputs with one name) becomes its message and exit code 2.
            return await SampleRun.ExecuteAsync(
                workflow,
                commandLine,
                CreateDefinition,
                commandLine.Keep ? _ => $"run files kept in {workflow.RootDirectory}" : null,
                cancel.Token);
        }
    });
