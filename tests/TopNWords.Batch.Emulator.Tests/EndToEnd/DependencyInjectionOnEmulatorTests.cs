using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TopNWords.Batch.Emulator.Tests.Infrastructure;

namespace TopNWords.Batch.Emulator.Tests.EndToEnd;

/// <summary>
/// The DI registration from configuration alone, <c>TopNWords:Backend = Azure</c>: the resolved workflow runs the tutorial
/// on the emulator (Batch) and Azurite (Blob storage), with the keys from configuration.
/// </summary>
[TestFixture]
public class DependencyInjectionOnEmulatorTests
{
    private static string TutorialFolder => Path.Combine(TestContext.CurrentContext.TestDirectory, "testdata", "tutorial");

    [Test]
    public async Task AddAzure_FromConfiguration_RunsTheTutorialOnTheEmulatorAndAzurite()
    {
        await using var emulator = await OfflineAzure.StartEmulatorAsync();
        string download = Directory.CreateTempSubdirectory("topnwords-di-emulator-").FullName;
        try
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["TopNWords:Backend"] = "Azure",
                ["TopNWords:Workflow:MonitorPollInterval"] = "00:00:00.1",
                ["TopNWords:Azure:Storage:ConnectionString"] = AzuriteSetUp.Server.ConnectionString,
                ["TopNWords:Azure:Batch:Endpoint"] = emulator.BaseUri.AbsoluteUri,
                ["TopNWords:Azure:Batch:AccountName"] = emulator.AccountName,
                ["TopNWords:Azure:Batch:AccountKey"] = EmulatorHarness.Key,
                ["TopNWords:Azure:Batch:PoolPollInterval"] = "00:00:00.1",
            }).Build();
            var services = new ServiceCollection();
            services.AddTopNWordsBatch(configuration.GetSection("TopNWords")).AddAzure();
            await using var provider = services.BuildServiceProvider();
            provider.GetRequiredService<IStartupValidator>().Validate();

            // The emulator's nodes have .NET: the framework-dependent runner from the test's folder (Azure's nodes get the Linux one).
            var result = await provider.GetRequiredService<IBatchWorkflow>().RunWordCountAsync([TutorialFolder], 3, d => d.DownloadDirectory = download);

            Assert.That(result.Succeeded, Is.True, OfflineAzure.Describe(result));
            Assert.That(result.Tasks.Select(OfflineAzure.TopWords), Is.EqualTo(new[] { "to 18, and 17, you 14", "Storage 11, for 8, data 7", "the 10, of 8, and 6" }));
            Assert.That(result.Tasks.Select(t => t.NodeId), Is.All.StartWith("tvm-local-"), "the tasks ran on the emulator's nodes");
            Assert.That(result.Tasks.Sum(t => t.TopWords!.Words.Count), Is.EqualTo(9), "the 9 expected entries");
        }
        finally
        {
            Directory.Delete(download, recursive: true);
        }
    }
}
