using TopNWords.Batch.Azure.Compute;

namespace TopNWords.Batch.Azure.Tests.Compute;

/// <summary>The Linux task runners (native, self-contained) as task applications.</summary>
[TestFixture]
public class AzureTaskApplicationsTests
{
    private static readonly byte[] Elf = [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0];

    /// <summary>The first 20 bytes of an x86-64 ELF executable (e_machine 0x3E at offset 18).</summary>
    private static readonly byte[] ElfX64 = [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3E, 0];

    /// <summary>The same for Arm64 (e_machine 0xB7).</summary>
    private static readonly byte[] ElfArm64 = [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0xB7, 0];

    private string _directory = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = Path.Combine(Path.GetTempPath(), "topnwords-taskapp-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(_directory, "de"));
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void LinuxTaskRunner_File_IsThatOneFileWithItAsEntryPoint()
    {
        string executable = Path.Combine(_directory, "TopNWords.TaskRunner");
        File.WriteAllBytes(executable, ElfX64);
        File.WriteAllText(executable + ".dbg", "symbols");

        TaskApplication application = AzureTaskApplications.LinuxTaskRunner(executable);

        Assert.Multiple(() =>
        {
            Assert.That(application.Name, Is.EqualTo("topnwords-taskrunner"));
            Assert.That(application.EntryPoint, Is.EqualTo(new[] { "{app}/TopNWords.TaskRunner" }));
            Assert.That(application.Files, Is.EqualTo(new[] { new ApplicationFile(executable, "TopNWords.TaskRunner") }), "one file: the symbols stay behind");
        });
    }

    [Test]
    public void LinuxTaskRunner_Folder_FindsTheExecutableInIt()
    {
        File.WriteAllBytes(Path.Combine(_directory, "TopNWords.TaskRunner"), ElfX64);

        TaskApplication application = AzureTaskApplications.LinuxTaskRunner(_directory);

        Assert.That(application.Files.Single().LocalPath, Is.EqualTo(Path.Combine(_directory, "TopNWords.TaskRunner")));
    }

    [Test]
    public void LinuxTaskRunner_Default_WithoutThePackage_NamesThePathAndBothRemedies()
    {
        // This test project references the task runner as a project, not the TopNWords.Batch package: no
        // topnwords-taskrunner/linux-x64 folder next to it.
        var ex = Assert.Throws<FileNotFoundException>(() => AzureTaskApplications.LinuxTaskRunner());

        Assert.That(ex!.Message, Does.Contain(Path.Combine(AppContext.BaseDirectory, "topnwords-taskrunner", "linux-x64", "TopNWords.TaskRunner"))
            .And.Contain("Reference the TopNWords.Batch package")
            .And.Contain("dotnet publish src/TopNWords.TaskRunner -c Release -r linux-x64 -p:PublishAot=true"));
    }

    [Test]
    public void LinuxTaskRunner_MissingFile_SaysHowToPublish()
    {
        string missing = Path.Combine(_directory, "nothing-here");

        var ex = Assert.Throws<FileNotFoundException>(() => AzureTaskApplications.LinuxTaskRunner(missing));

        Assert.That(ex!.Message, Does.Contain(missing).And.Contain(AzureTaskApplications.NativePublishCommand));
    }

    [Test]
    public void LinuxTaskRunner_NotElf_IsRefused()
    {
        string executable = Path.Combine(_directory, "TopNWords.TaskRunner");
        File.WriteAllText(executable, "MZ and then a Windows program");

        var ex = Assert.Throws<InvalidOperationException>(() => AzureTaskApplications.LinuxTaskRunner(executable));

        Assert.That(ex!.Message, Does.Contain("is not a Linux program").And.Contain("-p:PublishAot=true"));
    }

    [Test]
    public void LinuxTaskRunner_Arm64Elf_IsRefused()
    {
        string executable = Path.Combine(_directory, "TopNWords.TaskRunner");
        File.WriteAllBytes(executable, ElfArm64);

        var ex = Assert.Throws<InvalidOperationException>(() => AzureTaskApplications.LinuxTaskRunner(executable));

        Assert.That(ex!.Message, Does.Contain("another processor than x64"));
    }

    [Test]
    public void LinuxTaskRunner_LauncherOfAFrameworkDependentBuild_IsRefused()
    {
        // A normal build output has an ELF launcher (apphost) beside TopNWords.TaskRunner.dll: it needs the runtime.
        File.WriteAllBytes(Path.Combine(_directory, "TopNWords.TaskRunner"), ElfX64);
        File.WriteAllText(Path.Combine(_directory, "TopNWords.TaskRunner.dll"), "x");

        var ex = Assert.Throws<InvalidOperationException>(() => AzureTaskApplications.LinuxTaskRunner(_directory));

        Assert.That(ex!.Message, Does.Contain("framework-dependent").And.Contain("-p:PublishAot=true"));
    }

    [Test]
    public void TaskRunnerAt_SelfContainedPublishFolder_IsEveryFileOfIt()
    {
        File.WriteAllBytes(Path.Combine(_directory, "TopNWords.TaskRunner"), ElfX64);
        File.WriteAllText(Path.Combine(_directory, "TopNWords.TaskRunner.runtimeconfig.json"), """{"runtimeOptions":{"tfm":"net10.0","includedFrameworks":[{"name":"Microsoft.NETCore.App","version":"10.0.0"}]}}""");
        File.WriteAllText(Path.Combine(_directory, "TopNWords.TaskRunner.dll"), "x");

        TaskApplication application = AzureTaskApplications.TaskRunnerAt(_directory);

        Assert.That(application.Files.Select(f => f.RelativePath), Is.EqualTo(new[] { "TopNWords.TaskRunner", "TopNWords.TaskRunner.dll", "TopNWords.TaskRunner.runtimeconfig.json" }));
    }

    [Test]
    public void TaskRunnerAt_NativeFolder_IsTheOneExecutable()
    {
        File.WriteAllBytes(Path.Combine(_directory, "TopNWords.TaskRunner"), ElfX64);
        File.WriteAllText(Path.Combine(_directory, "TopNWords.TaskRunner.dbg"), "symbols");

        TaskApplication application = AzureTaskApplications.TaskRunnerAt(_directory);

        Assert.Multiple(() =>
        {
            Assert.That(application.Files.Select(f => f.RelativePath), Is.EqualTo(new[] { "TopNWords.TaskRunner" }));
            Assert.That(application.EntryPoint, Is.EqualTo(new[] { "{app}/TopNWords.TaskRunner" }));
        });
    }

    [Test]
    public void SelfContainedTaskRunner_PublishFolder_IsEveryFileWithTheExecutableAsEntryPoint()
    {
        File.WriteAllBytes(Path.Combine(_directory, "TopNWords.TaskRunner"), Elf);
        File.WriteAllText(Path.Combine(_directory, "TopNWords.TaskRunner.runtimeconfig.json"), """{"runtimeOptions":{"tfm":"net10.0","includedFrameworks":[{"name":"Microsoft.NETCore.App","version":"10.0.0"}]}}""");
        File.WriteAllText(Path.Combine(_directory, "TopNWords.TaskRunner.dll"), "x");
        File.WriteAllText(Path.Combine(_directory, "de", "resources.dll"), "x");

        TaskApplication application = AzureTaskApplications.SelfContainedTaskRunner(_directory);

        Assert.Multiple(() =>
        {
            Assert.That(application.Name, Is.EqualTo("topnwords-taskrunner"));
            Assert.That(application.EntryPoint, Is.EqualTo(new[] { "{app}/TopNWords.TaskRunner" }));
            Assert.That(
                application.Files.Select(f => f.RelativePath),
                Is.EqualTo(new[] { "TopNWords.TaskRunner", "TopNWords.TaskRunner.dll", "TopNWords.TaskRunner.runtimeconfig.json", "de/resources.dll" }));
        });
    }

    [Test]
    public void SelfContainedTaskRunner_SingleFilePublish_HasNoRuntimeConfigAndIsAccepted()
    {
        File.WriteAllBytes(Path.Combine(_directory, "TopNWords.TaskRunner"), Elf);

        TaskApplication application = AzureTaskApplications.SelfContainedTaskRunner(_directory);

        Assert.That(application.Files.Select(f => f.RelativePath), Is.EqualTo(new[] { "TopNWords.TaskRunner" }));
    }

    [Test]
    public void SelfContainedTaskRunner_NoExecutable_SaysHowToPublish()
    {
        File.WriteAllText(Path.Combine(_directory, "TopNWords.TaskRunner.exe"), "MZ");

        var ex = Assert.Throws<FileNotFoundException>(() => AzureTaskApplications.SelfContainedTaskRunner(_directory));

        Assert.That(ex!.Message, Does.Contain("dotnet publish src/TopNWords.TaskRunner -c Release -r linux-x64 --self-contained"));
    }

    [Test]
    public void SelfContainedTaskRunner_NotALinuxProgram_IsRefused()
    {
        File.WriteAllText(Path.Combine(_directory, "TopNWords.TaskRunner"), "\xCF\xFA\xED\xFE"); // not ELF (a Mach-O header as text)

        var ex = Assert.Throws<InvalidOperationException>(() => AzureTaskApplications.SelfContainedTaskRunner(_directory));

        Assert.That(ex!.Message, Does.Contain("not a Linux program").And.Contain("-r linux-x64"));
    }

    [Test]
    public void SelfContainedTaskRunner_FrameworkDependentPublish_IsRefused()
    {
        File.WriteAllBytes(Path.Combine(_directory, "TopNWords.TaskRunner"), Elf);
        File.WriteAllText(Path.Combine(_directory, "TopNWords.TaskRunner.runtimeconfig.json"), """{"runtimeOptions":{"tfm":"net10.0","framework":{"name":"Microsoft.NETCore.App","version":"10.0.0"}}}""");

        var ex = Assert.Throws<InvalidOperationException>(() => AzureTaskApplications.SelfContainedTaskRunner(_directory));

        Assert.That(ex!.Message, Does.Contain("framework-dependent").And.Contain("--self-contained"));
    }

    [Test]
    public void SelfContainedTaskRunner_MissingFolder_SaysHowToPublish()
    {
        var ex = Assert.Throws<DirectoryNotFoundException>(() => AzureTaskApplications.SelfContainedTaskRunner(Path.Combine(_directory, "nope")));

        Assert.That(ex!.Message, Does.Contain("dotnet publish"));
    }
}
