using System.Globalization;
using Azure.Storage.Blobs;
using TopNWords.Batch.Azure;
using TopNWords.Batch.Azure.Compute;
using TopNWords.Batch.Azure.Storage;
using TopNWords.Batch.Emulator.Tests.Infrastructure;

namespace TopNWords.Batch.Emulator.Tests.EndToEnd;

/// <summary>The product's Azure backends pointed at the offline services: Blob storage on Azurite, Batch on the emulator.</summary>
internal static class OfflineAzure
{
    /// <summary>The product's Blob storage on the assembly's Azurite.</summary>
    public static AzureBlobStorage Storage() => AzureBlobStorage.FromConnectionString(AzuriteSetUp.Server.ConnectionString);

    /// <summary>The product's Batch compute on an emulator, polling quickly and retrying without long waits.</summary>
    public static AzureBatchCompute Compute(BatchEmulator emulator, string? key = null) =>
        new(emulator.BaseUri, new BatchSharedKeyCredential(emulator.AccountName, key ?? EmulatorHarness.Key), new AzureBatchComputeOptions
        {
            ClientOptions = EmulatorHarness.NewClientOptions(),
            PoolPollInterval = TimeSpan.FromMilliseconds(100),
        });

    /// <summary>Starts an emulator with the test account and key.</summary>
    public static async Task<BatchEmulator> StartEmulatorAsync(BatchEmulatorFaults? faults = null)
    {
        var emulator = new BatchEmulator();
        await emulator.StartAsync(new BatchEmulatorOptions
        {
            AccountName = EmulatorHarness.Account,
            AccountKey = EmulatorHarness.Key,
            Faults = faults ?? new BatchEmulatorFaults(),
        });
        return emulator;
    }

    /// <summary>A task's top words as one line, such as <c>the 10, of 8</c> (or <c>(none)</c>).</summary>
    public static string TopWords(TaskOutcome task) =>
        task.TopWords is null ? "(none)" : string.Join(", ", task.TopWords.Words.Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.Word} {w.Count}")));

    /// <summary>The failures of a run's tasks, with their stderr tails and output errors, for assertion messages.</summary>
    public static string Describe(BatchRunResult result) =>
        string.Join("\n", result.FailedTasks.Select(t => t.DescribeFailure() + "\n" + t.StderrTail + "\n" + t.OutputError));

    /// <summary>Waits until the emulator has no pool and no job left (a run's cleanup is done), naming what is left if it never happens.</summary>
    public static Task WaitForNoPoolsOrJobsAsync(BatchEmulator emulator) => Wait.UntilAsync(
        () => Task.FromResult(emulator.GetResources() is { Pools.Count: 0, Jobs.Count: 0 }),
        () => $"the emulator still has pools [{string.Join(", ", emulator.GetResources().Pools)}] and jobs [{string.Join(", ", emulator.GetResources().Jobs)}]");

    /// <summary>The names of the containers on the assembly's Azurite.</summary>
    public static async Task<List<string>> ContainerNamesAsync()
    {
        var names = new List<string>();
        await foreach (var container in new BlobServiceClient(AzuriteSetUp.Server.ConnectionString).GetBlobContainersAsync())
        {
            names.Add(container.Name);
        }

        return names;
    }
}
