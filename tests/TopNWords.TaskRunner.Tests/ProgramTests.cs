using System.Diagnostics;

namespace TopNWords.TaskRunner.Tests;

/// <summary>The runner as tasks run it: a separate process with AZ_BATCH_* variables and a working directory.</summary>
[TestFixture]
public class ProgramTests
{
    private string _workDir = null!;

    [SetUp]
    public void SetUp()
    {
        _workDir = Path.Combine(Path.GetTempPath(), "topnwords-runner-process", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_workDir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_workDir, recursive: true);

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunProcessAsync(params string[] args)
    {
        string runner = Path.Combine(TestContext.CurrentContext.TestDirectory, "TopNWords.TaskRunner.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(runner);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["AZ_BATCH_NODE_ID"] = "node-a";
        psi.Environment["AZ_BATCH_TASK_ID"] = "task-7";
        psi.Environment["AZ_BATCH_JOB_ID"] = "job-x";
        psi.Environment["AZ_BATCH_POOL_ID"] = "pool-y";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2), TimeProvider.System);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    [Test]
    public async Task Main_TutorialFile_WritesOutputWithBatchVariables()
    {
        var (code, stdout, stderr) = await RunProcessAsync("--filepath", TaskRunnerCommandTests.TutorialFile("taskdata1.txt"), "--numwords", "3");

        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stdout, Does.Contain("taskdata1_OUTPUT.txt"));
        Assert.That(
            File.ReadAllText(Path.Combine(_workDir, "taskdata1_OUTPUT.txt")),
            Is.EqualTo("Word\tCount\n------------------------------\nto:\t18\nand:\t17\nyou:\t14\n------------------------------\nNode: node-a\nTask: task-7\nJob:  job-x\nPool: pool-y\n"));
    }

    [Test]
    public async Task Main_UsageError_ExitsTwo()
    {
        var (code, _, stderr) = await RunProcessAsync("--numwords", "0", "--filepath", "x");

        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("usage:"));
    }

    [Test]
    public async Task Main_MissingInput_ExitsThree()
    {
        var (code, _, stderr) = await RunProcessAsync("--filepath", "missing.txt", "--numwords", "3");

        Assert.That(code, Is.EqualTo(3));
        Assert.That(stderr, Does.Contain("missing.txt"));
    }
    [Test]
    public async Task Main_CountsThenMerge_WritesCorpusTopNWithInputsLine()
    {
        var countFiles = new List<string>();
        foreach (string file in new[] { "taskdata1.txt", "taskdata2.txt", "taskdata3.txt" })
        {
            var (countCode, _, countErr) = await RunProcessAsync("--filepath", TaskRunnerCommandTests.TutorialFile(file), "--numwords", "3", "--counts");
            Assert.That(countCode, Is.EqualTo(0), countErr);
            countFiles.Add(TaskRunnerCommand.CountsFileName(file));
        }

        File.WriteAllLines(Path.Combine(_workDir, "inputs.lst"), countFiles);

        var (code, stdout, stderr) = await RunProcessAsync("--merge", "--numwords", "3", "--inputs-from", "inputs.lst");

        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stdout, Does.Contain("merged 3 count files"));
        Assert.That(
            File.ReadAllText(Path.Combine(_workDir, "corpus_OUTPUT.txt")),
            Is.EqualTo("Word\tCount\n------------------------------\nand:\t27\nthe:\t25\nto:\t24\n------------------------------\nNode: node-a\nTask: task-7\nJob:  job-x\nPool: pool-y\nInputs: 3\n"));
    }

    [Test]
    public async Task Main_MergeWithMissingCountFile_ExitsThreeNamingIt()
    {
        var (code, _, stderr) = await RunProcessAsync("--merge", "--numwords", "3", "absent_COUNTS.txt");

        Assert.That(code, Is.EqualTo(3));
        Assert.That(stderr, Does.Contain("'absent_COUNTS.txt'"));
    }
}
