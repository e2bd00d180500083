using TopNWords.Batch.Storage.Local;

namespace TopNWords.Batch.Tests.Storage.Local;

/// <summary>The names local folder storage reserves for its temporary files (the mapping of names to paths is tested through <see cref="LocalFolderStorage"/>).</summary>
[TestFixture]
public class LocalBlobPathsTests
{
    [TestCase(".upload.0123456789abcdef0123456789abcdef.partial", true)]
    [TestCase(".out.txt.0123456789abcdef0123456789abcdef.partial", true)]
    [TestCase("..0123456789abcdef0123456789abcdef.partial", true)]
    [TestCase("out.txt.0123456789abcdef0123456789abcdef.partial", false)]
    [TestCase(".out.txt0123456789abcdef0123456789abcdef.partial", false)]
    [TestCase(".out.0123456789abcdef0123456789abcdeg.partial", false)]
    [TestCase(".out.0123456789ABCDEF0123456789abcdef.partial", false)]
    [TestCase(".out.0123456789abcdef0123456789abcdef.partial.txt", false)]
    [TestCase(".hidden.partial", false)]
    [TestCase(".env", false)]
    public void IsTemporaryFileName_RecognisesOnlyUploadTemporaries(string name, bool expected)
    {
        Assert.That(LocalBlobPaths.IsTemporaryFileName(name), Is.EqualTo(expected));
    }
}
