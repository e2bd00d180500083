using TopNWords.Batch.Conformance.Testing;

namespace TopNWords.Batch.Emulator.Tests.EndToEnd;

/// <summary>
/// The corpus top N on the Azure path offline: Azurite for storage, the emulator for Batch. The merge task depends on the
/// counting tasks (the job uses task dependencies) and reads their count files through a container SAS.
/// </summary>
[TestFixture]
public class CorpusTopWordsAzureTests
{
    private static string TutorialFolder => Path.Combine(TestContext.CurrentContext.TestDirectory, "testdata", "tutorial");

    private static BatchWorkflowOptions FastPolling => new() { MonitorPollInterval = TimeSpan.FromMilliseconds(100) };

    [Test]
    public async Task Tutorial_CorpusTopWords_EqualTheConcatenationsAndOnlyTheResultIsDownloaded()
    {
        await using var emulator = await OfflineAzure.StartEmulatorAsync();
        var containersBefore = await OfflineAzure.ContainerNamesAsync();
        string download = Directory.CreateTempSubdirectory("topnwords-emulator-corpus-").FullName;
        try
        {
            var workflow = new BatchWorkflow(OfflineAzure.Storage(), OfflineAzure.Compute(emulator), FastPolling);

            var result = await workflow.RunCorpusWordCountAsync([TutorialFolder], 5, d => d.DownloadDirectory = download);

            Assert.That(result.Succeeded, Is.True, OfflineAzure.Describe(result) + result.Reduce?.Error);
            Assert.That(CorpusReference.Show(result.CorpusTopWords!.Words), Is.EqualTo(CorpusReference.Show(CorpusReference.TopWords(result.Tasks.Select(t => t.Input.FilePath), 5))));
            Assert.That(result.CorpusTopWords.InputCount, Is.EqualTo(3));
            Assert.That(Directory.GetFiles(download, "*", SearchOption.AllDirectories).Select(Path.GetFileName), Is.EqualTo(new[] { WordCountJob.CorpusOutputFileName }));
            Assert.That(await OfflineAzure.ContainerNamesAsync(), Is.EquivalentTo(containersBefore), "the run's containers are deleted from Azurite");
        }
        finally
        {
            Directory.Delete(download, recursive: true);
        }
    }

    [Test]
    public async Task AnInvalidUtf8Input_BlocksTheMerge_AndTheRunEndsNamingIt()
    {
        await using var emulator = await OfflineAzure.StartEmulatorAsync();
        string work = Directory.CreateTempSubdirectory("topnwords-emulator-corpus-").FullName;
        try
        {
            string inputs = Directory.CreateDirectory(Path.Combine(work, "inputs")).FullName;
            File.WriteAllText(Path.Combine(inputs, "a.txt"), "one two two");
            File.WriteAllBytes(Path.Combine(inputs, "broken.txt"), [(byte)'o', (byte)'k', (byte)' ', 0xC3, 0x28, (byte)'\n']);
            var workflow = new BatchWorkflow(OfflineAzure.Storage(), OfflineAzure.Compute(emulator), FastPolling);

            var result = await workflow.RunCorpusWordCountAsync([inputs], 3, d => d.DownloadDirectory = Path.Combine(work, "out"));

            Assert.That(result.Succeeded, Is.False);
            Assert.That(result.CorpusTopWords, Is.Null);
            Assert.That(result.Reduce!.Error, Does.Contain("'broken.txt'").And.Contain("did not run"));
            await OfflineAzure.WaitForNoPoolsOrJobsAsync(emulator);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Test]
    public async Task OneThousandFiles_ThroughPartialMerges_MatchTheReference()
    {
        await using var emulator = await OfflineAzure.StartEmulatorAsync();
        string work = Directory.CreateTempSubdirectory("topnwords-emulator-corpus-").FullName;
        try
        {
            string inputs = CorpusReference.WriteSmallFiles(Path.Combine(work, "inputs"), 1000, seed: 1001);
            var workflow = new BatchWorkflow(OfflineAzure.Storage(), OfflineAzure.Compute(emulator), FastPolling);

            var result = await workflow.RunCorpusWordCountAsync([inputs], 10, d =>
            {
                d.DownloadDirectory = Path.Combine(work, "out");
                d.Pool.NodeCount = 2;
                d.Pool.TaskSlotsPerNode = 2;
                d.Reduce!.MaxInputsPerTask = 400;
            });

            Assert.That(result.Succeeded, Is.True, OfflineAzure.Describe(result) + result.Reduce?.Error);
            Assert.That(result.Tasks, Has.Count.EqualTo(1000));
            Assert.That(result.CorpusTopWords!.InputCount, Is.EqualTo(1000), "the final merge covers every input through the partial merges");
            Assert.That(result.Reduce!.TaskIds, Is.EqualTo(new[] { "reduce-00001", "reduce-00002", "reduce-00003", "reduce" }));
            Assert.That(CorpusReference.Show(result.CorpusTopWords!.Words), Is.EqualTo(CorpusReference.Show(CorpusReference.TopWords(result.Tasks.Select(t => t.Input.FilePath), 10))));
            Assert.That(Directory.GetFiles(Path.Combine(work, "out")), Has.Length.EqualTo(1), "the client downloaded one file");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
