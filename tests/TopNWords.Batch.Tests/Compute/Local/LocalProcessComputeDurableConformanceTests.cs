using TopNWords.Batch.Compute.Local;
using TopNWords.Batch.Conformance.Compute;
using TopNWords.Batch.Conformance.Testing;

namespace TopNWords.Batch.Tests.Compute.Local;

/// <summary>The conformance suite against a durable local compute: journaling changes nothing callers see.</summary>
[TestFixture]
public class LocalProcessComputeDurableConformanceTests : ComputeConformanceTests
{
    protected override Task<ComputeTestContext> CreateContextAsync()
    {
        string root = Directory.CreateTempSubdirectory("topnwords-compute-durable-conformance-").FullName;
        var compute = new LocalProcessCompute(new LocalProcessComputeOptions
        {
            RootPath = Path.Combine(root, "compute"),
            Durable = true,
            PollInterval = TimeSpan.FromMilliseconds(20),
        });
        var storage = new TestFolderStorage(Path.Combine(root, "storage"));
        return Task.FromResult(new ComputeTestContext(compute, storage, async () =>
        {
            await compute.DisposeAsync();
            Directory.Delete(root, recursive: true);
        }));
    }
}
