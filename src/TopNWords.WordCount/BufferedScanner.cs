namespace TopNWords.WordCount;

/// <summary>
/// The read loop of every path that reads: the caller reads into <see cref="ReadBuffer"/> and reports
/// how many bytes arrived; the buffer is scanned when it is full or the input (or the chunk) ends, and
/// what a token still needs is kept at its front.
/// </summary>
internal sealed class BufferedScanner
{
    private readonly Utf8WordScanner _scanner;
    private readonly string? _sourceName;
    private byte[] _buffer;
    private int _filled;
    private long _bufferOffset; // offset of _buffer[0] in the input
    private bool _bomChecked;

    public BufferedScanner(WordTable table, WordCountOptions options, string? sourceName)
    {
        Table = table;
        _scanner = new Utf8WordScanner(table, options.InvalidUtf8Handling);
        _sourceName = sourceName;
        _buffer = new byte[options.BufferSize];
    }

    internal static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    public WordTable Table { get; }

    public Span<byte> ReadBuffer => _buffer.AsSpan(_filled);

    public Memory<byte> ReadMemory => _buffer.AsMemory(_filled);

    /// <summary>Starts over at <paramref name="offset"/> of the input: a new chunk, whose first byte starts a token or a separator.</summary>
    public void Restart(long offset)
    {
        _filled = 0;
        _bufferOffset = offset;
        _bomChecked = offset != 0;
    }

    /// <summary>Takes the result of one read; returns false once the input has ended and was scanned.</summary>
    public bool OnRead(int bytesRead)
    {
        if (bytesRead == 0)
        {
            ScanBuffer(isFinal: true);
            return false;
        }

        _filled += bytesRead;
        if (_filled == _buffer.Length)
        {
            ScanBuffer(isFinal: false);
        }

        return true;
    }

    private void ScanBuffer(bool isFinal)
    {
        int start = 0;
        if (!_bomChecked)
        {
            _bomChecked = true;
            if (_buffer.AsSpan(0, _filled).StartsWith(Utf8Bom))
            {
                start = Utf8Bom.Length;
            }
        }

        int consumed = start + _scanner.Scan(_buffer.AsSpan(start, _filled - start), _bufferOffset + start, isFinal, _sourceName);
        if (isFinal)
        {
            return;
        }

        int remaining = _filled - consumed;
        if (consumed == 0)
        {
            // One token fills the whole buffer: make room for the rest of it.
            if (_buffer.Length == Array.MaxLength)
            {
                throw new InsufficientMemoryException($"A single token in {_sourceName ?? "the input"} is longer than {Array.MaxLength} bytes.");
            }

            Array.Resize(ref _buffer, (int)Math.Min((long)_buffer.Length * 2, Array.MaxLength));
        }
        else if (remaining > 0)
        {
            _buffer.AsSpan(consumed, remaining).CopyTo(_buffer);
        }

        _filled = remaining;
        _bufferOffset += consumed;
    }
}
