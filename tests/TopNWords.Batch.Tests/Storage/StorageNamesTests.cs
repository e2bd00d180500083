using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Tests.Storage;

[TestFixture]
public class StorageNamesTests
{
    [TestCase("abc")]
    [TestCase("run-20261129-x1-input")]
    [TestCase("0ab")]
    [TestCase("a23456789012345678901234567890123456789012345678901234567890123")]
    public void ValidateContainerName_Valid_ReturnsNull(string name)
    {
        Assert.That(StorageNames.ValidateContainerName(name), Is.Null);
    }

    [TestCase("", "empty")]
    [TestCase("ab", "3 to 63")]
    [TestCase("a234567890123456789012345678901234567890123456789012345678901234", "3 to 63")]
    [TestCase("Abc", "lower-case")]
    [TestCase("a_b", "lower-case")]
    [TestCase("-ab", "start and end")]
    [TestCase("ab-", "start and end")]
    [TestCase("a--b", "two hyphens")]
    public void ValidateContainerName_Invalid_SaysWhy(string name, string reason)
    {
        Assert.That(StorageNames.ValidateContainerName(name), Does.Contain(reason));
    }

    [TestCase("a")]
    [TestCase("taskdata1.txt")]
    [TestCase("folder/sub/file name with spaces.txt")]
    [TestCase("données été 日本 𝄞.txt")]
    [TestCase("-n 3 $(echo hi).txt")]
    [TestCase("it's \"quoted\".txt")]
    public void ValidateBlobName_Valid_ReturnsNull(string name)
    {
        Assert.That(StorageNames.ValidateBlobName(name), Is.Null);
    }

    [TestCase("")]
    [TestCase("/rooted")]
    [TestCase("trailing/")]
    [TestCase("trailing.")]
    [TestCase("a//b")]
    [TestCase("a/../b")]
    [TestCase("./a")]
    [TestCase("..")]
    [TestCase("back\\slash")]
    [TestCase("control\u0001char")]
    [TestCase("new\nline")]
    public void ValidateBlobName_Invalid_ReturnsReason(string name)
    {
        Assert.That(StorageNames.ValidateBlobName(name), Is.Not.Null);
    }

    [Test]
    public void ValidateBlobName_LoneSurrogate_ReturnsReason()
    {
        // Built in code: attribute arguments cannot carry a lone surrogate.
        Assert.That(StorageNames.ValidateBlobName("lone" + (char)0xD800 + "surrogate"), Does.Contain("surrogate"));
        Assert.That(StorageNames.ValidateBlobName("low" + (char)0xDC00), Does.Contain("surrogate"));
    }

    [Test]
    public void ValidateBlobName_TooLong_ReturnsReason()
    {
        Assert.That(StorageNames.ValidateBlobName(new string('a', 1025)), Does.Contain("1024"));
        Assert.That(StorageNames.ValidateBlobName(new string('a', 1024)), Is.Null);
    }

    [Test]
    public void ThrowIfInvalidBlobName_Invalid_ThrowsInvalidNameNamingContainerAndBlob()
    {
        var ex = Assert.Throws<BlobStorageException>(() => StorageNames.ThrowIfInvalidBlobName("box", "a/../b"));

        Assert.That(ex!.Kind, Is.EqualTo(BlobStorageErrorKind.InvalidName));
        Assert.That(ex.ContainerName, Is.EqualTo("box"));
        Assert.That(ex.BlobName, Is.EqualTo("a/../b"));
    }
}
