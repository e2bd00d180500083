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
/// The input is read through fixed buffers: memory grows with the distinct words (and the longest
/// token), never with the size of the input. Large files and seekable streams are counted on several
/// threads (see <see cref="WordCountOptions.MaxDegreeOfParallelism"/>), with the same result.
/// </para>
/// </remarks>
public static class WordCounter
{
    /// <summary>Counts the words of a UTF-8 stream.</summary>
    /// <param name="input">The stream, read from its current position to its end. It is not disposed.
    /// A seekable stream larger than a few megabytes is read by several threads at once, each taking
    /// turns to seek and read (a <see cref="FileStream"/>'s file is read at offsets without seeking);
    /// the stream is left at its end.</param>
    /// <param name="topN">How many of the most frequent words to return; at least 1.</param>
    /// <param name="options">Options, or <see langword="null"/> for the defaults.</param>
    /// <returns>The top words and the totals.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topN"/> is less than 1, or an option is invalid (see <see cref="WordCountOptions.Validate"/>).</exception>
    /// <exception cref="InvalidUtf8Exception">The input is not valid UTF-8 and
    /// <see cref="WordCountOptions.InvalidUtf8Handling"/> is <see cref="InvalidUtf8Handling.Throw"/>.</exception>
    public static WordCountResult Count(Stream input, int topN, WordCountOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ValidateTopN(topN);
        return ToResult(CountStream(input, Validated(options), sourceName: null), topN);
    }

    /// <summary>Counts the words of a UTF-8 stream, reading it asynchronously.</summary>
    /// <param name="input">The stream, read from its current position to its end. It is not disposed.
    /// A <see cref="FileStream"/> larger than a few megabytes is counted by a thread of the thread pool
    /// and threads of its own, which read its file at offsets; the stream is left at its end.</param>
    /// <param name="topN">How many of the most frequent words to return; at least 1.</param>
    /// <param name="options">Options, or <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the count.</param>
    /// <returns>The top words and the totals.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topN"/> is less than 1, or an option is invalid (see <see cref="WordCountOptions.Validate"/>).</exception>
    /// <exception cref="InvalidUtf8Exception">The input is not valid UTF-8 and
    /// <see cref="WordCountOptions.InvalidUtf8Handling"/> is <see cref="InvalidUtf8Handling.Throw"/>.</exception>
    public static async Task<WordCountResult> CountAsync(Stream input, int topN, WordCountOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ValidateTopN(topN);
        options = Validated(options);
        if (ParallelWordCounter.TryCreate(input, options, sourceName: null, allowSeekingStreams: false, cancellationToken) is { } parallel)
        {
            return ToResult(await Task.Run(parallel.Count, cancellationToken).ConfigureAwait(false), topN);
        }

        long length = RemainingLength(input);
        var reader = new BufferedScanner(new WordTable(WordTable.CapacityFor(length)), options, sourceName: null, length);
        while (reader.OnRead(await input.ReadAsync(reader.ReadMemory, cancellationToken).ConfigureAwait(false)))
        {
        }

        return ToResult(reader.Table, topN);
    }

    /// <summary>Counts the words of a UTF-8 file.</summary>
    /// <param name="path">The file. One larger than a few megabytes is counted by several threads.</param>
    /// <param name="topN">How many of the most frequent words to return; at least 1.</param>
    /// <param name="options">Options, or <see langword="null"/> for the defaults.</param>
    /// <returns>The top words and the totals.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topN"/> is less than 1, or an option is invalid (see <see cref="WordCountOptions.Validate"/>).</exception>
    /// <exception cref="InvalidUtf8Exception">The file is not valid UTF-8 (the message names the file and
    /// the byte offset) and <see cref="WordCountOptions.InvalidUtf8Handling"/> is
    /// <see cref="InvalidUtf8Handling.Throw"/>.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read, or is a directory.</exception>
    public static WordCountResult CountFile(string path, int topN, WordCountOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ValidateTopN(topN);
        options = Validated(options);
        using var stream = OpenFile(path);
        return ToResult(CountStream(stream, options, path), topN);
    }

    /// <summary>Counts the words of UTF-8 text held in memory, on the calling thread.</summary>
    /// <param name="utf8Text">The text.</param>
    /// <param name="topN">How many of the most frequent words to return; at least 1.</param>
    /// <param name="options">Options, or <see langword="null"/> for the defaults. The buffer size and the
    /// degree of parallelism are not used.</param>
    /// <returns>The top words and the totals.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topN"/> is less than 1, or an option is invalid (see <see cref="WordCountOptions.Validate"/>).</exception>
    /// <exception cref="InvalidUtf8Exception">The text is not valid UTF-8 and
    /// <see cref="WordCountOptions.InvalidUtf8Handling"/> is <see cref="InvalidUtf8Handling.Throw"/>.</exception>
    public static WordCountResult Count(ReadOnlySpan<byte> utf8Text, int topN, WordCountOptions? options = null)
    {
        ValidateTopN(topN);
        options = Validated(options);
        var table = new WordTable(WordTable.CapacityFor(utf8Text.Length));
        var scanner = new Utf8WordScanner(table, options.InvalidUtf8Handling);
        int start = utf8Text.StartsWith(BufferedScanner.Utf8Bom) ? BufferedScanner.Utf8Bom.Length : 0;
        scanner.Scan(utf8Text[start..], start, isFinal: true, sourceName: null);
        return ToResult(table, topN);
    }

