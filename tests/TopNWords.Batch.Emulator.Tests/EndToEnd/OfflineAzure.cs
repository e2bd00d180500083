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
}
