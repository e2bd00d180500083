namespace TopNWords.WordCount;

/// <summary>
/// Counts the words of UTF-8 text and returns the most frequent ones.
/// </summary>
/// <remarks>
/// <para>
/// The rule is the Azure Batch tutorial's <c>[w.strip(string.punctuation) for w in text.split()]</c>
/// followed by <c>Counter(...).most_common(n)</c>, with two fixes: a leading UTF-8 byte order mark is
/// dropped, and a token that is empty after stripping is not counted.
/// </para>
/// <list type="bullet">
/// <item>Tokens are maximal runs of characters that are not whitespace as Python's <c>str.split()</c>
/// defines it: U+0009..U+000D, U+001C..U+001F, U+0020, U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028,
/// U+2029, U+202F, U+205F, U+3000.</item>
/// <item>Leading and trailing ASCII punctuation (<c>!"#$%&amp;'()*+,-./:;&lt;=&gt;?@[\]^_`{|}~</c>) is
/// removed from each token; inner punctuation and case are kept.</item>
/// <item>Words are ordered by count, descending; ties in order of first occurrence.</item>
/// </list>
/// <para>
/// The input is read through a fixed buffer: memory grows with the distinct words (and the longest
/// token), never with the size of the input.
/// </para>
/// </remarks>
public static class WordCounter
{
    /// <summary>Counts the words of a UTF-8 stream.</summary>
    /// <param name="input">The stream, read from its current position to its end. It is not disposed.</param>
    /// <param name="topN">How many of the most frequent words to return; at least 1.</param>
    /// <param name="options">Options, or <see langword="null"/> for the defaults.</param>
    /// <returns>The top words and the totals.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topN"/> is less than 1.</exception>
    /// <exception cref="InvalidUtf8Exception">The input is not valid UTF-8 and
    /// <see cref="WordCountOptions.InvalidUtf8Handling"/> is <see cref="InvalidUtf8Handling.Throw"/>.</exception>
    public static WordCountResult Count(Stream input, int topN, WordCountOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ValidateTopN(topN);
        var state = new StreamCountState(options ?? WordCountOptions.Default, sourceName: null);
        while (state.OnRead(input.Read(state.ReadBuffer)))
        {
        }

        return state.GetResult(topN);
    }

    /// <summary>Counts the words of a UTF-8 stream, reading it asynchronously.</summary>
    /// <param name="input">The stream, read from its current position to its end. It is not disposed.</param>
    /// <param name="topN">How many of the most frequent words to return; at least 1.</param>
    /// <param name="options">Options, or <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the count.</param>
    /// <returns>The top words and the totals.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topN"/> is less than 1.</exception>
    /// <exception cref="InvalidUtf8Exception">The input is not valid UTF-8 and
    /// <see cref="WordCountOptions.InvalidUtf8Handling"/> is <see cref="InvalidUtf8Handling.Throw"/>.</exception>
    public static async Task<WordCountResult> CountAsync(Stream input, int topN, WordCountOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ValidateTopN(topN);
        var state = new StreamCountState(options ?? WordCountOptions.Default, sourceName: null);
        while (state.OnRead(await input.ReadAsync(state.ReadMemory, cancellationToken).ConfigureAwait(false)))
        {
        }

        return state.GetResult(topN);
    }

    /// <summary>Counts the words of a UTF-8 file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="topN">How many of the most frequent words to return; at least 1.</param>
    /// <param name="options">Options, or <see langword="null"/> for the defaults.</param>
    /// <returns>The top words and the totals.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topN"/> is less than 1.</exception>
    /// <exception cref="InvalidUtf8Exception">The file is not valid UTF-8 (the message names the file and
    /// the byte offset) and <see cref="WordCountOptions.InvalidUtf8Handling"/> is
    /// <see cref="InvalidUtf8Handling.Throw"/>.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read, or is a directory.</exception>
    public static WordCountResult CountFile(string path, int topN, WordCountOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ValidateTopN(topN);
        options ??= WordCountOptions.Default;
        using var stream = OpenFile(path, options);
        var state = new StreamCountState(options, path);
        while (state.OnRead(stream.Read(state.ReadBuffer)))
        {
        }

        return state.GetResult(topN);
    }

    /// <summary>Counts the words of UTF-8 text held in memory.</summary>
    /// <param name="utf8Text">The text.</param>
    /// <param name="topN">How many of the most frequent words to return; at least 1.</param>
    /// <param name="options">Options, or <see langword="null"/> for the defaults. The buffer size is not used.</param>
    /// <returns>The top words and the totals.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topN"/> is less than 1.</exception>
    /// <exception cref="InvalidUtf8Exception">The text is not valid UTF-8 and
    /// <see cref="WordCountOptions.InvalidUtf8Handling"/> is <see cref="InvalidUtf8Handling.Throw"/>.</exception>
    public static WordCountResult Count(ReadOnlySpan<byte> utf8Text, int topN, WordCountOptions? options = null)
    {
        ValidateTopN(topN);
        options ??= WordCountOptions.Default;
        var table = new WordTable();
        var scanner = new Utf8WordScanner(table, options.InvalidUtf8Handling);
        int start = utf8Text.StartsWith(StreamCountState.Utf8Bom) ? StreamCountState.Utf8Bom.Length : 0;
        scanner.Scan(utf8Text[start..], start, isFinal: true, sourceName: null);
        return new WordCountResult(table.Top(topN), table.TotalWords, table.Count);
    }

    private static void ValidateTopN(int topN)
    {
        if (topN < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(topN), topN, "The number of top words to return must be at least 1.");
        }
    }

    private static FileStream OpenFile(string path, WordCountOptions options)
    {
        if (Directory.Exists(path))
        {
            throw new UnauthorizedAccessException($"'{path}' is a directory, not a file. Pass the path of a UTF-8 text file.");
        }

        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
    }

    /// <summary>
    /// The read loop shared by the synchronous and asynchronous paths: the caller reads into
    /// <see cref="ReadBuffer"/> and reports how many bytes arrived; the buffer is scanned when it is full
    /// or the input ends, and what a token still needs is kept at its front.
    /// </summary>
    private sealed class StreamCountState
    {
        internal static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

        private readonly WordTable _table = new();
        private readonly Utf8WordScanner _scanner;
        private readonly string? _sourceName;
        private byte[] _buffer;
        private int _filled;
        private long _bufferOffset; // offset of _buffer[0] in the input
        private bool _started;

        public StreamCountState(WordCountOptions options, string? sourceName)
        {
            _scanner = new Utf8WordScanner(_table, options.InvalidUtf8Handling);
            _sourceName = sourceName;
            _buffer = new byte[options.BufferSize];
        }

        public Span<byte> ReadBuffer => _buffer.AsSpan(_filled);

        public Memory<byte> ReadMemory => _buffer.AsMemory(_filled);

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

        public WordCountResult GetResult(int topN) => new(_table.Top(topN), _table.TotalWords, _table.Count);

        private void ScanBuffer(bool isFinal)
        {
            int start = 0;
            if (!_started)
            {
                _started = true;
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
}
