using Moq;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Tests.Workflow;

/// <summary>Bad input is refused before any resource is created, with a message naming the problem.</summary>
[TestFixture]
public class RunDefinitionValidationTests
{
    private WorkflowHarness _h = null!;

    [SetUp]
    public void SetUp() => _h = new WorkflowHarness();

    [TearDown]
    public void TearDown()
    {
        // Nothing may have been created.
        _h.Storage.Verify(s => s.CreateContainerIfNotExistsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
        _h.Compute.Verify(c => c.CreatePoolAsync(It.IsAny<PoolSpec>(), It.IsAny<CancellationToken>()), Times.Never);
        _h.Dispose();
    }

    private string Refused(BatchRunDefinition definition)
    {
        var ex = Assert.ThrowsAsync<ArgumentException>(() => _h.Workflow.RunAsync(definition));
        Assert.That(ex!.Message, Does.Contain("nothing was created"));
        return ex.Message;
    }

    private BatchRunDefinition WithInputs(params BatchInput[] inputs)
    {
        var template = _h.Definition();
        return new BatchRunDefinition(inputs, template.Application, template.TaskArguments);
    }

    [Test]
    public void RunAsync_NoInputs_IsRefused()
    {
        Assert.That(Refused(WithInputs()), Does.Contain("no inputs"));
    }

    [Test]
    public void RunAsync_MissingInputFile_IsRefusedNamingIt()
    {
        string missing = Path.Combine(_h.Root, "in", "missing.txt");

        Assert.That(Refused(WithInputs(new BatchInput(missing))), Does.Contain(missing).And.Contain("does not exist"));
    }

    [Test]
    public void RunAsync_InputIsAFolder_IsRefused()
    {
        Assert.That(Refused(WithInputs(new BatchInput(Path.Combine(_h.Root, "in")))), Does.Contain("is a folder"));
    }

    [Test]
    public void RunAsync_TwoInputsWithTheSameStorageName_AreRefusedNamingBoth()
    {
        string a = Path.Combine(_h.Root, "a", "x.txt");
        string b = Path.Combine(_h.Root, "b", "X.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(a)!);
        Directory.CreateDirectory(Path.GetDirectoryName(b)!);
        File.WriteAllText(a, "a");
        File.WriteAllText(b, "b");

        Assert.That(Refused(WithInputs(new BatchInput(a), new BatchInput(b))), Does.Contain(a).And.Contain(b).And.Contain("would both be stored"));
    }

    [Test]
    public void RunAsync_InputNameInvalidForStorage_IsRefused()
    {
        string file = Path.Combine(_h.Root, "in", "input1.txt");

        Assert.That(Refused(WithInputs(new BatchInput(file, "../escape.txt"))), Does.Contain("../escape.txt"));
    }

    [TestCase(0, 1, "at least 1 node")]
    [TestCase(-3, 1, "at least 1 node")]
    [TestCase(2, 0, "TaskSlotsPerNode")]
    [TestCase(2, 257, "TaskSlotsPerNode")]
    public void RunAsync_InvalidPoolShape_IsRefused(int nodes, int slots, string message)
    {
        Assert.That(Refused(_h.Definition(d => d.Pool = new PoolDefinition { NodeCount = nodes, TaskSlotsPerNode = slots })), Does.Contain(message));
    }

    [TestCase("has space")]
    [TestCase("semi;colon")]
    [TestCase("a234567890123456789012345678901234567890123456789012345678901234567")]
    public void RunAsync_InvalidExistingPoolId_IsRefused(string poolId)
    {
        Assert.That(Refused(_h.Definition(d => d.Pool.ExistingPoolId = poolId)), Does.Contain($"Pool id '{poolId}' is invalid"));
    }

    [TestCase("UPPER")]
    [TestCase("a")]
    [TestCase("double--hyphen")]
    [TestCase("this-run-id-is-far-too-long-for-container-names")]
    public void RunAsync_InvalidRunId_IsRefused(string runId)
    {
        Assert.That(Refused(_h.Definition(d => d.RunId = runId)), Does.Contain($"Run id '{runId}'"));
    }

    [Test]
    public void RunAsync_NonPositiveTimeout_IsRefusedNamingIt()
    {
        Assert.That(Refused(_h.Definition(d => d.Timeouts.PoolReady = TimeSpan.Zero)), Does.Contain("PoolReady"));
    }

    [Test]
    public void RunAsync_RemoteComputeWithLocalOnlyStorage_IsRefused()
    {
        _h.Compute.SetupGet(c => c.Capabilities).Returns(ComputeCapabilities.RemoteNodes | ComputeCapabilities.PosixNodes);
        _h.Storage.SetupGet(s => s.Capabilities).Returns(StorageCapabilities.None);

        Assert.That(Refused(_h.Definition()), Does.Contain("Azure Blob storage"));
    }

    [Test]
    public void RunAsync_SeveralProblems_AreAllListed()
    {
        string message = Refused(_h.Definition(d =>
        {
            d.Pool.NodeCount = 0;
            d.MaxTaskRetryCount = -5;
            d.Timeouts.Download = TimeSpan.FromSeconds(-1);
        }));

        Assert.That(message, Does.Contain("at least 1 node").And.Contain("MaxTaskRetryCount").And.Contain("Download"));
    }

    [TestCase(0)]
    [TestCase(-1)]
    public void CreateDefinition_NumWordsBelowOne_IsRefused(int numWords)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => WordCountJob.CreateDefinition([Path.Combine(_h.Root, "in")], numWords, _h.Definition().Application));

        Assert.That(ex!.ParamName, Is.EqualTo("numWords"));
    }

