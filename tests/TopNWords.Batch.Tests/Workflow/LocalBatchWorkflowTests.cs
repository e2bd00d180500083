using TopNWords.Batch.Compute;

namespace TopNWords.Batch.Tests.Workflow;

/// <summary>The embedded default's own options: what it hands to the local compute it creates.</summary>
[TestFixture]
public class LocalBatchWorkflowTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private string _root = null!;

    [SetUp]
    public void SetUp() => _root = Directory.CreateTempSubdirectory("topnwords-localworkflow-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_root, recursive: true);

    [Test]
    public async Task PassThroughEnvironmentVariables_NameGiven_ReachesTasksAndOtherVariablesDoNot()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            Assert.Ignore("The task runs /usr/bin/env.");
        }

        // Unique names, removed again below: tests in this assembly do not run in parallel.
        string suffix = Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();
        string passed = "TOPNWORDS_TEST_WORKFLOW_PASSED_" + suffix;
        string kept = "TOPNWORDS_TEST_WORKFLOW_KEPT_" + suffix;
        Environment.SetEnvironmentVariable(passed, "passed-value");
        Environment.SetEnvironmentVariable(kept, "kept-value");
        try
        {
            var options = new LocalBatchWorkflowOptions { RootDirectory = Path.Combine(_root, "root") };
            options.PassThroughEnvironmentVariables.Add(passed);
            await using var workflow = new LocalBatchWorkflow(options);
            options.PassThroughEnvironmentVariables.Add(kept); // too late: the workflow copied the names
            using var deadline = new CancellationTokenSource(Deadline, TimeProvider.System);
            await workflow.Compute.CreatePoolAsync(new PoolSpec("env", 1), deadline.Token);
            await workflow.Compute.WaitForPoolReadyAsync("env", deadline.Token);
            await workflow.Compute.CreateJobAsync(new JobSpec("job", "env"), deadline.Token);
            await workflow.Compute.AddTasksAsync("job", [new TaskSpec("env", "/usr/bin/env")], deadline.Token);
            while ((await workflow.Compute.GetTaskCountsAsync("job", deadline.Token)).Completed != 1)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, deadline.Token);
            }

            string? output = await workflow.Compute.GetTaskOutputTailAsync("job", "env", TaskOutputStream.StandardOutput, 1 << 20, deadline.Token);

            Assert.That(output, Does.Contain($"\n{passed}=passed-value\n").Or.StartWith($"{passed}=passed-value\n"));
            Assert.That(output, Does.Not.Contain(kept));
        }
        finally
        {
            Environment.SetEnvironmentVariable(passed, null);
            Environment.SetEnvironmentVariable(kept, null);
        }
    }

    [TestCase("AZ_BATCH_NODE_ID")]
    [TestCase("NAME=VALUE")]
    [TestCase("")]
    public void Constructor_InvalidPassThroughEnvironmentVariable_ThrowsNamingItBeforeCreatingAFolder(string name)
    {
        string root = Path.Combine(_root, "never");
        var options = new LocalBatchWorkflowOptions { RootDirectory = root };
        options.PassThroughEnvironmentVariables.Add(name);

        var ex = Assert.Throws<ArgumentException>(() => _ = new LocalBatchWorkflow(options));

        Assert.That(ex!.ParamName, Is.EqualTo(nameof(LocalBatchWorkflowOptions.PassThroughEnvironmentVariables)));
        Assert.That(Directory.Exists(root), Is.False);
    }
}
