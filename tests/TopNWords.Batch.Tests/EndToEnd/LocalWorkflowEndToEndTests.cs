using System.Globalization;
using System.Text;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Conformance.Testing;

namespace TopNWords.Batch.Tests.EndToEnd;

/// <summary>The whole workflow on the embedded default: local folder storage, local processes, the real task runner.</summary>
[TestFixture]
[NonParallelizable]
public class LocalWorkflowEndToEndTests
{
    private string _work = null!;

    [SetUp]
    public void SetUp() => _work = Directory.CreateTempSubdirectory("topnwords-e2e-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_work, recursive: true);

    private static string TutorialFolder => Path.Combine(TestContext.CurrentContext.TestDirectory, "testdata", "tutorial");

    private static CancellationToken Deadline() => new CancellationTokenSource(TimeSpan.FromMinutes(5), TimeProvider.System).Token;

    [Test]
    public async Task RunWordCountAsync_TutorialFiles_GiveTheDesignTopThreeAndLeaveNothingBehind()
    {
        string root = Path.Combine(_work, "root");
        BatchRunResult result;
        await using (var workflow = new LocalBatchWorkflow(new LocalBatchWorkflowOptions { RootDirectory = root }))
        {
            result = await workflow.RunWordCountAsync([TutorialFolder], 3, d => d.DownloadDirectory = Path.Combine(_work, "out"), cancellationToken: Deadline());
        }

        Assert.That(result.Succeeded, Is.True, string.Join("\n", result.FailedTasks.Select(t => t.DescribeFailure() + "\n" + t.StderrTail)));
        var top = result.Tasks.ToDictionary(t => t.Input.Name, t => string.Join(", ", t.TopWords!.Words.Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.Word} {w.Count}"))));
        Assert.That(top["taskdata1.txt"], Is.EqualTo("to 18, and 17, you 14"));
        Assert.That(top["taskdata2.txt"], Is.EqualTo("Storage 11, for 8, data 7"));
        Assert.That(top["taskdata3.txt"], Is.EqualTo("the 10, of 8, and 6"));
        Assert.That(result.Tasks.Select(t => t.TopWords!.TaskId), Is.EqualTo(result.Tasks.Select(t => t.TaskId)), "the task runner saw AZ_BATCH_TASK_ID");
        Assert.That(result.Tasks.Select(t => t.TopWords!.PoolId), Has.All.EqualTo(result.PoolId));
        Assert.That(File.Exists(Path.Combine(_work, "out", "taskdata1_OUTPUT.txt")), Is.True);
        Assert.That(Directory.GetDirectories(Path.Combine(root, "storage")), Is.Empty, "the run's containers are deleted");
        Assert.That(Directory.Exists(Path.Combine(root, "compute", "pools", result.PoolId)), Is.False, "the run's pool is deleted");
    }

    [Test]
    public async Task RunWordCountAsync_TwoHundredFilesOnTwoNodesWithTwoSlots_AllSucceed()
    {
        string inputs = Directory.CreateDirectory(Path.Combine(_work, "inputs")).FullName;
        var random = new Random(200);
        string[] vocabulary = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"];
        for (int i = 0; i < 200; i++)
        {
            // File i repeats word i % 8 most often, so its top word is known.
            var text = new StringBuilder();
            for (int k = 0; k < 50; k++)
            {
                text.Append(vocabulary[i % 8]).Append(' ');
            }

            for (int k = 0; k < 40; k++)
            {
                text.Append(vocabulary[random.Next(vocabulary.Length)]).Append(random.Next(3) == 0 ? '\n' : ' ');
            }

            File.WriteAllText(Path.Combine(inputs, string.Create(CultureInfo.InvariantCulture, $"file{i:D3}.txt")), text.ToString());
        }

        await using var workflow = new LocalBatchWorkflow(new LocalBatchWorkflowOptions { RootDirectory = Path.Combine(_work, "root") });
        var result = await workflow.RunWordCountAsync([inputs], 1, d =>
        {
            d.Pool.NodeCount = 2;
            d.Pool.TaskSlotsPerNode = 2;
            d.DownloadDirectory = Path.Combine(_work, "out");
        }, cancellationToken: Deadline());

        Assert.That(result.Tasks, Has.Count.EqualTo(200));
        Assert.That(result.FailedTasks, Is.Empty);
        Assert.That(result.Tasks.Select(t => t.NodeId).Distinct().Count(), Is.EqualTo(2), "both nodes ran tasks");
        for (int i = 0; i < 200; i++)
        {
            Assert.That(result.Tasks[i].TopWords!.Words[0].Word, Is.EqualTo(vocabulary[i % 8]), result.Tasks[i].Input.Name);
        }
    }

    [Test]
    public async Task RunWordCountAsync_HostileFileNames_AreProcessedAndNeverExecuted()
    {
        string inputs = Directory.CreateDirectory(Path.Combine(_work, "inputs")).FullName;
        string marker = Path.Combine(_work, "pwned");
        string[] names =
        [
            "name with spaces.txt",
            "it's \"quoted\".txt",
            $"$(touch {marker}).txt",
            $"`touch {marker}`;x.txt",
            "-n 3 --numwords 99.txt",
            "données été 日本.txt",
        ];
        foreach (string name in names)
        {
            string safe = name.Replace('/', '_');
            File.WriteAllText(Path.Combine(inputs, safe), "safe safe word");
        }

        await using var workflow = new LocalBatchWorkflow(new LocalBatchWorkflowOptions { RootDirectory = Path.Combine(_work, "root") });
        var result = await workflow.RunWordCountAsync([inputs], 2, d => d.DownloadDirectory = Path.Combine(_work, "out"), cancellationToken: Deadline());

        Assert.That(result.FailedTasks.Select(t => t.DescribeFailure() + " " + t.StderrTail), Is.Empty);
        Assert.That(result.Tasks.Select(t => t.TopWords!.Words[0]), Has.All.EqualTo(new TopWord("safe", 2)));
        Assert.That(File.Exists(marker), Is.False, "no file name was interpreted by a shell");
        Assert.That(Directory.GetFiles(Path.Combine(_work, "out")).Select(Path.GetFileName), Has.Member("données été 日本_OUTPUT.txt"));
    }

    [Test]
    public async Task RunWordCountAsync_SameFileNameInTwoSubfolders_AreTwoInputsWithDistinctOutputs()
    {
        string inputs = Directory.CreateDirectory(Path.Combine(_work, "inputs")).FullName;
        Directory.CreateDirectory(Path.Combine(inputs, "a"));
        Directory.CreateDirectory(Path.Combine(inputs, "b", "c"));
        await File.WriteAllTextAsync(Path.Combine(inputs, "a", "x.txt"), "apple apple pear");
        await File.WriteAllTextAsync(Path.Combine(inputs, "b", "c", "x.txt"), "plum plum plum fig");
        await File.WriteAllTextAsync(Path.Combine(inputs, "x.txt"), "kiwi");
        string root = Path.Combine(_work, "root");
        string output = Path.Combine(_work, "out");

        BatchRunResult result;
        await using (var workflow = new LocalBatchWorkflow(new LocalBatchWorkflowOptions { RootDirectory = root }))
        {
            result = await workflow.RunWordCountAsync([inputs], 1, d => d.DownloadDirectory = output, cancellationToken: Deadline());
        }

        Assert.That(result.Succeeded, Is.True, string.Join("\n", result.Tasks.Select(t => t.DescribeFailure() + "\n" + t.StderrTail)));
        Assert.That(result.Tasks.Select(t => t.Input.Name), Is.EqualTo(new[] { "a/x.txt", "b/c/x.txt", "x.txt" }));
        Assert.That(result.Tasks.Select(t => t.TaskId).Distinct().Count(), Is.EqualTo(3));
        Assert.That(result.Tasks.Select(t => t.TopWords!.Words[0]), Is.EqualTo(new[] { new TopWord("apple", 2), new TopWord("plum", 3), new TopWord("kiwi", 1) }));
        Assert.That(File.ReadAllText(Path.Combine(output, "a", "x_OUTPUT.txt")), Does.Contain("apple"));
        Assert.That(File.ReadAllText(Path.Combine(output, "b", "c", "x_OUTPUT.txt")), Does.Contain("plum"));
        Assert.That(File.ReadAllText(Path.Combine(output, "x_OUTPUT.txt")), Does.Contain("kiwi"));
        Assert.That(result.Tasks.Select(t => t.OutputFiles.Single()), Is.EqualTo(new[]
        {
            Path.Combine(output, "a", "x_OUTPUT.txt"),
            Path.Combine(output, "b", "c", "x_OUTPUT.txt"),
            Path.Combine(output, "x_OUTPUT.txt"),
        }));
        Assert.That(Directory.GetDirectories(Path.Combine(root, "storage")), Is.Empty, "the run's containers are deleted");
    }

    [Test]
    public async Task RunWordCountAsync_InvalidUtf8Input_FailsThatTaskWithExitCodeAndStderrWhileOthersSucceed()
    {
        string inputs = Directory.CreateDirectory(Path.Combine(_work, "inputs")).FullName;
        File.WriteAllText(Path.Combine(inputs, "good.txt"), "fine words");
        File.WriteAllBytes(Path.Combine(inputs, "bad.txt"), [0x61, 0x20, 0xC3, 0x28]);

        await using var workflow = new LocalBatchWorkflow(new LocalBatchWorkflowOptions { RootDirectory = Path.Combine(_work, "root") });
        var result = await workflow.RunWordCountAsync([inputs], 2, d => d.DownloadDirectory = Path.Combine(_work, "out"), cancellationToken: Deadline());

        var bad = result.Tasks.Single(t => t.Input.Name == "bad.txt");
        Assert.That(bad.Succeeded, Is.False);
        Assert.That(bad.ExitCode, Is.EqualTo(3));
        Assert.That(bad.FailureInfo!.Code, Is.EqualTo("FailureExitCode"));
        Assert.That(bad.StderrTail, Does.Contain("byte offset 2"));
        Assert.That(result.Tasks.Single(t => t.Input.Name == "good.txt").Succeeded, Is.True);
    }

    [Test]
    public async Task RunWordCountAsync_CallerOwnedPool_IsUsedAndKept()
    {
        await using var workflow = new LocalBatchWorkflow(new LocalBatchWorkflowOptions { RootDirectory = Path.Combine(_work, "root") });
        await workflow.Compute.CreatePoolAsync(new PoolSpec("callers-pool", 1));

        var result = await workflow.RunWordCountAsync([TutorialFolder], 1, d =>
        {
            d.Pool.ExistingPoolId = "callers-pool";
            d.DownloadDirectory = Path.Combine(_work, "out");
        }, cancellationToken: Deadline());

        Assert.That(result.Succeeded, Is.True, string.Join("\n", result.FailedTasks.Select(t => t.DescribeFailure() + "\n" + t.StderrTail)));
        Assert.That(await workflow.Compute.GetPoolAsync("callers-pool"), Is.Not.Null, "the caller's pool survives the run");
        Assert.That(result.Tasks.Select(t => t.TopWords!.Words[0].Word), Is.EqualTo(new[] { "to", "Storage", "the" }));
    }

    [Test]
    public async Task RunAsync_CancelledWhileTasksRun_KillsThemAndLeavesNothingBehind()
    {
        // Each task records its shell's process id, then becomes a long sleep; the run is cancelled once both run.
        string app = Directory.CreateDirectory(Path.Combine(_work, "app")).FullName;
        await File.WriteAllTextAsync(Path.Combine(app, "sleeper.sh"), "echo $$ > \"$1.tmp\" && mv \"$1.tmp\" \"$1\"\nexec sleep 300\n");
        string pids = Directory.CreateDirectory(Path.Combine(_work, "pids")).FullName;
        string inputs = Directory.CreateDirectory(Path.Combine(_work, "inputs")).FullName;
        await File.WriteAllTextAsync(Path.Combine(inputs, "a.txt"), "a");
        await File.WriteAllTextAsync(Path.Combine(inputs, "b.txt"), "b");
        var definition = new BatchRunDefinition(
            BatchInput.FromPaths([inputs]),
            TaskApplication.FromDirectory("sleeper", app, "/bin/sh", "{app}/sleeper.sh"),
            [Path.Combine(pids, "{inputName}")])
        {
            DownloadDirectory = Path.Combine(_work, "out"),
        };
        string root = Path.Combine(_work, "root");
        await using var workflow = new LocalBatchWorkflow(new LocalBatchWorkflowOptions { RootDirectory = root });
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Deadline());

        Task<BatchRunResult> run = workflow.RunAsync(definition, progress: null, cancel.Token);
        string[] pidFiles = [Path.Combine(pids, "a.txt"), Path.Combine(pids, "b.txt")];
        while (!pidFiles.All(File.Exists) && !run.IsCompleted)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System);
        }

