using TopNWords.Batch.Compute;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Conformance.Compute;

/// <summary>
/// What a compute backend's test project hands the conformance suite: the compute under test, a storage whose
/// read and write URLs the compute's nodes can use (to stage resource files and receive output files), and a
/// cleanup that runs after each test.
/// </summary>
public sealed class ComputeTestContext : IAsyncDisposable
{
    private readonly Func<ValueTask>? _cleanup;

    /// <summary>Initializes a new instance of the <see cref="ComputeTestContext"/> class.</summary>
    /// <param name="compute">The compute under test.</param>
    /// <param name="storage">A storage whose URLs the compute's nodes can reach.</param>
    /// <param name="cleanup">Runs after each test (dispose the compute, delete folders), or <see langword="null"/>.</param>
    public ComputeTestContext(IBatchCompute compute, IBlobStorage storage, Func<ValueTask>? cleanup = null)
    {
        ArgumentNullException.ThrowIfNull(compute);
        ArgumentNullException.ThrowIfNull(storage);
        Compute = compute;
        Storage = storage;
        _cleanup = cleanup;
    }

    /// <summary>Gets the compute under test.</summary>
    public IBatchCompute Compute { get; }

    /// <summary>Gets the storage for resource and output files.</summary>
    public IBlobStorage Storage { get; }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _cleanup?.Invoke() ?? ValueTask.CompletedTask;
}
