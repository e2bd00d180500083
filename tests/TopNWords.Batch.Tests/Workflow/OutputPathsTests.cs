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

    [Test]
    public void IsUnder_SiblingWithTheSamePrefix_IsNotUnder()
    {
        Assert.That(OutputPaths.IsUnder("/data/out-evil/x", "/data/out"), Is.False);
        Assert.That(OutputPaths.IsUnder("/data/out/x", "/data/out"), Is.True);
        Assert.That(OutputPaths.IsUnder("/data/out/../x", "/data/out"), Is.False);
    }
}
