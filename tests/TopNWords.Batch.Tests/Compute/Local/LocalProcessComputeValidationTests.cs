using TopNWords.Batch.Compute;
using TopNWords.Batch.Compute.Local;

namespace TopNWords.Batch.Tests.Compute.Local;

/// <summary>
/// <see cref="LocalProcessCompute.ValidateTask"/> and <see cref="LocalProcessCompute.ValidateStartTask"/>: what a host
/// (such as the emulator) answers for a task or start task before it adds it.
/// </summary>
[TestFixture]
public class LocalProcessComputeValidationTests
{
    private static readonly Uri Container = new("https://account.blob.core.windows.net/output?sig=secret");

    [Test]
    public void ValidateTask_AValidTask_ReturnsNull()
    {
        var task = new TaskSpec("task-1_A", "/bin/sh -c 'echo \"$1\"' sh word")
        {
            Constraints = new TaskConstraints { MaxWallClockTime = TimeSpan.FromMinutes(5), MaxTaskRetryCount = -1 },
        };
        task.ResourceFiles.Add(new ResourceFile(new Uri("https://account.blob.core.windows.net/input/a.txt"), "input/a.txt"));
        task.EnvironmentSettings["NAME"] = "value";
        task.OutputFiles.Add(new OutputFileSpec("*_OUTPUT.txt", Container, OutputUploadCondition.TaskSuccess));

        Assert.That(LocalProcessCompute.ValidateTask(task), Is.Null);
    }

    [TestCase("task.1")]
    [TestCase("task 1")]
    [TestCase("tâche")]
    public void ValidateTask_IdWithCharactersBatchRefuses_SaysWhichAreAllowed(string id)
    {
        Assert.That(LocalProcessCompute.ValidateTask(new TaskSpec(id, "program")), Does.Contain($"'{id}' may only contain letters, digits, hyphens and underscores"));
    }

    [Test]
    public void ValidateTask_IdLongerThan64Characters_SaysTheLimit()
    {
        Assert.That(LocalProcessCompute.ValidateTask(new TaskSpec(new string('a', 65), "program")), Does.Contain("65 characters long; the limit is 64"));
    }

    [Test]
    public void ValidateTask_UnclosedQuote_ReturnsTheCommandLineError()
    {
        Assert.That(LocalProcessCompute.ValidateTask(new TaskSpec("t1", "program 'unclosed")), Does.Contain("unclosed single quote"));
    }

    [Test]
    public void ValidateTask_BadEnvironmentName_ReturnsWhy()
    {
        var task = new TaskSpec("t1", "program");
        task.EnvironmentSettings["A=B"] = "value";

        Assert.That(LocalProcessCompute.ValidateTask(task), Does.Contain("Environment variable name 'A=B'"));
    }

    [Test]
    public void ValidateTask_OutputPatternOutsideTheTaskFolder_ReturnsWhy()
    {
        var task = new TaskSpec("t1", "program");
        task.OutputFiles.Add(new OutputFileSpec("../../escape.txt", Container, OutputUploadCondition.TaskCompletion));

        Assert.That(LocalProcessCompute.ValidateTask(task), Does.Contain("reaches outside the task folder"));
    }

    [Test]
    public void ValidateTask_NonPositiveWallClockAndBadRetryCount_ReturnsEveryProblem()
    {
        var task = new TaskSpec("t1", "program") { Constraints = new TaskConstraints { MaxWallClockTime = TimeSpan.Zero, MaxTaskRetryCount = -2 } };

        string? error = LocalProcessCompute.ValidateTask(task);

        Assert.That(error, Does.Contain("MaxWallClockTime").And.Contain("MaxTaskRetryCount is -2"));
    }

    [Test]
    public void ValidateTask_Null_Throws()
        => Assert.Throws<ArgumentNullException>(() => LocalProcessCompute.ValidateTask(null!));

    [Test]
    public void ValidateStartTask_AValidStartTask_ReturnsNull()
    {
        var startTask = new StartTaskSpec("/bin/sh -c 'cp -R . \"$AZ_BATCH_NODE_SHARED_DIR/app\"'") { MaxTaskRetryCount = 2, WaitForSuccess = true };
        startTask.ResourceFiles.Add(new ResourceFile(new Uri("https://account.blob.core.windows.net/app/runner"), "runner"));
        startTask.EnvironmentSettings["MODE"] = "fast";

        Assert.That(LocalProcessCompute.ValidateStartTask(startTask), Is.Null);
    }

    [Test]
    public void ValidateStartTask_LoneBackslash_ReturnsTheCommandLineError()
    {
        Assert.That(LocalProcessCompute.ValidateStartTask(new StartTaskSpec("program \\")), Does.Contain("lone backslash"));
    }

    [Test]
    public void ValidateStartTask_RetryCountBelowMinusOne_ReturnsWhatToUse()
    {
        Assert.That(LocalProcessCompute.ValidateStartTask(new StartTaskSpec("program") { MaxTaskRetryCount = -5 }), Does.Contain("use -1 (no limit), 0 or more"));
    }

    [Test]
    public void ValidateStartTask_ResourceFileWithoutPath_ReturnsWhy()
    {
        var startTask = new StartTaskSpec("program");
        startTask.ResourceFiles.Add(new ResourceFile(new Uri("https://account.blob.core.windows.net/app/runner"), null!));

        Assert.That(LocalProcessCompute.ValidateStartTask(startTask), Does.Contain("Resource file 0 has no URL or no file path"));
    }

    [Test]
    public void ValidateStartTask_Null_Throws()
        => Assert.Throws<ArgumentNullException>(() => LocalProcessCompute.ValidateStartTask(null!));
}
