using TopNWords.Batch.Conformance.Storage;
using TopNWords.Batch.Storage;
using TopNWords.Batch.Storage.Local;

namespace TopNWords.Batch.Tests.Storage.Local;

/// <summary>The shared storage suite, run against <see cref="LocalFolderStorage"/> on a fresh temporary root.</summary>
[TestFixture]
public sealed class LocalFolderStorageConformanceTests : StorageConformanceTests
{
    private string? _root;

    protected override Task<IBlobStorage> CreateStorageAsync()
    {
        _root = Directory.CreateTempSubdirectory("topnwords-localstorage-").FullName;
        return Task.FromResult<IBlobStorage>(new LocalFolderStorage(_root));
    }

    protected override async Task DisposeStorageAsync(IBlobStorage storage)
    {
        await base.DisposeStorageAsync(storage);
        if (_root is null || !Directory.Exists(_root))
        {
            return;
        }

        // Every container of the test is deleted by now: nothing else (temporary files, half-deleted
        // containers) may be left behind.
        string[] leftovers = Directory.GetFileSystemEntries(_root, "*", SearchOption.AllDirectories);
        Directory.Delete(_root, recursive: true);
        _root = null;
        Assert.That(leftovers, Is.Empty, "files left in the storage root after every container was deleted");
    }
}
