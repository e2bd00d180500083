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

    [TestCase("*_OUTPUT.txt", new[] { "leak_OUTPUT.txt" })]
    [TestCase("leak_OUTPUT.txt", new[] { "leak_OUTPUT.txt" })]
    [TestCase("**", new[] { "leak_OUTPUT.txt", "d", "out/far" })]
    [TestCase("**/*_OUTPUT.txt", new[] { "leak_OUTPUT.txt", "d", "out/far" })]
    [TestCase("d/*", new[] { "d" })]
    [TestCase("d/x_OUTPUT.txt", new[] { "d/x_OUTPUT.txt" })]
    [TestCase("*/x_OUTPUT.txt", new[] { "d" })]
    [TestCase("out/*/x_OUTPUT.txt", new[] { "out/far" })]
    public void Match_LinksLeadingOutOfTheTaskFolder_AreSkippedAndReported(string pattern, string[] expectedSkipped)
    {
        IgnoreWithoutSymbolicLinks();
        string outside = Directory.CreateTempSubdirectory("topnwords-pattern-outside-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(outside, "secret_OUTPUT.txt"), "outside");
            File.WriteAllText(Path.Combine(outside, "x_OUTPUT.txt"), "outside");
            File.CreateSymbolicLink(Path.Combine(_workingDirectory, "leak_OUTPUT.txt"), Path.Combine(outside, "secret_OUTPUT.txt"));
            Directory.CreateSymbolicLink(Path.Combine(_workingDirectory, "d"), outside);
            Directory.CreateSymbolicLink(Path.Combine(_workingDirectory, "out", "far"), "../../../" + Path.GetFileName(outside));
            File.WriteAllText(Path.Combine(_workingDirectory, "real_OUTPUT.txt"), "inside");
            var skipped = new List<string>();

            var matches = OutputFilePattern.Parse(pattern).Match(_workingDirectory, skipped);

            Assert.That(matches.Select(m => File.ReadAllText(m.FullPath)), Is.All.Not.EqualTo("outside"));
            Assert.That(matches.Select(m => m.RelativePath), Has.None.Contains("leak").And.None.StartsWith("d/").And.None.Contains("far"));
            Assert.That(skipped, Is.EquivalentTo(expectedSkipped));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [TestCase("alias_OUTPUT.txt", new[] { "alias_OUTPUT.txt" })]
    [TestCase("*_OUTPUT.txt", new[] { "alias_OUTPUT.txt", "up_OUTPUT.txt" })]
    [TestCase("linked/*.txt", new[] { "x.txt" })]
    [TestCase("*/x.txt", new[] { "linked/x.txt", "out/x.txt" })]
    [TestCase("**/x.txt", new[] { "out/x.txt" })]
    [TestCase("**/*_OUTPUT.txt", new[] { "alias_OUTPUT.txt", "up_OUTPUT.txt" })]
    public void Match_LinksStayingInsideTheTaskFolder_AreFollowedButNotByGlobStar(string pattern, string[] expected)
    {
        IgnoreWithoutSymbolicLinks();
        File.CreateSymbolicLink(Path.Combine(_workingDirectory, "alias_OUTPUT.txt"), "a.txt");
        File.CreateSymbolicLink(Path.Combine(_workingDirectory, "up_OUTPUT.txt"), "../stdout.txt");
        Directory.CreateSymbolicLink(Path.Combine(_workingDirectory, "linked"), "out");
        var skipped = new List<string>();

        var matches = OutputFilePattern.Parse(pattern).Match(_workingDirectory, skipped);

        Assert.That(matches.Select(m => m.RelativePath), Is.EqualTo(expected));
        Assert.That(matches.Select(m => File.ReadAllText(m.FullPath)), Is.All.Not.Empty);
        Assert.That(matches.Select(m => new FileInfo(m.FullPath).LinkTarget), Is.All.Null, "a match names the link's target, not the link");
        Assert.That(skipped, Is.Empty);
    }

    [Test]
    public void Match_LinkLoopsAndBrokenLinks_MatchNothingAndAreNotReported()
    {
        IgnoreWithoutSymbolicLinks();
        File.CreateSymbolicLink(Path.Combine(_workingDirectory, "loop_OUTPUT.txt"), "loop_OUTPUT.txt");
        File.CreateSymbolicLink(Path.Combine(_workingDirectory, "broken_OUTPUT.txt"), "/no/such/file");
        var skipped = new List<string>();

        var matches = OutputFilePattern.Parse("*_OUTPUT.txt").Match(_workingDirectory, skipped);

        Assert.That(matches, Is.Empty);
        Assert.That(skipped, Is.Empty);
        Assert.That(OutputFilePattern.Parse("loop_OUTPUT.txt").Match(_workingDirectory), Is.Empty);
    }

    [Test]
    public void Match_WorkingDirectoryReplacedByALinkOut_MatchesOnlyWhatIsInTheTaskFolder()
    {
        IgnoreWithoutSymbolicLinks();
        string outside = Directory.CreateTempSubdirectory("topnwords-pattern-outside-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(outside, "a.txt"), "outside");
            Directory.Delete(_workingDirectory, recursive: true);
            Directory.CreateSymbolicLink(_workingDirectory, outside);
            var skipped = new List<string>();

            var all = OutputFilePattern.Parse("*.txt").Match(_workingDirectory, skipped);
            var single = OutputFilePattern.Parse("a.txt").Match(_workingDirectory, skipped);
            var stdout = OutputFilePattern.Parse("../stdout.txt").Match(_workingDirectory, skipped);

            Assert.That(all, Is.Empty);
            Assert.That(single, Is.Empty);
            Assert.That(stdout.Select(m => m.RelativePath), Is.EqualTo(new[] { "stdout.txt" }));
            Assert.That(skipped, Is.EqualTo(new[] { ".", "a.txt" }));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    private static void IgnoreWithoutSymbolicLinks()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Creating symbolic links on Windows needs a privilege the test may not have.");
        }
    }

    [Test]
    public void Parse_OfAPatternSeenBefore_GivesTheSameMatches_WithoutParsingAgain()
    {
        var first = OutputFilePattern.Parse("*_cache_probe.txt");
        var second = OutputFilePattern.Parse("*_cache_probe.txt");
        File.WriteAllText(Path.Combine(_workingDirectory, "x_cache_probe.txt"), "x");

        Assert.Multiple(() =>
        {
            Assert.That(second, Is.SameAs(first), "parsed once, shared (it is immutable)");
            Assert.That(second.Match(_workingDirectory).Select(m => m.RelativePath), Is.EqualTo(new[] { "x_cache_probe.txt" }));
            Assert.That(() => OutputFilePattern.Parse("/abs/*"), Throws.TypeOf<FormatException>(), "a refused pattern is refused every time");
            Assert.That(() => OutputFilePattern.Parse("/abs/*"), Throws.TypeOf<FormatException>());
        });
    }
}