        Assert.That(run.IsCompleted, Is.False, "both tasks started and still run");
        int[] shells = pidFiles.Select(f => int.Parse(File.ReadAllText(f).Trim(), CultureInfo.InvariantCulture)).ToArray();
        await cancel.CancelAsync();

        Assert.That(async () => await run, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(shells.Where(ProcessProbe.IsRunning), Is.Empty, "every task process is killed");
        Assert.That(Directory.GetDirectories(Path.Combine(root, "storage")), Is.Empty, "the run's containers are deleted");
        Assert.That(Directory.Exists(Path.Combine(root, "compute", "pools")) ? Directory.GetDirectories(Path.Combine(root, "compute", "pools")) : [], Is.Empty, "the run's pool is deleted");
    }

    [Test]
    public async Task Sample_NoArguments_PrintsTheTopThreeOfEachTutorialFile()
    {
        var (code, stdout, stderr) = await RunSampleAsync();

        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stdout, Does.Contain("taskdata1.txt").And.Contain("  to: 18\n  and: 17\n  you: 14\n"));
        Assert.That(stdout, Does.Contain("  Storage: 11\n  for: 8\n  data: 7\n"));
        Assert.That(stdout, Does.Contain("  the: 10\n  of: 8\n  and: 6\n"));
        Assert.That(stdout, Does.Contain("3 tasks, 0 failed, wall time"));
    }

    [Test]
    public async Task Sample_Corpus_PrintsEachFileThenAllFilesTogetherUnderAHeadingNamingTheirNumber()
    {
        var (code, stdout, stderr) = await RunSampleAsync("--corpus", "--numwords", "3");

        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stdout, Does.Contain("  to: 18\n  and: 17\n  you: 14\n").And.Contain("  Storage: 11\n  for: 8\n  data: 7\n").And.Contain("  the: 10\n  of: 8\n  and: 6\n"));
        int heading = stdout.IndexOf("All 3 files together (task reduce,", StringComparison.Ordinal);
        Assert.That(heading, Is.GreaterThan(stdout.IndexOf("  the: 10\n", StringComparison.Ordinal)), "the corpus comes after the per-file results");
        Assert.That(stdout[heading..], Does.Contain("):\n  and: 27\n  the: 25\n  to: 24\n"), "the tutorial's three files counted as one text");
    }

    [Test]
    public async Task Sample_CorpusWithAFailingInput_ExitsOneNamingItAsTheReasonTheCorpusIsMissing()
    {
        string bad = Path.Combine(_work, "bad.txt");
        File.WriteAllBytes(bad, [0xFF]);
        string good = Path.Combine(_work, "good.txt");
        File.WriteAllText(good, "fine words");

        var (code, stdout, stderr) = await RunSampleAsync(good, bad, "--corpus", "--numwords", "2", "--nodes", "1");

        Assert.That(code, Is.EqualTo(1));
        Assert.That(stderr, Does.Contain("FAILED the top words of all 2 files together").And.Contain("'bad.txt'"));
        Assert.That(stdout, Does.Not.Contain("files together"));
    }

    [Test]
    public async Task Sample_FailingInput_ExitsNonZeroNamingTheFileAndShowingStderr()
    {
        string bad = Path.Combine(_work, "bad.txt");
        File.WriteAllBytes(bad, [0xFF]);

        var (code, stdout, stderr) = await RunSampleAsync(bad, "--numwords", "2", "--nodes", "1");

        Assert.That(code, Is.EqualTo(1));
        Assert.That(stderr, Does.Contain("FAILED 'bad.txt'").And.Contain("exit code 3").And.Contain("byte offset 0"));
        Assert.That(stdout, Does.Contain("1 tasks, 1 failed"));
    }

    [TestCase("--numwords", "0")]
    [TestCase("--nodes", "x")]
    [TestCase("--bogus")]
    public async Task Sample_BadArguments_ExitTwoWithUsage(params string[] args)
    {
        var (code, _, stderr) = await RunSampleAsync(args);

        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("usage:"));
    }

    [TestCase("status")]
    [TestCase("status", "a", "b")]
    [TestCase("sweep")]
    [TestCase("sweep", "--older-than", "soon")]
    [TestCase("list", "--keep")]
    public async Task Sample_VerbMisused_ExitsTwoWithTheErrorAndUsage(params string[] args)
    {
        var (code, stdout, stderr) = await RunSampleAsync(args);

        Assert.That(code, Is.EqualTo(2), stdout + stderr);
        Assert.That(stderr, Does.Contain("error: ").And.Contain("usage:"));
    }

    [Test]
    public async Task Sample_Help_ExitsZeroListingTheOptionsAndVerbs()
    {
        var (code, stdout, stderr) = await RunSampleAsync("--help");

        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stdout, Does.Contain("--numwords <N>").And.Contain("--run-id <ID>").And.Contain("--detach").And.Contain("--root <DIR>").And.Contain("--storage-connection-string-file <PATH|->"));
        Assert.That(stdout, Does.Contain("status <ID>").And.Contain("cancel <ID>").And.Contain("list").And.Contain("sweep"));
        Assert.That(stdout, Does.Not.Contain("tasks,"), "no run");
    }

    [Test]
    public async Task Sample_EmptyFolder_ExitsTwoWithTheLibrarysMessageAndNoStackTrace()
    {
        string empty = Directory.CreateDirectory(Path.Combine(_work, "empty")).FullName;
        File.WriteAllText(Path.Combine(empty, ".hidden"), "skipped");

        var (code, stdout, stderr) = await RunSampleAsync(empty, "--nodes", "1");

        Assert.That(code, Is.EqualTo(2), stdout + stderr);
        Assert.That(stderr, Does.Contain("error: The run definition is invalid; nothing was created").And.Contain("The run has no inputs"));
        Assert.That(stderr, Does.Not.Contain("(Parameter '"));
        Assert.That(stdout + stderr, Does.Not.Contain("   at ").And.Not.Contain("Unhandled exception"));
    }

    [Test]
    public async Task Sample_TwoInputsWithOneName_ExitsTwoNamingBothFilesWithoutAStackTrace()
    {
        string one = Directory.CreateDirectory(Path.Combine(_work, "one")).FullName;
        string two = Directory.CreateDirectory(Path.Combine(_work, "two")).FullName;
        File.WriteAllText(Path.Combine(one, "x.txt"), "a");
        File.WriteAllText(Path.Combine(two, "x.txt"), "b");

        var (code, stdout, stderr) = await RunSampleAsync(one, two, "--nodes", "1");

        Assert.That(code, Is.EqualTo(2), stdout + stderr);
        Assert.That(stderr, Does.Contain(Path.Combine(one, "x.txt")).And.Contain(Path.Combine(two, "x.txt")).And.Contain("'x.txt'"));
        Assert.That(stdout + stderr, Does.Not.Contain("   at ").And.Not.Contain("Unhandled exception"));
    }

    /// <summary>Stands for an account key: it must never be printed.</summary>
    private const string SecretKey = "c2VjcmV0LWtleS1uZXZlci1wcmludGVkLWFueXdoZXJl";

    /// <summary>A usable connection string (to a closed loopback port: were it accepted, no public endpoint is reached).</summary>
    private const string SecretConnectionString = $"DefaultEndpointsProtocol=http;AccountName=someaccount;AccountKey={SecretKey};BlobEndpoint=http://127.0.0.1:1/someaccount;";

    [TestCase("--storage-connection-string", SecretConnectionString)]
    [TestCase("--storage-connection-string=" + SecretConnectionString)]
    [TestCase("--numwords", "2", "--storage-connection-string", SecretConnectionString, "--nodes", "1")]
    [TestCase("no-such-input.txt", "--storage-connection-string", SecretConnectionString)]
    public async Task Sample_StorageConnectionStringOnTheCommandLine_ExitsTwoWithoutPrintingIt(params string[] args)
    {
        var (code, stdout, stderr) = await RunSampleAsync(args);

        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("error: --storage-connection-string is not supported: secrets are not taken on the command line"));
        Assert.That(stderr, Does.Contain("TOPNWORDS_STORAGE_CONNECTION_STRING").And.Contain("--storage-connection-string-file PATH"));
        Assert.That(stdout + stderr, Does.Not.Contain(SecretKey).And.Not.Contain("AccountKey").And.Not.Contain("someaccount"));
        Assert.That(stdout, Does.Not.Contain("tasks,"), "no run");
    }

    [Test]
    public async Task Sample_MistypedOptionWithAValue_NamesOnlyTheOption()
    {
        var (code, stdout, stderr) = await RunSampleAsync("--storage-conection-string=" + SecretConnectionString);

        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("error: unknown option '--storage-conection-string'."));
        Assert.That(stdout + stderr, Does.Not.Contain(SecretKey));
    }

    [Test]
    public async Task Sample_StorageConnectionStringFileMissing_ExitsTwoNamingTheFile()
    {
        string missing = Path.Combine(_work, "no-such-file");

        var (code, _, stderr) = await RunSampleAsync("--storage-connection-string-file", missing);

        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain($"error: --storage-connection-string-file: cannot read the storage connection string from '{missing}'"));
    }

    [Test]
    public async Task Sample_StorageConnectionStringFileEmpty_ExitsTwo()
    {
        string empty = Path.Combine(_work, "empty");
        await File.WriteAllTextAsync(empty, "\n");

        var (code, _, stderr) = await RunSampleAsync("--storage-connection-string-file", empty);

        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain($"'{empty}' holds no storage connection string"));
    }

    [Test]
    public async Task Sample_UnusableConnectionStringFromStandardInput_ExitsTwoWithoutPrintingIt()
    {
        var result = await SampleProcess.RunAsync(
            SampleDll,
            _work,
            ["--storage-connection-string-file", "-"],
            standardInput: $"AccountKey={SecretKey}\n",
            cancellationToken: Deadline());

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Stderr, Does.Contain("error: the storage connection string is not usable"));
        Assert.That(result.Stdout + result.Stderr, Does.Not.Contain(SecretKey));
    }

    private const string SampleDll = "TopNWords.Samples.Local.dll";

    private async Task<(int Code, string Stdout, string Stderr)> RunSampleAsync(params string[] args)
    {
        var result = await SampleProcess.RunAsync(SampleDll, _work, args, cancellationToken: Deadline());
        return (result.ExitCode, result.Stdout, result.Stderr);
    }
}
