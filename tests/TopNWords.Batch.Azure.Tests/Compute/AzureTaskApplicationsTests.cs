using TopNWords.Batch.Azure.Compute;

namespace TopNWords.Batch.Azure.Tests.Compute;

/// <summary>The self-contained Linux task runner as a task application.</summary>
[TestFixture]
public class AzureTaskApplicationsTests
{
    private static readonly byte[] Elf = [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0];

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
