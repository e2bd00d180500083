using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Azure.Storage;

/// <summary>A blob's content stream whose service and network failures surface as <see cref="BlobStorageException"/>s.</summary>
internal sealed class BlobReadStream : ForwardReadStream
{
    private readonly Stream _inner;
    private readonly Func<Exception, BlobStorageException> _failure;

    public BlobReadStream(Stream inner, Func<Exception, BlobStorageException> failure)
    {
        _inner = inner;
        _failure = failure;
    }

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return _inner.Read(buffer);
        }
        catch (Exception ex) when (AzureBlobErrors.IsServiceFailure(ex, CancellationToken.None) && ex is not OperationCanceledException)
        {
            throw _failure(ex);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (AzureBlobErrors.IsServiceFailure(ex, cancellationToken))
        {
            throw _failure(ex);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
