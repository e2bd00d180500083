using System.Globalization;
using System.Text;
using TopNWords.Batch.Conformance.Testing;

namespace TopNWords.Batch.Tests.EndToEnd;

/// <summary>The corpus top N on the embedded default: counting tasks with full counts, then merge tasks on the pool that depend on them.</summary>
[TestFixture]
[NonParallelizable]
public class CorpusTopWordsTests
{
    private string _work = null!;

    [SetUp]
    public void SetUp() => _work = Directory.CreateTempSubdirectory("topnwords-corpus-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_work, recursive: true);

    private static string TutorialFolder => Path.Combine(TestContext.CurrentContext.TestDirectory, "testdata", "tutorial");

    private static CancellationToken Deadline(int minutes = 5) => new CancellationTokenSource(TimeSpan.FromMinutes(minutes), TimeProvider.System).Token;

    [Test]
    public async Task RunCorpusWordCountAsync_TutorialFiles_GiveTheConcatenationsTopWordsAndDownloadOnlyThem()
    {
        string root = Path.Combine(_work, "root");
        string output = Path.Combine(_work, "out");
        BatchRunResult result;
        await using (var workflow = new LocalBatchWorkflow(new LocalBatchWorkflowOptions { RootDirectory = root }))
        {
            result = await workflow.RunCorpusWordCountAsync([TutorialFolder], 5, d => d.DownloadDirectory = output, cancellationToken: Deadline());
        }

        Assert.That(result.Succeeded, Is.True, result.Reduce?.Error + string.Join("\n", result.FailedTasks.Select(t => t.DescribeFailure() + "\n" + t.StderrTail)));
        var inputs = result.Tasks.Select(t => t.Input.FilePath).ToList();
        Assert.That(result.CorpusTopWords, Is.Not.Null);
        Assert.That(CorpusReference.Show(result.CorpusTopWords!.Words), Is.EqualTo(CorpusReference.Show(CorpusReference.TopWords(inputs, 5))));
        Assert.That(result.CorpusTopWords.InputCount, Is.EqualTo(3));
        Assert.That(result.CorpusTopWords.TaskId, Is.EqualTo("reduce"), "the merge ran as the job's task 'reduce'");
        Assert.That(result.Reduce!.TaskIds, Is.EqualTo(new[] { "reduce" }));
        Assert.That(Directory.GetFiles(output, "*", SearchOption.AllDirectories).Select(Path.GetFileName), Is.EqualTo(new[] { WordCountJob.CorpusOutputFileName }), "only the corpus result is downloaded");
        Assert.That(result.Reduce.OutputFile, Is.EqualTo(Path.Combine(output, WordCountJob.CorpusOutputFileName)));
        Assert.That(result.Tasks.Select(t => t.TopWords), Has.All.Null, "per-file outputs are not downloaded unless asked");
        Assert.That(Directory.GetDirectories(Path.Combine(root, "storage")), Is.Empty, "the run's containers are deleted");
    }

    [Test]
    public async Task SubmitThenAttach_FromAnotherWorkflow_GivesTheCorpusTopWords()
    {
        string root = Path.Combine(_work, "root");
        var definition = WordCountJob.CreateCorpusDefinition([TutorialFolder], 3);
        definition.RunId = "corpus-attach";
        definition.DownloadDirectory = Path.Combine(_work, "out");
        await using (var submitter = new LocalBatchWorkflow(new LocalBatchWorkflowOptions { RootDirectory = root }))
        {
            var status = await submitter.SubmitAsync(definition, cancellationToken: Deadline());
            Assert.That(status.State, Is.EqualTo(BatchRunState.Running));
        }

        BatchRunResult result;
        await using (var attacher = new LocalBatchWorkflow(new LocalBatchWorkflowOptions { RootDirectory = root }))
        {
            result = await attacher.AttachAsync("corpus-attach", cancellationToken: Deadline());
        }

        Assert.That(result.Succeeded, Is.True, result.Reduce?.Error);
        Assert.That(CorpusReference.Show(result.CorpusTopWords!.Words), Is.EqualTo("and 27, the 25, to 24"));
        Assert.That(result.CorpusTopWords.InputCount, Is.EqualTo(3));
    }

    [Test]
    public async Task RunCorpusWordCountAsync_WithTaskOutputs_DownloadsBothAndTheCorpusIsNotTheSumOfTopLists()
    {
        string inputs = Directory.CreateDirectory(Path.Combine(_work, "inputs")).FullName;

        // "common" is 2nd in every file, never 1st; overall it is 1st.
        File.WriteAllText(Path.Combine(inputs, "a.txt"), "alpha alpha alpha common common");
        File.WriteAllText(Path.Combine(inputs, "b.txt"), "beta beta beta common common");
        File.WriteAllText(Path.Combine(inputs, "c.txt"), "gamma gamma gamma common common");
        string output = Path.Combine(_work, "out");
        await using var workflow = new LocalBatchWorkflow(new LocalBatchWorkflowOptions { RootDirectory = Path.Combine(_work, "root") });
        var result = await workflow.RunCorpusWordCountAsync([inputs], 1, d =>
        {
            d.DownloadDirectory = output;
            d.DownloadTaskOutputs = true;
        }, cancellationToken: Deadline());

        Assert.That(result.Succeeded, Is.True, result.Reduce?.Error);
        Assert.That(result.Tasks.Select(t => t.TopWords!.Words[0].Word), Is.EqualTo(new[] { "alpha", "beta", "gamma" }));
        Assert.That(result.CorpusTopWords!.Words, Is.EqualTo(new[] { new TopWord("common", 6) }));
        Assert.That(Directory.GetFiles(output).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "a_OUTPUT.txt", "b_OUTPUT.txt", "c_OUTPUT.txt", WordCountJob.CorpusOutputFileName }));
    }

    [Test]
    public async Task RunCorpusWordCountAsync_RandomCorporaWithTiesNonAsciiAndEmptyFiles_MatchTheReferenceAtEveryFanIn([Values(4, 1000)] int maxInputsPerTask)
    {
        var random = new Random(16 + maxInputsPerTask);
        string[] vocabulary = ["a", "b", "c", "été", "日本", "Straße", "STRASSE", "x-y", "ñ", "z"];
        string[] separators = [" ", "\n", "\r\n", "\t", "\u00A0", "\u3000", "  "];
        for (int corpus = 0; corpus < 3; corpus++)
        {
            string inputs = Directory.CreateDirectory(Path.Combine(_work, $"inputs{corpus}")).FullName;
            int files = random.Next(5, 12);
            for (int f = 0; f < files; f++)
            {
                var text = new StringBuilder();
                int words = random.Next(4) == 0 ? 0 : random.Next(1, 30);
                for (int w = 0; w < words; w++)
                {
                    text.Append(vocabulary[random.Next(vocabulary.Length)]).Append(separators[random.Next(separators.Length)]);
                }

                byte[] bytes = Encoding.UTF8.GetBytes(text.ToString());
                if (random.Next(3) == 0)
                {
                    bytes = [0xEF, 0xBB, 0xBF, .. bytes];
                }

                File.WriteAllBytes(Path.Combine(inputs, string.Create(CultureInfo.InvariantCulture, $"f{f:D2}.txt")), bytes);
            }

            await using var workflow = new LocalBatchWorkflow(new LocalBatchWorkflowOptions { RootDirectory = Path.Combine(_work, $"root{corpus}") });
            var result = await workflow.RunCorpusWordCountAsync([inputs], 4, d =>
            {
                d.DownloadDirectory = Path.Combine(_work, $"out{corpus}");
                d.Reduce!.MaxInputsPerTask = maxInputsPerTask;
                d.Pool.TaskSlotsPerNode = 2;
            }, cancellationToken: Deadline());

            Assert.That(result.Succeeded, Is.True, result.Reduce?.Error);
            Assert.That(CorpusReference.Show(result.CorpusTopWords!.Words), Is.EqualTo(CorpusReference.Show(CorpusReference.TopWords(result.Tasks.Select(t => t.Input.FilePath), 4))), $"corpus {corpus} of {files} files");
            Assert.That(result.CorpusTopWords.InputCount, Is.EqualTo(files), "the final merge covers every input, through partial merges too");
            if (maxInputsPerTask < files)
            {
                Assert.That(result.Reduce!.TaskIds, Has.Count.EqualTo(((files + maxInputsPerTask - 1) / maxInputsPerTask) + 1), "partial merges, then the final one");
            }
        }
    }

    [Test]
    public async Task RunCorpusWordCountAsync_AnInvalidUtf8Input_BlocksTheMergeAndTheRunEndsNamingIt([Values(1000, 2)] int maxInputsPerTask)
    {
        string inputs = Directory.CreateDirectory(Path.Combine(_work, "inputs")).FullName;
        File.WriteAllText(Path.Combine(inputs, "a.txt"), "one two two");
        File.WriteAllBytes(Path.Combine(inputs, "broken.txt"), [(byte)'o', (byte)'k', (byte)' ', 0xFF, 0xFE, (byte)'\n']);
        File.WriteAllText(Path.Combine(inputs, "c.txt"), "three three three");
        string root = Path.Combine(_work, "root");
        await using var workflow = new LocalBatchWorkflow(new LocalBatchWorkflowOptions { RootDirectory = root });
        var result = await workflow.RunCorpusWordCountAsync([inputs], 3, d =>
        {
            d.DownloadDirectory = Path.Combine(_work, "out");
            d.Reduce!.MaxInputsPerTask = maxInputsPerTask;
        }, cancellationToken: Deadline());

        Assert.That(result.Succeeded, Is.False);
        Assert.That(result.FailedTasks.Select(t => t.Input.Name), Is.EqualTo(new[] { "broken.txt" }));
        Assert.That(result.CorpusTopWords, Is.Null);
        Assert.That(result.Reduce!.Succeeded, Is.False);
        Assert.That(result.Reduce.Error, Does.Contain("did not run").And.Contain("1 input(s) failed").And.Contain("'broken.txt'").And.Contain("exit code"));
        Assert.That(result.Reduce.OutputFile, Is.Null);
        Assert.That(Directory.GetDirectories(Path.Combine(root, "storage")), Is.Empty, "cleanup still deleted everything (policy Always)");
    }

    [Test]
    public async Task RunCorpusWordCountAsync_OneThousandFiles_MatchTheReferenceThroughPartialMerges()
    {
        const int maxInputsPerTask = 300;
        string inputs = CorpusReference.WriteSmallFiles(Path.Combine(_work, "inputs"), 1000, seed: 1000);

        await using var workflow = new LocalBatchWorkflow(new LocalBatchWorkflowOptions { RootDirectory = Path.Combine(_work, "root") });
        var result = await workflow.RunCorpusWordCountAsync([inputs], 10, d =>
        {
            d.DownloadDirectory = Path.Combine(_work, "out");
            d.Pool.NodeCount = 2;
            d.Pool.TaskSlotsPerNode = 2;
            d.Reduce!.MaxInputsPerTask = maxInputsPerTask;
        }, cancellationToken: Deadline(15));

        Assert.That(result.Succeeded, Is.True, result.Reduce?.Error);
        Assert.That(result.Tasks, Has.Count.EqualTo(1000));
        Assert.That(result.CorpusTopWords!.InputCount, Is.EqualTo(1000));
        Assert.That(CorpusReference.Show(result.CorpusTopWords!.Words), Is.EqualTo(CorpusReference.Show(CorpusReference.TopWords(result.Tasks.Select(t => t.Input.FilePath), 10))));
        Assert.That(result.Reduce!.TaskIds, Is.EqualTo(new[] { "reduce-00001", "reduce-00002", "reduce-00003", "reduce-00004", "reduce" }), "4 partial merges of at most 300 files, then the final one");
        Assert.That(Directory.GetFiles(Path.Combine(_work, "out")), Has.Length.EqualTo(1), "the client downloaded one file");
    }
}
