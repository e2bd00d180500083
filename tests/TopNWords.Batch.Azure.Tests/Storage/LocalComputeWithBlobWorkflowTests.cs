using System.Globalization;

namespace TopNWords.Batch.Azure.Tests.Storage;

/// <summary>
/// The whole workflow with local compute and Azure Blob storage (Azurite): tasks fetch their input through
/// read-only SAS URLs and upload their output through the container's create/write SAS URL.
/// </summary>
[TestFixture]
public class LocalComputeWithBlobWorkflowTests : AzuriteTestBase
{
    private static string TutorialFolder => Path.Combine(TestContext.CurrentContext.TestDirectory, "testdata", "tutorial");

    [Test]
    public async Task RunWordCountAsync_ThroughAzurite_GivesTheTutorialTopThreeAndLeavesNoContainerBehind()
    {
        var storage = NewStorage();
        var before = await ContainerNamesAsync();
        string download = Directory.CreateTempSubdirectory("topnwords-blob-e2e-").FullName;
        try
        {
            BatchRunResult result;
            await using (var workflow = new LocalBatchWorkflow(new LocalBatchWorkflowOptions { Storage = storage, RootDirectory = Path.Combine(download, ".root") }))
            {
                result = await workflow.RunWordCountAsync([TutorialFolder], 3, d => d.DownloadDirectory = download, cancellationToken: Token);
            }

            Assert.That(result.Succeeded, Is.True, string.Join("\n", result.FailedTasks.Select(t => t.DescribeFailure() + "\n" + t.StderrTail)));
            var top = result.Tasks.Select(t => string.Join(", ", t.TopWords!.Words.Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.Word} {w.Count}"))));
            Assert.That(top, Is.EqualTo(new[] { "to 18, and 17, you 14", "Storage 11, for 8, data 7", "the 10, of 8, and 6" }));
            Assert.That(await ContainerNamesAsync(), Is.EquivalentTo(before), "the run's containers are deleted");
        }
        finally
        {
            Directory.Delete(download, recursive: true);
        }
    }

    [Test]
    public async Task RunWordCountAsync_InputNamesWithSpacesAndNonAscii_RoundTripThroughBlob()
    {
        var storage = NewStorage();
        string inputs = Directory.CreateTempSubdirectory("topnwords-blob-names-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(inputs, "name with spaces.txt"), "blob blob storage");
            File.WriteAllText(Path.Combine(inputs, "données été 日本.txt"), "été été été");
            await using var workflow = new LocalBatchWorkflow(new LocalBatchWorkflowOptions { Storage = storage, RootDirectory = Path.Combine(inputs, ".root") });

            var result = await workflow.RunWordCountAsync([inputs], 1, d => d.DownloadDirectory = Path.Combine(inputs, "out"), cancellationToken: Token);

            Assert.That(result.FailedTasks.Select(t => t.DescribeFailure() + " " + t.StderrTail), Is.Empty);
            Assert.That(result.Tasks.Select(t => t.TopWords!.Words[0]), Is.EqualTo(new[] { new TopWord("été", 3), new TopWord("blob", 2) }));
        }
        finally
        {
            Directory.Delete(inputs, recursive: true);
        }
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
