using TopNWords.Batch.Storage.Local;

namespace TopNWords.Batch.Tests.Storage.Local;

[TestFixture]
public class LocalFolderStorageOptionsTests
{
    [Test]
    public void Defaults_SystemClockAndValid()
    {
        var options = new LocalFolderStorageOptions();

        Assert.That(options.TimeProvider, Is.SameAs(TimeProvider.System));
        Assert.DoesNotThrow(options.Validate);
    }

    [Test]
    public void Validate_TimeProviderNull_ThrowsNamingItAndSayingWhatToSet()
    {
        var options = new LocalFolderStorageOptions { TimeProvider = null! };

        var ex = Assert.Throws<ArgumentNullException>(options.Validate);

        Assert.That(ex!.ParamName, Is.EqualTo(nameof(LocalFolderStorageOptions.TimeProvider)));
        Assert.That(ex.Message, Does.Contain("leave it at TimeProvider.System"));
    }

    [Test]
    public void LocalFolderStorageConstructor_TimeProviderNull_ThrowsNamingIt()
    {
        var ex = Assert.Throws<ArgumentNullException>(() => _ = new LocalFolderStorage(Path.GetTempPath(), new LocalFolderStorageOptions { TimeProvider = null! }));

        Assert.That(ex!.ParamName, Is.EqualTo(nameof(LocalFolderStorageOptions.TimeProvider)));
    }
}
