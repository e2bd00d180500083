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

    internal static WordCountOptions Default { get; } = new();
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
