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
    public int BufferSize { get; set; } = DefaultBufferSize;

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
    /// 1 counts on the calling thread only; 0 and values below -1 are invalid.</value>
    public int MaxDegreeOfParallelism { get; set; } = -1;

    /// <summary>Gets or sets the input size from which the parallel path is taken (tests lower it).</summary>
    internal long ParallelThreshold { get; set; } = 2 * 1024 * 1024;

    /// <summary>Gets or sets the nominal size of the chunks of the parallel path (tests lower it).</summary>
    internal int ChunkSize { get; set; } = 1024 * 1024;

    internal static WordCountOptions Default { get; } = new();

    /// <summary>The number of threads to count an input with, from <see cref="MaxDegreeOfParallelism"/>.</summary>
    internal int Workers => MaxDegreeOfParallelism == -1 ? Environment.ProcessorCount : MaxDegreeOfParallelism;

    /// <summary>Checks the options; every method of <see cref="WordCounter"/> calls it before it reads any input.</summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <see cref="InvalidUtf8Handling"/> is not a value of its enum, <see cref="BufferSize"/> is less than
    /// <see cref="MinimumBufferSize"/>, or <see cref="MaxDegreeOfParallelism"/> is 0 or less than -1. The exception's
    /// <see cref="ArgumentException.ParamName"/> names the option.
    /// </exception>
    public void Validate()
    {
        if (!Enum.IsDefined(InvalidUtf8Handling))
        {
            throw new ArgumentOutOfRangeException(nameof(InvalidUtf8Handling), InvalidUtf8Handling, $"WordCountOptions.InvalidUtf8Handling is {(int)InvalidUtf8Handling}, which is not a value of the enum: use InvalidUtf8Handling.Throw or InvalidUtf8Handling.Replace.");
        }

        if (BufferSize < MinimumBufferSize)
        {
            throw new ArgumentOutOfRangeException(nameof(BufferSize), BufferSize, $"WordCountOptions.BufferSize is {BufferSize} bytes: use at least {MinimumBufferSize} (the default is {DefaultBufferSize}).");
        }

        if (MaxDegreeOfParallelism is 0 or < -1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), MaxDegreeOfParallelism, $"WordCountOptions.MaxDegreeOfParallelism is {MaxDegreeOfParallelism}: use -1 (one thread per processor) or at least 1 (1 counts on the calling thread only).");
        }

        if (ParallelThreshold < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ParallelThreshold), ParallelThreshold, "WordCountOptions.ParallelThreshold must be 0 or more.");
        }

        if (ChunkSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ChunkSize), ChunkSize, "WordCountOptions.ChunkSize must be at least 1.");
        }
    }
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
