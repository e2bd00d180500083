namespace TopNWords.Batch.Tests.Workflow;

[TestFixture]
public class OutputPathsTests
{
    [TestCase("a_OUTPUT.txt", "a_OUTPUT.txt")]
    [TestCase("../../etc/passwd", "_/_/etc/passwd")]
    [TestCase("sub/./x", "sub/_/x")]
    [TestCase("a:b*c?.txt", "a_b_c_.txt")]
    public void SafeRelativePath_KeepsNamesInsideTheFolder(string blob, string expected)
    {
        Assert.That(OutputPaths.SafeRelativePath(blob), Is.EqualTo(expected.Replace('/', Path.DirectorySeparatorChar)));
    }

    [TestCase("x.txt", "x_OUTPUT.txt", "x_OUTPUT.txt")]
    [TestCase("a/x.txt", "x_OUTPUT.txt", "a/x_OUTPUT.txt")]
    [TestCase("a/b/x.txt", "x_OUTPUT.txt", "a/b/x_OUTPUT.txt")]
    [TestCase("a/x.txt", "../../y", "a/_/_/y")]
    [TestCase("a:b/x.txt", "x_OUTPUT.txt", "a_b/x_OUTPUT.txt")]
    public void ForInput_PutsTheOutputInTheInputsSubfolder(string input, string output, string expected)
    {
        Assert.That(OutputPaths.ForInput(input, output), Is.EqualTo(expected.Replace('/', Path.DirectorySeparatorChar)));
    }

    [Test]
    public void IsUnder_SiblingWithTheSamePrefix_IsNotUnder()
    {
        Assert.That(OutputPaths.IsUnder("/data/out-evil/x", "/data/out"), Is.False);
        Assert.That(OutputPaths.IsUnder("/data/out/x", "/data/out"), Is.True);
        Assert.That(OutputPaths.IsUnder("/data/out/../x", "/data/out"), Is.False);
    }

    [Test]
    public void DownloadedFiles_ReadBackAsTheFullPathsTheyWereMadeFrom()
    {
        string folder = Path.Combine(Path.GetTempPath(), "run-out") + Path.DirectorySeparatorChar;
        var paths = new List<string> { folder + "x_OUTPUT.txt", folder + Path.Combine("a", "y_OUTPUT.txt") };

        var files = DownloadedFiles.Create(folder, paths);

        Assert.That(files, Is.EqualTo(paths));
        Assert.That(files.Count, Is.EqualTo(2));
        Assert.That(files[1], Is.EqualTo(paths[1]));
        Assert.That(DownloadedFiles.Create(folder, paths.Take(1).ToList()), Is.EqualTo(paths.Take(1)));
        Assert.That(() => DownloadedFiles.Create(folder, paths.Take(1).ToList())[1], Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(DownloadedFiles.Create(folder, []), Is.Empty);
    }

    [Test]
    public void DownloadedFiles_FromParts_ReadBackAsTheFolderAndEachPart()
    {
        string folder = Path.Combine(Path.GetTempPath(), "run-out") + Path.DirectorySeparatorChar;
        string part = DownloadedFiles.PartOf(folder, folder + Path.Combine("a", "y_OUTPUT.txt"));

        var files = DownloadedFiles.FromParts(folder, [part]);

        Assert.That(part, Is.EqualTo(Path.Combine("a", "y_OUTPUT.txt")));
        Assert.That(files, Is.EqualTo(new[] { folder + part }));
        string elsewhere = Path.Combine(Path.GetTempPath(), "elsewhere.txt");
        Assert.That(DownloadedFiles.PartOf(folder, elsewhere), Is.SameAs(elsewhere));
        Assert.That(DownloadedFiles.FromParts(folder, [part, elsewhere]), Is.EqualTo(new[] { folder + part, elsewhere }), "a path outside the folder keeps every path whole");
        Assert.That(DownloadedFiles.FromParts(folder, []), Is.Empty);
    }

    [Test]
    public void DownloadedFiles_PathOutsideTheFolder_IsKeptWhole()
    {
        string folder = Path.Combine(Path.GetTempPath(), "run-out") + Path.DirectorySeparatorChar;
        var paths = new List<string> { folder + "x_OUTPUT.txt", Path.Combine(Path.GetTempPath(), "elsewhere.txt") };

        Assert.That(DownloadedFiles.Create(folder, paths), Is.EqualTo(paths));
    }
}
