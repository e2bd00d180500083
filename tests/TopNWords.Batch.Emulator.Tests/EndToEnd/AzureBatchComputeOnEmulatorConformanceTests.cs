using TopNWords.Batch.Conformance.Compute;

namespace TopNWords.Batch.Emulator.Tests.EndToEnd;

/// <summary>
/// The compute conformance suite for <see cref="Azure.Compute.AzureBatchCompute"/>, the product's Azure Batch
/// backend, against the emulator, with resource and output files through Azure Blob storage on Azurite.
/// </summary>
[TestFixture]
public class AzureBatchComputeOnEmulatorConformanceTests : ComputeConformanceTests
{
    private BatchEmulator _emulator = null!;

    [OneTimeSetUp]
    public async Task StartEmulatorAsync() => _emulator = await OfflineAzure.StartEmulatorAsync();

    [OneTimeTearDown]
    public async Task StopEmulatorAsync() => await _emulator.DisposeAsync();

    protected override Task<ComputeTestContext> CreateContextAsync() =>
        Task.FromResult(new ComputeTestContext(OfflineAzure.Compute(_emulator), OfflineAzure.Storage()));
}
