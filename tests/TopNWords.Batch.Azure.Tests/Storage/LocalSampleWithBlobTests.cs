using TopNWords.Batch.Conformance.Infrastructure;
using TopNWords.Batch.Conformance.Testing;

namespace TopNWords.Batch.Azure.Tests.Storage;

/// <summary>
/// The local sample as its own process, staging through Azure Blob storage on Azurite: the connection string comes
/// from the environment, a file or standard input, never from the command line, and is never printed.
/// </summary>
[TestFixture]
[NonParallelizable]
public class LocalSampleWithBlobTests : AzuriteTestBase
{
    private const string SampleDll = "TopNWords.Samples.Local.dll";

    private string _work = null!;

    [SetUp]
    public void SetUp() => _work = Directory.CreateTempSubdirectory("topnwords-sample-blob-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_work, recursive: true);

    private static CancellationToken Deadline() => new CancellationTokenSource(TimeSpan.FromMinutes(5), TimeProvider.System).Token;

    [Test]
    public async Task Sample_ConnectionStringFromTheEnvironment_StagesThroughBlobAndCleansUp()
    {
        var before = await ContainerNamesAsync();

        var result = await SampleProcess.RunAsync(
            SampleDll,
            _work,
            [],
            new Dictionary<string, string?> { [SampleProcess.StorageConnectionStringVariable] = Server.ConnectionString },
            cancellationToken: Deadline());

        await AssertTutorialRanThroughBlobAsync(result, before);
    }

    [Test]
    public async Task Sample_ConnectionStringFile_WinsOverTheEnvironmentAndLosesItsTrailingNewline()
    {
        var before = await ContainerNamesAsync();
        string file = Path.Combine(_work, "storage-connection-string");
        await File.WriteAllTextAsync(file, Server.ConnectionString + "\n");

        var result = await SampleProcess.RunAsync(
            SampleDll,
            _work,
            ["--storage-connection-string-file", file],
            new Dictionary<string, string?> { [SampleProcess.StorageConnectionStringVariable] = "not a connection string" },
            cancellationToken: Deadline());

        await AssertTutorialRanThroughBlobAsync(result, before);
    }

    [Test]
    public async Task Sample_ConnectionStringFromStandardInput_StagesThroughBlob()
    {
        var before = await ContainerNamesAsync();

        var result = await SampleProcess.RunAsync(
            SampleDll,
            _work,
            ["--storage-connection-string-file", "-", "--nodes", "1"],
            standardInput: Server.ConnectionString + "\r\n",
            cancellationToken: Deadline());

        await AssertTutorialRanThroughBlobAsync(result, before);
    }

    private static async Task AssertTutorialRanThroughBlobAsync(SampleProcessResult result, List<string> containersBefore)
    {
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Stderr);
        Assert.Multiple(() =>
        {
            Assert.That(result.Stderr, Does.Contain($"Staging through Azure Blob storage account '{AzuriteServer.AccountName}'."));
            Assert.That(result.Stdout, Does.Contain("  to: 18\n  and: 17\n  you: 14\n"));
            Assert.That(result.Stdout, Does.Contain("  Storage: 11\n  for: 8\n  data: 7\n"));
            Assert.That(result.Stdout, Does.Contain("  the: 10\n  of: 8\n  and: 6\n"));
            Assert.That(result.Stdout + result.Stderr, Does.Not.Contain(AzuriteServer.AccountKey), "the key is never printed");
        });
        Assert.That(await ContainerNamesAsync(), Is.EquivalentTo(containersBefore), "the run's containers are deleted");
    }

    private static async Task<List<string>> ContainerNamesAsync()
    {
        var names = new List<string>();
        await foreach (var container in RawService.GetBlobContainersAsync())
        {
            names.Add(container.Name);
        }

        return names;
    }
}
