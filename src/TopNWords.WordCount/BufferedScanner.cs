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

    /// <param name="table">The table the words are counted in.</param>
    /// <param name="options">The options (the buffer's size, the handling of invalid UTF-8).</param>
    /// <param name="sourceName">The input's name, for error messages.</param>
    /// <param name="expectedLength">The input's length when it is known (a file), or -1: an input shorter than the buffer of
    /// <see cref="WordCountOptions.BufferSize"/> gets one byte more than its length (its last read then finds the end without
    /// a second scan), so that a small file's count allocates and touches a few KB, not 64 KB. An input that turns out
    /// longer is read on as usual.</param>
    public BufferedScanner(WordTable table, WordCountOptions options, string? sourceName, long expectedLength = -1)
    {
        Table = table;
        _scanner = new Utf8WordScanner(table, options.InvalidUtf8Handling);
        _sourceName = sourceName;

        // Only _buffer[.._filled] is ever read, and the reads write it first: it need not be cleared.
        int size = expectedLength >= 0 && expectedLength < options.BufferSize ? Math.Max((int)expectedLength + 1, WordCountOptions.MinimumBufferSize) : options.BufferSize;
        _buffer = GC.AllocateUninitializedArray<byte>(size);
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
