using TopNWords.Batch.Compute.Local;

namespace TopNWords.Batch.Tests.Compute.Local;

[TestFixture]
public class OutputFilePatternTests
{
    private string _taskDirectory = null!;
    private string _workingDirectory = null!;

    [SetUp]
    public void SetUp()
    {
        _taskDirectory = Directory.CreateTempSubdirectory("topnwords-pattern-").FullName;
        _workingDirectory = Path.Combine(_taskDirectory, "wd");
        foreach (string file in new[]
        {
            "../stdout.txt", "../stderr.txt", "a.txt", "b.txt", "ab.txt", "c.log", ".hidden.txt",
            "out/x.txt", "out/deep/y.txt", "out/deep/z.log", ".git/config.txt", "out/.cache/w.txt",
        })
        {
            string path = Path.GetFullPath(Path.Combine(_workingDirectory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, file);
        }
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_taskDirectory, recursive: true);

    [TestCase("*.txt", new[] { "a.txt", "ab.txt", "b.txt" })]
    [TestCase("?.txt", new[] { "a.txt", "b.txt" })]
    [TestCase("[a].txt", new[] { "a.txt" })]
    [TestCase("[!a].txt", new[] { "b.txt" })]
    [TestCase("[a-b]?.txt", new[] { "ab.txt" })]
    [TestCase(".*", new[] { ".hidden.txt" })]
    [TestCase("**/*.txt", new[] { "a.txt", "ab.txt", "b.txt", "out/deep/y.txt", "out/x.txt" })]
    [TestCase("out/**/*", new[] { "deep/y.txt", "deep/z.log", "x.txt" })]
    [TestCase("out/**", new[] { "deep/y.txt", "deep/z.log", "x.txt" })]
    [TestCase("./out/*.txt", new[] { "x.txt" })]
    [TestCase("*/deep/*.log", new[] { "out/deep/z.log" })]
    [TestCase("../std*.txt", new[] { "stderr.txt", "stdout.txt" })]
    [TestCase("nothing-*", new string[0])]
    public void Match_Wildcards_FollowBatchSemantics(string pattern, string[] expected)
    {
        var parsed = OutputFilePattern.Parse(pattern);

        var matches = parsed.Match(_workingDirectory);

        Assert.That(parsed.HasWildcards, Is.True);
        Assert.That(matches.Select(m => m.RelativePath), Is.EqualTo(expected));
        Assert.That(matches.Select(m => File.ReadAllText(m.FullPath)), Is.All.Not.Empty);
    }

    [TestCase("a.txt", "a.txt")]
    [TestCase("out/deep/y.txt", "y.txt")]
    [TestCase("../stdout.txt", "stdout.txt")]
    public void Match_SingleFile_MatchesItByItsFileName(string pattern, string expectedName)
    {
        var parsed = OutputFilePattern.Parse(pattern);

        var matches = parsed.Match(_workingDirectory);

        Assert.That(parsed.HasWildcards, Is.False);
        Assert.That(matches.Select(m => m.RelativePath), Is.EqualTo(new[] { expectedName }));
    }

    [Test]
    public void Match_MissingSingleFile_MatchesNothing() =>
        Assert.That(OutputFilePattern.Parse("missing.txt").Match(_workingDirectory), Is.Empty);

    [TestCase("/etc/passwd")]
    [TestCase("../../etc/passwd")]
    [TestCase("out/../../../x.txt")]
    [TestCase("*/../x.txt")]
    [TestCase("..")]
    [TestCase("out/")]
    public void Parse_PatternOutsideTheTaskFolderOrNamingNoFile_IsRefused(string pattern) =>
        Assert.Throws<FormatException>(() => OutputFilePattern.Parse(pattern));

    [TestCase("*.txt", null, "a.txt")]
    [TestCase("*.txt", "outputs", "outputs/a.txt")]
    [TestCase("*.txt", "outputs/", "outputs/a.txt")]
    [TestCase("a.txt", null, "a.txt")]
    [TestCase("a.txt", "renamed/result.txt", "renamed/result.txt")]
    public void BlobName_UsesPathAsFolderForWildcardsAndAsNameForASingleFile(string pattern, string? path, string expected)
    {
        var parsed = OutputFilePattern.Parse(pattern);
        var match = parsed.Match(_workingDirectory).First(m => m.RelativePath == "a.txt");

        Assert.That(parsed.BlobName(match, path), Is.EqualTo(expected));
    }
}
