using TopNWords.Batch.Conformance.Infrastructure;

namespace TopNWords.Batch.Emulator.Tests.EndToEnd;

/// <summary>One Azurite (Blob storage) for every test of the whole-Azure-path namespace.</summary>
[SetUpFixture]
public sealed class AzuriteSetUp
{
    private static AzuriteServer? _server;

    /// <summary>Gets the running Azurite.</summary>
    public static AzuriteServer Server => _server ?? throw new InvalidOperationException("Azurite is started by AzuriteSetUp.StartAsync.");

    [OneTimeSetUp]
    public async Task StartAsync() => _server = await AzuriteServer.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }
    }
}
