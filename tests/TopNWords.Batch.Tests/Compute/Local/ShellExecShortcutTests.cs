using TopNWords.Batch.Compute;
using TopNWords.Batch.Compute.Local;

namespace TopNWords.Batch.Tests.Compute.Local;

/// <summary>The local compute runs <c>/bin/sh -c 'exec … "$@"'</c> without the shell, and only when the shell would do exactly that.</summary>
[TestFixture]
public class ShellExecShortcutTests
{
    private static readonly Dictionary<string, string> Environment = new(StringComparer.Ordinal)
    {
        ["AZ_BATCH_NODE_SHARED_DIR"] = "/nodes/n 1/shared",
        ["PATH"] = "/usr/bin:/bin",
    };

    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("topnwords-shortcut-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [TestCase("exec \"$AZ_BATCH_NODE_SHARED_DIR\"/app/run \"$@\"", new[] { "/nodes/n 1/shared/app/run" }, true)]
    [TestCase("exec \"${AZ_BATCH_NODE_SHARED_DIR}/app\"/'my run' --x=1 \"$@\"", new[] { "/nodes/n 1/shared/app/my run", "--x=1" }, true)]
    [TestCase("exec dotnet \"$AZ_BATCH_NODE_SHARED_DIR\"/app/a.dll", new[] { "dotnet", "/nodes/n 1/shared/app/a.dll" }, false)]
    [TestCase("exec  a  'b c'  \"\"", new[] { "a", "b c", "" }, false)]
    [TestCase("exec \"$UNSET\"x", new[] { "x" }, false)]
    public void ParseExec_ExpandsLikeTheShell(string script, string[] words, bool passArguments)
    {
        var parsed = ShellExecShortcut.ParseExec(script, Environment);

        Assert.That(parsed, Is.Not.Null);
        Assert.That(parsed!.Value.Words, Is.EqualTo(words));
        Assert.That(parsed.Value.PassArguments, Is.EqualTo(passArguments));
    }

    [TestCase("echo hi")]
    [TestCase("exec a; b")]
    [TestCase("exec a && b")]
    [TestCase("exec $AZ_BATCH_NODE_SHARED_DIR/a")]
    [TestCase("exec a *.txt")]
    [TestCase("exec ~/a")]
    [TestCase("exec \"$1\"")]
    [TestCase("exec \"${X:-y}\"")]
    [TestCase("exec \"`id`\"")]
    [TestCase("exec \"a\\\"b\"")]
    [TestCase("exec 'a")]
    [TestCase("exec \"a")]
    [TestCase("exec \"$@\" a")]
    [TestCase("exec a\tb")]
    [TestCase("exec a\nb")]
    [TestCase("exec a > out")]
    public void ParseExec_LeavesAnythingElseToTheShell(string script) =>
        Assert.That(ShellExecShortcut.ParseExec(script, Environment), Is.Null);

    [Test]
    public void TryUnwrap_RunsTheProgramWithTheArgumentsAfterTheName()
    {
        RequireLinux();
        var environment = new Dictionary<string, string>(Environment) { ["APP"] = _folder };
        string program = Path.Combine(_folder, "prog");
        File.WriteAllText(program, "#!/bin/sh\nexit 0\n");
        if (IsLinux)
        {
            File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var unwrapped = ShellExecShortcut.TryUnwrap(["/bin/sh", "-c", "exec \"$APP\"/prog --first \"$@\"", "topnwords-task", "--filepath", "input/a b.txt", "$HOME"], environment, _folder);

        Assert.That(unwrapped, Is.EqualTo(new[] { program, "--first", "--filepath", "input/a b.txt", "$HOME" }));
    }

    [Test]
    public void TryUnwrap_LeavesToTheShell_AMissingProgram_ANonExecutableFile_AndAFileWithoutInterpreter()
    {
        RequireLinux();
        var environment = new Dictionary<string, string>(Environment) { ["APP"] = _folder };
        string plain = Path.Combine(_folder, "plain");
        File.WriteAllText(plain, "#!/bin/sh\n");
        string script = Path.Combine(_folder, "script");
        File.WriteAllText(script, "exit 3\n"); // no #!: the shell runs it as a script itself
        if (IsLinux)
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }

        Assert.Multiple(() =>
        {
            Assert.That(ShellExecShortcut.TryUnwrap(["/bin/sh", "-c", "exec \"$APP\"/missing \"$@\"", "x"], environment, _folder), Is.Null);
            Assert.That(ShellExecShortcut.TryUnwrap(["/bin/sh", "-c", "exec \"$APP\"/plain \"$@\"", "x"], environment, _folder), Is.Null);
            Assert.That(ShellExecShortcut.TryUnwrap(["/bin/sh", "-c", "exec \"$APP\"/script \"$@\"", "x"], environment, _folder), Is.Null);
            Assert.That(ShellExecShortcut.TryUnwrap(["/bin/bash", "-c", "exec /bin/true"], environment, _folder), Is.Null);
            Assert.That(ShellExecShortcut.TryUnwrap(["/bin/sh", "-c"], environment, _folder), Is.Null);
        });
    }

    [Test]
    public async Task ATask_RunThroughTheShortcut_GetsWhatTheShellWouldHaveGivenIt()
    {
        RequireLinux();
        await using var compute = new LocalProcessCompute(new LocalProcessComputeOptions { RootPath = Path.Combine(_folder, "compute"), PollInterval = TimeSpan.FromMilliseconds(20) });
        await compute.CreatePoolAsync(new PoolSpec("pool", 1) { TaskSlotsPerNode = 2 });
        await compute.CreateJobAsync(new JobSpec("job", "pool"));
        string shortcut = BatchCommandLine.Join(["/bin/sh", "-c", "exec /usr/bin/printf \"%s|\" \"$AZ_BATCH_TASK_ID\" \"$@\"", "topnwords-task", "a b", "$HOME", "*"]);
        string viaShell = BatchCommandLine.Join(["/bin/sh", "-c", "/usr/bin/printf \"%s|\" \"$AZ_BATCH_TASK_ID\" \"$@\"", "topnwords-task", "a b", "$HOME", "*"]);
        await compute.AddTasksAsync("job", [new TaskSpec("shortcut", shortcut), new TaskSpec("shell", viaShell), new TaskSpec("missing", BatchCommandLine.Join(["/bin/sh", "-c", "exec /nonexistent/prog \"$@\"", "x"]))]);
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60), TimeProvider.System))
        {
            while ((await compute.GetTaskCountsAsync("job", deadline.Token)).Completed < 3)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, deadline.Token);
            }
        }

        var missing = await compute.GetTaskAsync("job", "missing");
        Assert.Multiple(async () =>
        {
            Assert.That(await compute.GetTaskOutputTailAsync("job", "shortcut", TaskOutputStream.StandardOutput, 1000), Is.EqualTo("shortcut|a b|$HOME|*|"));
            Assert.That(await compute.GetTaskOutputTailAsync("job", "shell", TaskOutputStream.StandardOutput, 1000), Is.EqualTo("shell|a b|$HOME|*|"));
            Assert.That(missing!.ExitCode, Is.EqualTo(127), "a missing program is the shell's to report");
        });
    }

    [System.Runtime.Versioning.SupportedOSPlatformGuard("linux")]
    private static bool IsLinux => OperatingSystem.IsLinux();

    private static void RequireLinux()
    {
        if (!IsLinux)
        {
            Assert.Ignore("The shortcut is taken on Linux only.");
        }
    }
}