    /// <summary>Counts every word of a UTF-8 stream: the full table, in order of first occurrence.</summary>
    /// <param name="input">The stream, read from its current position to its end, as <see cref="Count(Stream, int, WordCountOptions?)"/> reads it. It is not disposed.</param>
    /// <param name="options">Options, or <see langword="null"/> for the defaults.</param>
    /// <returns>Every distinct word with its count.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is invalid (see <see cref="WordCountOptions.Validate"/>).</exception>
    /// <exception cref="InvalidUtf8Exception">The input is not valid UTF-8 and
    /// <see cref="WordCountOptions.InvalidUtf8Handling"/> is <see cref="InvalidUtf8Handling.Throw"/>.</exception>
    public static WordCounts CountWords(Stream input, WordCountOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        return WordCounts.FromCounted(CountStream(input, Validated(options), sourceName: null));
    }

    /// <summary>Counts every word of a UTF-8 file: the full table, in order of first occurrence.</summary>
    /// <param name="path">The file. One larger than a few megabytes is counted by several threads.</param>
    /// <param name="options">Options, or <see langword="null"/> for the defaults.</param>
    /// <returns>Every distinct word with its count.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is invalid (see <see cref="WordCountOptions.Validate"/>).</exception>
    /// <exception cref="InvalidUtf8Exception">The file is not valid UTF-8 (the message names the file and
    /// the byte offset) and <see cref="WordCountOptions.InvalidUtf8Handling"/> is
    /// <see cref="InvalidUtf8Handling.Throw"/>.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read, or is a directory.</exception>
    public static WordCounts CountFileWords(string path, WordCountOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options = Validated(options);
        using var stream = OpenFile(path);
        return WordCounts.FromCounted(CountStream(stream, options, path));
    }

    /// <summary>Counts every word of UTF-8 text held in memory, on the calling thread: the full table, in order of first occurrence.</summary>
    /// <param name="utf8Text">The text.</param>
    /// <param name="options">Options, or <see langword="null"/> for the defaults. The buffer size and the
    /// degree of parallelism are not used.</param>
    /// <returns>Every distinct word with its count.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is invalid (see <see cref="WordCountOptions.Validate"/>).</exception>
    /// <exception cref="InvalidUtf8Exception">The text is not valid UTF-8 and
    /// <see cref="WordCountOptions.InvalidUtf8Handling"/> is <see cref="InvalidUtf8Handling.Throw"/>.</exception>
    public static WordCounts CountWords(ReadOnlySpan<byte> utf8Text, WordCountOptions? options = null)
    {
        options = Validated(options);
        var table = new WordTable(WordTable.CapacityFor(utf8Text.Length));
        var scanner = new Utf8WordScanner(table, options.InvalidUtf8Handling);
        int start = utf8Text.StartsWith(BufferedScanner.Utf8Bom) ? BufferedScanner.Utf8Bom.Length : 0;
        scanner.Scan(utf8Text[start..], start, isFinal: true, sourceName: null);
        return WordCounts.FromCounted(table);
    }

    private static WordTable CountStream(Stream input, WordCountOptions options, string? sourceName)
    {
        if (ParallelWordCounter.TryCreate(input, options, sourceName, allowSeekingStreams: true, CancellationToken.None) is { } parallel)
        {
            return parallel.Count();
        }

        long length = RemainingLength(input);
        var reader = new BufferedScanner(new WordTable(WordTable.CapacityFor(length)), options, sourceName, length);
        while (reader.OnRead(input.Read(reader.ReadBuffer)))
        {
        }

        return reader.Table;
    }

    /// <summary>How many bytes <paramref name="input"/> has left when it can tell (a seekable stream), or -1.</summary>
    private static long RemainingLength(Stream input) => input.CanSeek ? Math.Max(input.Length - input.Position, 0) : -1;

    private static WordCountOptions Validated(WordCountOptions? options)
    {
        if (options is null)
        {
            return WordCountOptions.Default;
        }

        options.Validate();
        return options;
    }

    private static WordCountResult ToResult(WordTable table, int topN) => new(table.Top(topN), table.TotalWords, table.Count);

    private static void ValidateTopN(int topN)
    {
        if (topN < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(topN), topN, "The number of top words to return must be at least 1.");
        }
    }

    private static FileStream OpenFile(string path)
    {
        if (Directory.Exists(path))
        {
            throw new UnauthorizedAccessException($"'{path}' is a directory, not a file. Pass the path of a UTF-8 text file.");
        }

        // No FileStream buffer: every read goes straight into the counter's own buffer.
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
    }
}
