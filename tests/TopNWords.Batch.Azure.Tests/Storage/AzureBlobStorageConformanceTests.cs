using TopNWords.Batch.Azure.Storage;
using TopNWords.Batch.Conformance.Infrastructure;
using TopNWords.Batch.Conformance.Storage;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Azure.Tests.Storage;

/// <summary>The shared storage suite, run against <see cref="AzureBlobStorage"/> on Azurite, built from a connection string.</summary>
[TestFixture]
public sealed class AzureBlobStorageConformanceTests : StorageConformanceTests
{
    protected override IEnumerable<string> Secrets => [AzuriteServer.AccountKey, AzuriteSetUp.Server.ConnectionString];

    protected override Task<IBlobStorage> CreateStorageAsync()
        => Task.FromResult<IBlobStorage>(AzureBlobStorage.FromConnectionString(AzuriteSetUp.Server.ConnectionString));
}
