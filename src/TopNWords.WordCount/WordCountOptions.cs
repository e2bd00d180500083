namespace TopNWords.WordCount;

/// <summary>
/// Options for <see cref="WordCounter"/>.
/// </summary>
public sealed class WordCountOptions
{
    /// <summary>The smallest read buffer accepted by <see cref="BufferSize"/>.</summary>
    public const int MinimumBufferSize = 16;

    /// <summary>The default read buffer size in bytes (64 KiB).</summary>
    public const int DefaultBufferSize = 64 * 1024;

    private int _bufferSize = DefaultBufferSize;
    private int _maxDegreeOfParallelism = -1;
    private long _parallelThreshold = 2 * 1024 * 1024;
    private int _chunkSize = 1024 * 1024;

    /// <summary>
    /// Gets or sets how invalid UTF-8 in the input is handled.
    /// </summary>
    /// <value>The default value is <see cref="InvalidUtf8Handling.Throw"/>.</value>
    public InvalidUtf8Handling InvalidUtf8Handling { get; set; } = InvalidUtf8Handling.Throw;

    /// <summary>
    /// Gets or sets the size, in bytes, of the buffer the input is read through. A token longer than the
    /// buffer is still counted correctly: the buffer grows to hold it.
    /// </summary>
    /// <value>The default value is 65,536 (64 KiB). The minimum is <see cref="MinimumBufferSize"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than <see cref="MinimumBufferSize"/>.</exception>
    public int BufferSize
    {
        get => _bufferSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, MinimumBufferSize);
            _bufferSize = value;
        }
    }

    /// <summary>
    /// Gets or sets how many threads may count one input at once. An input that can be read at any
    /// offset — a file given to <see cref="WordCounter.CountFile"/>, a seekable stream given to
    /// <see cref="WordCounter.Count(Stream, int, WordCountOptions?)"/>, a <see cref="FileStream"/> given to
    /// <see cref="WordCounter.CountAsync"/> — and larger than a few megabytes is split into chunks at
    /// separators; each thread reads chunks through its own buffer of <see cref="BufferSize"/> bytes
    /// and counts them into its own table, and the tables are merged. The result is the same whatever
    /// the value, including the order of ties and the offset of the first invalid byte.
    /// </summary>
    /// <value>The default value is -1: one thread per processor (<see cref="Environment.ProcessorCount"/>).
    /// 1 counts on the calling thread only.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is 0 or less than -1.</exception>
    public int MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        set
        {
            if (value is 0 or < -1)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The degree of parallelism must be -1 (one thread per processor) or at least 1.");
            }

            _maxDegreeOfParallelism = value;
        }
    }

    /// <summary>Gets or sets the input size from which the parallel path is taken (tests lower it).</summary>
    internal long ParallelThreshold
    {
        get => _parallelThreshold;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _parallelThreshold = value;
        }
    }

    /// <summary>Gets or sets the nominal size of the chunks of the parallel path (tests lower it).</summary>
    internal int ChunkSize
    {
        get => _chunkSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _chunkSize = value;
        }
    }

    internal static WordCountOptions Default { get; } = new();

    /// <summary>The number of threads to count an input with, from <see cref="MaxDegreeOfParallelism"/>.</summary>
    internal int Workers => _maxDegreeOfParallelism == -1 ? Environment.ProcessorCount : _maxDegreeOfParallelism;
}

/// <summary>
/// How <see cref="WordCounter"/> treats bytes that are not well-formed UTF-8.
/// </summary>
public enum InvalidUtf8Handling
{
    /// <summary>Stop with an <see cref="InvalidUtf8Exception"/> that names the byte offset.</summary>
    Throw = 0,

    /// <summary>
    /// Replace each maximal ill-formed subsequence with U+FFFD (the replacement character), as
    /// <see cref="System.Text.Encoding.UTF8"/> does when decoding, and go on counting.
    /// </summary>
    Replace = 1,
}
