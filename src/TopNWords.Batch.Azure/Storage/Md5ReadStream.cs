using System.Security.Cryptography;

namespace TopNWords.Batch.Azure.Storage;

/// <summary>Reads through to a stream, computing the MD5 and length of what was read.</summary>
internal sealed class Md5ReadStream : ForwardReadStream
{
    private readonly Stream _inner;
#pragma warning disable CA5351 // MD5 is Azure Blob's Content-MD5: a content fingerprint, not a security control.
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
#pragma warning restore CA5351
    private long _length;

    public Md5ReadStream(Stream inner) => _inner = inner;

    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    public byte[] GetHash() => _md5.GetCurrentHash();

    public override int Read(Span<byte> buffer)
    {
        int read = _inner.Read(buffer);
        Append(buffer[..read]);
        return read;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Append(buffer.Span[..read]);
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _md5.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        _md5.AppendData(data);
        _length += data.Length;
    }
}
