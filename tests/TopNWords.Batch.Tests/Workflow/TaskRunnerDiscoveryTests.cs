namespace TopNWords.Batch.Tests.Workflow;

/// <summary>Which task runner <see cref="TaskApplication.TopNWordsTaskRunner"/> finds next to an application.</summary>
[TestFixture]
public class TaskRunnerDiscoveryTests
{
    private static readonly string[] ManagedFiles =
    [
        "TopNWords.TaskRunner.dll", "TopNWords.TaskRunner.runtimeconfig.json", "TopNWords.TaskRunner.deps.json", "TopNWords.WordCount.dll",
    ];

    private string _base = null!;

    [SetUp]
    public void SetUp() => _base = Directory.CreateTempSubdirectory("topnwords-discovery-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_base, recursive: true);

    [Test]
    public void Packaged_OnLinuxX64_IsTheNativeExecutable_OneFile()
    {
        string native = WritePackaged();

        TaskApplication application = TaskApplication.FindTaskRunner(_base, linuxX64: true);

        Assert.Multiple(() =>
        {
            Assert.That(application.Name, Is.EqualTo("topnwords-taskrunner"));
            Assert.That(application.EntryPoint, Is.EqualTo(new[] { "{app}/TopNWords.TaskRunner" }));
            Assert.That(application.Files, Is.EqualTo(new[] { new ApplicationFile(native, "TopNWords.TaskRunner") }));
        });
    }

    [Test]
    public void Packaged_ElsewhereThanLinuxX64_IsTheManagedRunner()
    {
        WritePackaged();

        TaskApplication application = TaskApplication.FindTaskRunner(_base, linuxX64: false);

        string managed = Path.Combine(_base, "topnwords-taskrunner", "managed");
        Assert.Multiple(() =>
        {
            Assert.That(application.EntryPoint, Is.EqualTo(new[] { "dotnet", "{app}/TopNWords.TaskRunner.dll" }));
            Assert.That(application.Files, Is.EqualTo(ManagedFiles.Select(f => new ApplicationFile(Path.Combine(managed, f), f))));
        });
    }

    [Test]
    public void ProjectReference_NothingPackaged_IsTheManagedRunnerInTheBaseFolder()
    {
        WriteFiles(_base);

        TaskApplication application = TaskApplication.FindTaskRunner(_base, linuxX64: true);

        Assert.Multiple(() =>
        {
            Assert.That(application.EntryPoint, Is.EqualTo(new[] { "dotnet", "{app}/TopNWords.TaskRunner.dll" }));
            Assert.That(application.Files.Select(f => f.LocalPath), Is.EqualTo(ManagedFiles.Select(f => Path.Combine(_base, f))));
        });
    }

    [Test]
    public void Nothing_SaysWhereItLookedAndToReferenceThePackage()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => TaskApplication.FindTaskRunner(_base, linuxX64: true));

        Assert.That(ex!.Message, Does.Contain(_base).And.Contain("Reference the TopNWords.Batch package"));
    }

    [Test]
    public void InThisTestProject_TheProjectReferenceGivesTheManagedRunner()
    {
        TaskApplication application = TaskApplication.TopNWordsTaskRunner();

        Assert.That(application.EntryPoint[0], Is.EqualTo("dotnet"));
    }

    private string WritePackaged()
    {
        WriteFiles(Directory.CreateDirectory(Path.Combine(_base, "topnwords-taskrunner", "managed")).FullName);
        string native = Path.Combine(Directory.CreateDirectory(Path.Combine(_base, "topnwords-taskrunner", "linux-x64")).FullName, "TopNWords.TaskRunner");
        File.WriteAllBytes(native, [0x7F, (byte)'E', (byte)'L', (byte)'F']);
        return native;
    }

    private static void WriteFiles(string folder)
    {
        foreach (string file in ManagedFiles)
        {
            File.WriteAllText(Path.Combine(folder, file), "x");
        }
    }
}
