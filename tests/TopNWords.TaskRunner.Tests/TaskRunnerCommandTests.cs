using System.Text;

namespace TopNWords.TaskRunner.Tests;

[TestFixture]
public class TaskRunnerCommandTests
{
    private string _workDir = null!;

    [SetUp]
    public void SetUp()
    {
        _workDir = Path.Combine(Path.GetTempPath(), "topnwords-runner-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_workDir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_workDir, recursive: true);

    internal static string TutorialFile(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "testdata", "tutorial", name);

    private static readonly Dictionary<string, string> BatchEnvironment = new()
    {
        ["AZ_BATCH_NODE_ID"] = "tvm-1_1-20260101t000000z",
        ["AZ_BATCH_TASK_ID"] = "topNtask0",
        ["AZ_BATCH_JOB_ID"] = "PythonTutorialJob",
        ["AZ_BATCH_POOL_ID"] = "PythonTutorialPool",
    };

    private (int ExitCode, string Stdout, string Stderr) Run(IDictionary<string, string>? env, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = TaskRunnerCommand.Run(args, stdout, stderr, name => env is not null && env.TryGetValue(name, out string? v) ? v : null, _workDir);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [TestCase("taskdata1.txt", "taskdata1_OUTPUT.txt", "to:\t18\nand:\t17\nyou:\t14\n")]
    [TestCase("taskdata2.txt", "taskdata2_OUTPUT.txt", "Storage:\t11\nfor:\t8\ndata:\t7\n")]
    [TestCase("taskdata3.txt", "taskdata3_OUTPUT.txt", "the:\t10\nof:\t8\nand:\t6\n")]
    public void Run_TutorialFile_WritesDesignFormatByteForByte(string input, string output, string lines)
    {
        var (code, _, stderr) = Run(BatchEnvironment, "--filepath", TutorialFile(input), "--numwords", "3");

        Assert.That(code, Is.EqualTo(0), stderr);
        string expected =
            "Word\tCount\n" +
            "------------------------------\n" +
            lines +
            "------------------------------\n" +
            "Node: tvm-1_1-20260101t000000z\n" +
            "Task: topNtask0\n" +
            "Job:  PythonTutorialJob\n" +
            "Pool: PythonTutorialPool\n";
        Assert.That(File.ReadAllBytes(Path.Combine(_workDir, output)), Is.EqualTo(Encoding.UTF8.GetBytes(expected)));
    }

    [Test]
    public void Run_BatchVariablesUnset_PrintsThemEmpty()
    {
        var (code, _, _) = Run(null, "--numwords", "1", "--filepath", TutorialFile("taskdata1.txt"));

        Assert.That(code, Is.EqualTo(0));
        Assert.That(
            File.ReadAllText(Path.Combine(_workDir, "taskdata1_OUTPUT.txt")),
            Is.EqualTo("Word\tCount\n------------------------------\nto:\t18\n------------------------------\nNode: \nTask: \nJob:  \nPool: \n"));
    }

    [Test]
    public void Run_EqualsSyntax_IsAccepted()
    {
        var (code, stdout, _) = Run(null, $"--filepath={TutorialFile("taskdata2.txt")}", "--numwords=2");

        Assert.That(code, Is.EqualTo(0));
        Assert.That(stdout, Does.Contain("taskdata2_OUTPUT.txt"));
        Assert.That(File.ReadAllText(Path.Combine(_workDir, "taskdata2_OUTPUT.txt")), Does.Contain("Storage:\t11\nfor:\t8\n------"));
    }

    [Test]
    public void Run_FileNameStartingWithDash_IsTakenAsThePath()
    {
        string path = Path.Combine(_workDir, "-n 3 $(echo hi).txt");
        File.WriteAllText(path, "hi hi there");

        var (code, _, stderr) = Run(null, "--filepath", path, "--numwords", "1");

        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(File.ReadAllText(Path.Combine(_workDir, "-n 3 $(echo hi)_OUTPUT.txt")), Does.Contain("hi:\t2\n"));
    }

    [TestCase("taskdata1.txt", "taskdata1_OUTPUT.txt")]
    [TestCase("/data/in/report.final.csv", "report.final_OUTPUT.csv")]
    [TestCase("README", "README_OUTPUT")]
    [TestCase(".bashrc", ".bashrc_OUTPUT")]
    [TestCase("..x.y", "..x_OUTPUT.y")]
    [TestCase("données été.txt", "données été_OUTPUT.txt")]
    public void OutputFileName_SplitsTheExtensionLikePython(string input, string expected)
    {
        Assert.That(TaskRunnerCommand.OutputFileName(input), Is.EqualTo(expected));
    }

    [TestCase(new string[0], "--filepath is required")]
    [TestCase(new[] { "--filepath", "x.txt" }, "--numwords is required")]
    [TestCase(new[] { "--numwords", "3" }, "--filepath is required")]
    [TestCase(new[] { "--filepath", "x.txt", "--numwords", "0" }, "at least 1")]
    [TestCase(new[] { "--filepath", "x.txt", "--numwords", "-2" }, "at least 1")]
    [TestCase(new[] { "--filepath", "x.txt", "--numwords", "three" }, "at least 1")]
    [TestCase(new[] { "--filepath", "x.txt", "--numwords", "99999999999" }, "at least 1")]
    [TestCase(new[] { "--filepath", "x.txt", "--numwords", "3", "--verbose" }, "unknown argument '--verbose'")]
    [TestCase(new[] { "--filepath", "x.txt", "--numwords" }, "--numwords needs a value")]
    [TestCase(new[] { "--filepath", "x.txt", "--filepath", "y.txt", "--numwords", "3" }, "more than once")]
    [TestCase(new[] { "x.txt" }, "unknown argument 'x.txt'")]
    public void Run_UsageError_ExitsTwoWithUsageLine(string[] args, string message)
    {
        var (code, _, stderr) = Run(null, args);

        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain(message));
        Assert.That(stderr, Does.Contain("usage: TopNWords.TaskRunner --filepath <file> --numwords <N>"));
        Assert.That(Directory.GetFileSystemEntries(_workDir), Is.Empty);
    }

    [Test]
    public void Run_Help_PrintsUsageAndSucceeds()
    {
        var (code, stdout, _) = Run(null, "--help");

        Assert.That(code, Is.EqualTo(0));
        Assert.That(stdout, Does.StartWith("usage:"));
    }

    [Test]
    public void Run_MissingFile_ExitsThreeNamingTheFile()
    {
        string path = Path.Combine(_workDir, "nope.txt");

        var (code, _, stderr) = Run(null, "--filepath", path, "--numwords", "3");

        Assert.That(code, Is.EqualTo(3));
        Assert.That(stderr, Does.Contain(path).And.Contain("not found"));
        Assert.That(Directory.GetFileSystemEntries(_workDir), Is.Empty);
    }

    [Test]
    public void Run_Directory_ExitsThreeNamingIt()
    {
        string dir = Directory.CreateDirectory(Path.Combine(_workDir, "adir.txt")).FullName;

        var (code, _, stderr) = Run(null, "--filepath", dir, "--numwords", "3");

        Assert.That(code, Is.EqualTo(3));
        Assert.That(stderr, Does.Contain(dir).And.Contain("directory"));
        Assert.That(Directory.GetFileSystemEntries(_workDir), Is.EqualTo(new[] { dir }));
    }

    [Test]
    public void Run_UnreadableFile_ExitsThree()
    {
        if (OperatingSystem.IsWindows() || Environment.UserName == "root")
        {
            Assert.Ignore("File permissions do not stop root (and work differently on Windows); this runs where tests run unprivileged.");
            return;
        }

        string path = Path.Combine(_workDir, "secret.txt");
        File.WriteAllText(path, "a b");
        File.SetUnixFileMode(path, UnixFileMode.None);

        var (code, _, stderr) = Run(null, "--filepath", path, "--numwords", "3");

        Assert.That(code, Is.EqualTo(3));
        Assert.That(stderr, Does.Contain(path));
    }

    [Test]
    public void Run_InvalidUtf8_ExitsThreeNamingFileAndOffsetAndLeavesNoOutput()
    {
        string path = Path.Combine(_workDir, "bad.txt");
        File.WriteAllBytes(path, [.. "good words here "u8, 0xC3, 0x28]);

        var (code, _, stderr) = Run(null, "--filepath", path, "--numwords", "3");

        Assert.That(code, Is.EqualTo(3));
        Assert.That(stderr, Does.Contain(path).And.Contain("byte offset 16"));
        Assert.That(Directory.GetFiles(_workDir), Is.EqualTo(new[] { path }));
    }

    [Test]
    public void Run_InvalidUtf8WithReplaceFlag_Succeeds()
    {
        string path = Path.Combine(_workDir, "bad.txt");
        File.WriteAllBytes(path, [.. "good good "u8, 0xC3, 0x28]);

        var (code, _, _) = Run(null, "--filepath", path, "--numwords", "3", "--replace-invalid-utf8");

        Assert.That(code, Is.EqualTo(0));
        Assert.That(File.ReadAllText(Path.Combine(_workDir, "bad_OUTPUT.txt")), Does.Contain("good:\t2\n\uFFFD:\t1\n"));
    }

    [Test]
    public void Run_OutputDirectoryNotWritable_ExitsOneAndLeavesNoTemporaryFile()
    {
        // The output "file" already exists as a directory, so the final rename fails.
        Directory.CreateDirectory(Path.Combine(_workDir, "taskdata1_OUTPUT.txt"));

        var (code, _, stderr) = Run(null, "--filepath", TutorialFile("taskdata1.txt"), "--numwords", "3");

        Assert.That(code, Is.EqualTo(1));
        Assert.That(stderr, Does.Contain("taskdata1_OUTPUT.txt"));
        Assert.That(Directory.GetFiles(_workDir), Is.Empty);
    }

    [Test]
    public void Run_ExistingOutput_IsReplacedWhole()
    {
        File.WriteAllText(Path.Combine(_workDir, "taskdata3_OUTPUT.txt"), new string('z', 10_000));

        var (code, _, _) = Run(null, "--filepath", TutorialFile("taskdata3.txt"), "--numwords", "1");

        Assert.That(code, Is.EqualTo(0));
        Assert.That(File.ReadAllText(Path.Combine(_workDir, "taskdata3_OUTPUT.txt")), Does.StartWith("Word\tCount\n").And.Not.Contain("zzz"));
    }
}
