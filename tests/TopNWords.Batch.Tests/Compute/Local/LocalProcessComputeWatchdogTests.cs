using TopNWords.Batch.Compute;
using TopNWords.Batch.Compute.Local;

namespace TopNWords.Batch.Tests.Compute.Local;

/// <summary>What a task sees of the watchdog that leads its process group on Linux: nothing (exit codes, stdin, file descriptors, environment).</summary>
[TestFixture]
public class LocalProcessComputeWatchdogTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private string _root = null!;
    private LocalProcessCompute _compute = null!;

    [SetUp]
    public void SetUp()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("The watchdog runs on Linux.");
        }

        _root = Directory.CreateTempSubdirectory("topnwords-watchdog-").FullName;
        _compute = new LocalProcessCompute(new LocalProcessComputeOptions { RootPath = Path.Combine(_root, "compute"), PollInterval = TimeSpan.FromMilliseconds(20) });
    }

    [TearDown]
    public async Task TearDown()
    {
        if (_compute is not null)
        {
            await _compute.DisposeAsync();
        }

        if (_root is not null)
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Test]
    public async Task Tasks_KeepTheirExactExitCodes_EmptyStdin_NoExtraDescriptors_AndTheirEnvironment()
    {
        Assert.That(_compute.UsesProcessGroups, Is.True, "setsid is installed on the test machines");
        await _compute.CreatePoolAsync(new PoolSpec("pool", 1) { TaskSlotsPerNode = 4 });
        await _compute.CreateJobAsync(new JobSpec("job", "pool"));
        await _compute.AddTasksAsync("job",
        [
            new TaskSpec("exit-42", Sh("exit 42")),
            new TaskSpec("sigterm", Sh("kill -TERM $$")),
            new TaskSpec("sigkill", Sh("kill -KILL $$")),
            new TaskSpec("stdin", Sh("cat; echo read")),
            new TaskSpec("fd-3", "/usr/bin/test -e /proc/self/fd/3"),
            new TaskSpec("fd-0", "/usr/bin/readlink /proc/self/fd/0"),
            new TaskSpec("env", "/usr/bin/env"),
        ]);
        using (var deadline = new CancellationTokenSource(Deadline, TimeProvider.System))
        {
            while ((await _compute.GetTaskCountsAsync("job", deadline.Token)).Completed < 7)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, deadline.Token);
            }
        }

        var tasks = new Dictionary<string, BatchTaskInfo>();
        await foreach (var task in _compute.ListTasksAsync("job"))
        {
            tasks[task.Id] = task;
        }

        string? stdin = await _compute.GetTaskOutputTailAsync("job", "stdin", TaskOutputStream.StandardOutput, 100);
        string? stdinFile = await _compute.GetTaskOutputTailAsync("job", "fd-0", TaskOutputStream.StandardOutput, 100);
        string? environment = await _compute.GetTaskOutputTailAsync("job", "env", TaskOutputStream.StandardOutput, 100_000);
        string workingDirectory = Path.Combine(_compute.GetTaskDirectory("job", "env")!, "wd");
        Assert.Multiple(() =>
        {
            Assert.That(tasks["exit-42"].ExitCode, Is.EqualTo(42));
            Assert.That(tasks["sigterm"].ExitCode, Is.EqualTo(128 + 15));
            Assert.That(tasks["sigkill"].ExitCode, Is.EqualTo(128 + 9));
            Assert.That(stdin, Is.EqualTo("read\n"), "stdin is empty: reading it ends at once");
            Assert.That(tasks["fd-3"].ExitCode, Is.EqualTo(1), "the watchdog's descriptor of the client's pipe does not reach the task");
            Assert.That(stdinFile, Is.EqualTo("/dev/null\n"));
            Assert.That(environment!.Split('\n').Where(l => l.StartsWith("PWD=", StringComparison.Ordinal) || l.StartsWith("OLDPWD=", StringComparison.Ordinal)), Is.EqualTo(new[] { "PWD=" + workingDirectory }), "the task's PWD, as the compute sets it");
        });
    }

    private static string Sh(string script) => "/bin/sh -c " + BatchCommandLine.Quote(script);
}
