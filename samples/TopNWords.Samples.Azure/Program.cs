// The Azure Batch "top N words" tutorial on Azure: Azure Blob storage and Azure Batch.
//
//   dotnet publish src/TopNWords.TaskRunner -c Release -r linux-x64 --self-contained -o out/taskrunner-linux-x64
//   dotnet run --project samples/TopNWords.Samples.Azure -- [files or folders] [--numwords N] [--corpus] [--keep] [--run-id ID] [--detach] [--verbose]
//   dotnet run --project samples/TopNWords.Samples.Azure -- status ID | cancel ID | list | sweep --older-than 1d
//
// Configuration (Microsoft.Extensions.Configuration): the command line, else environment variables, else appsettings.json (section "TopNWords") in the current folder or
// next to the sample. With no files, it counts the tutorial's three files.
using Azure.Identity;
using Microsoft.Extensions.Configuration;
using TopNWords.Batch;
using TopNWords.Batch.Azure;
using TopNWords.Batch.Azure.Compute;
using TopNWords.Batch.Azure.Storage;
using TopNWords.Batch.Storage;
using TopNWords.Samples;
using TopNWords.Samples.Azure;

var settingOptions = SampleSettings.CreateOptions();
return await SampleCommandLine.InvokeAsync(
    args,
    "The Azure Batch \"top N words\" tutorial on Azure: Azure Blob storage and Azure Batch.",
    "usage: TopNWords.Samples.Azure [files or folders] [--numwords N] [--corpus] [--keep] [--run-id ID] [--detach] [--verbose] [settings options]\n       TopNWords.Samples.Azure status ID | cancel ID | list | sweep --older-than DURATION [settings options]",
    settingOptions,
    refused: new Dictionary<string, string>
    {
        // Secrets come from the environment or appsettings.json: the command line is readable by every user of the machine.
        ["--storage-connection-string"] = "--storage-connection-string is not supported: secrets are not taken on the command line, where other users of the machine can read them. Set TOPNWORDS_STORAGE_CONNECTION_STRING (or StorageConnectionString in appsettings.json) instead.",
        ["--batch-key"] = "--batch-key is not supported: secrets are not taken on the command line, where other users of the machine can read them. Set TOPNWORDS_BATCH_KEY (or BatchKey in appsettings.json), or leave it unset to sign in with Microsoft Entra ID.",
    },
    SampleSettings.Help,
    async arguments =>
    {
        var (settings, problems) = SampleSettings.Load(
            [Path.Combine(Environment.CurrentDirectory, "appsettings.json"), Path.Combine(AppContext.BaseDirectory, "appsettings.json")],
            new ConfigurationBuilder().AddEnvironmentVariables().Build(),
            arguments.Given(settingOptions));
        if (problems.Count > 0)
        {
            Console.Error.WriteLine("The Azure sample is not configured:");
            foreach (string problem in problems)
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
            // A runner published into the folder (Native AOT or self-contained), else the one the package puts next to the sample.
            taskRunner = Directory.Exists(settings.TaskRunnerPublishDirectory)
                ? AzureTaskApplications.TaskRunnerAt(settings.TaskRunnerPublishDirectory)
                : AzureTaskApplications.LinuxTaskRunner();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }
        catch (ArgumentException ex)
        {
            return SampleRun.ArgumentError(ex);
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

        AzureBatchCompute compute;
        BatchWorkflow workflow;
        try
        {
            var computeOptions = new AzureBatchComputeOptions();
            var endpoint = new Uri(settings.BatchUrl!);
            compute = settings.BatchKey is { } key
                ? new AzureBatchCompute(endpoint, new BatchSharedKeyCredential(settings.BatchAccount!, key), computeOptions)
                : new AzureBatchCompute(endpoint, new DefaultAzureCredential(), computeOptions);
            workflow = new BatchWorkflow(storage, compute);
        }
        catch (ArgumentException ex)
        {
            return SampleRun.ArgumentError(ex);
        }

        BatchRunDefinition CreateDefinition()
        {
            var definition = arguments.WordCountDefinition(taskRunner);
            definition.Pool.NodeCount = settings.PoolNodes;
            definition.Pool.VirtualMachineSize = settings.PoolVmSize;
            definition.Cleanup = arguments.Keep ? CleanupPolicy.Never : CleanupPolicy.Always;
            return definition;
        }

        using var cancel = SampleRun.CancelOnCtrlC("Cancelling: the job is stopped and the run's pool, job and containers deleted…");
        Console.Error.WriteLine($"Azure Batch '{compute.DisplayName}', storage '{storage.DisplayName}'{(settings.BatchKey is null ? " (Microsoft Entra ID)" : " (Shared Key)")}.");

        // An ArgumentException from the run (an empty folder, two inputs with one name) becomes its message and exit code 2.
        return await SampleRun.ExecuteAsync(
            workflow,
            arguments,
            CreateDefinition,
            arguments.Keep ? result => $"pool '{result.PoolId}', job '{result.JobId}' and containers kept" : null,
            cancel.Token);
    });