    [Test]
    public void CreateDefinition_MissingPath_IsRefusedNamingIt()
    {
        string missing = Path.Combine(_h.Root, "nowhere");

        var ex = Assert.Throws<ArgumentException>(() => WordCountJob.CreateDefinition([missing], 3, _h.Definition().Application));

        Assert.That(ex!.Message, Does.Contain(missing));
    }

    [Test]
    public void CreateDefinition_Folder_ExpandsToItsFilesInOrder()
    {
        File.WriteAllText(Path.Combine(_h.Root, "in", ".hidden"), "x");

        var definition = WordCountJob.CreateDefinition([Path.Combine(_h.Root, "in")], 3, _h.Definition().Application);

        Assert.That(definition.Inputs.Select(i => i.Name), Is.EqualTo(new[] { "input1.txt", "input2.txt", "input3.txt" }));
        Assert.That(definition.TaskArguments, Is.EqualTo(new[] { "--filepath", "{input}", "--numwords", "3" }));
    }

    [Test]
    public void FromPaths_Folder_IsReadRecursivelyNamingEachFileByItsRelativePathInOrdinalOrder()
    {
        string folder = Path.Combine(_h.Root, "tree");
        foreach (string file in new[] { "b/x.txt", "a/x.txt", "a/deep/er/z.txt", "top.txt", "B.txt", ".hidden", "a/.hidden.txt", ".git/config", "a/.cache/y.txt" })
        {
            string path = Path.Combine(folder, file.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, file);
        }

        var inputs = BatchInput.FromPaths([folder, Path.Combine(folder, "a", "x.txt")]);

        Assert.That(inputs.Select(i => i.Name), Is.EqualTo(new[] { "B.txt", "a/deep/er/z.txt", "a/x.txt", "b/x.txt", "top.txt", "x.txt" }));
        Assert.That(inputs[1].FilePath, Is.EqualTo(Path.Combine(folder, "a", "deep", "er", "z.txt")));
        Assert.That(inputs.Select(i => File.ReadAllText(i.FilePath)).Take(5), Is.EqualTo(inputs.Select(i => i.Name).Take(5)));
    }

    [Test]
    [Platform(Exclude = "Win")]
    public void FromPaths_SymbolicLinks_FileLinksAreReadFolderLinksAreNotFollowed()
    {
        string folder = Path.Combine(_h.Root, "links");
        Directory.CreateDirectory(Path.Combine(folder, "sub"));
        File.WriteAllText(Path.Combine(folder, "sub", "real.txt"), "x");
        File.CreateSymbolicLink(Path.Combine(folder, "link.txt"), Path.Combine(folder, "sub", "real.txt"));
        Directory.CreateSymbolicLink(Path.Combine(folder, "sub", "loop"), folder);
        Directory.CreateSymbolicLink(Path.Combine(folder, "alias"), Path.Combine(folder, "sub"));

        var inputs = BatchInput.FromPaths([folder]);

        Assert.That(inputs.Select(i => i.Name), Is.EqualTo(new[] { "link.txt", "sub/real.txt" }));
    }

    [Test]
    public void FromPaths_FolderGivenWithATrailingSeparator_NamesItsFilesTheSame()
    {
        string folder = Path.Combine(_h.Root, "slash");
        Directory.CreateDirectory(Path.Combine(folder, "a"));
        File.WriteAllText(Path.Combine(folder, "top.txt"), "x");
        File.WriteAllText(Path.Combine(folder, "a", "x.txt"), "x");

        var inputs = BatchInput.FromPaths([folder + Path.DirectorySeparatorChar]);

        Assert.That(inputs.Select(i => i.Name), Is.EqualTo(new[] { "a/x.txt", "top.txt" }));
        Assert.That(inputs.Select(i => File.Exists(i.FilePath)), Is.All.True);
    }

    [Test]
    [Platform(Exclude = "Win")]
    public void FromPaths_LinkWhoseTargetIsMissing_IsAnInputNamedByTheLink()
    {
        string folder = Path.Combine(_h.Root, "broken");
        Directory.CreateDirectory(Path.Combine(folder, "sub"));
        File.CreateSymbolicLink(Path.Combine(folder, "sub", "gone.txt"), Path.Combine(folder, "missing.txt"));
        Directory.CreateSymbolicLink(Path.Combine(folder, "gone"), Path.Combine(folder, "missing"));

        var inputs = BatchInput.FromPaths([folder]);

        Assert.That(inputs.Select(i => i.Name), Is.EqualTo(new[] { "gone", "sub/gone.txt" }));
        Assert.That(inputs[1].FilePath, Is.EqualTo(Path.Combine(folder, "sub", "gone.txt")));
    }

    [Test]
    public void RunAsync_SameRelativePathUnderTwoFolders_IsRefusedNamingBothFiles()
    {
        string one = Path.Combine(_h.Root, "one", "a", "x.txt");
        string two = Path.Combine(_h.Root, "two", "a", "x.txt");
        foreach (string path in new[] { one, two })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "x");
        }

        string message = Refused(WithInputs([.. BatchInput.FromPaths([Path.Combine(_h.Root, "one"), Path.Combine(_h.Root, "two")])]));

        Assert.That(message, Does.Contain(one).And.Contain(two).And.Contain("'a/x.txt'"));
    }

    [Test]
    public void RunAsync_NameThatIsAlsoAnotherInputsFolder_IsRefusedNamingBoth()
    {
        string file = Path.Combine(_h.Root, "in", "input1.txt");

        string message = Refused(WithInputs(new BatchInput(file, "a"), new BatchInput(file, "a/x.txt")));

        Assert.That(message, Does.Contain("'a'").And.Contain("'a/x.txt'").And.Contain("both a file and a folder"));
    }
}
