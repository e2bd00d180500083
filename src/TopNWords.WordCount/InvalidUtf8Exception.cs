using System.Globalization;

namespace TopNWords.WordCount;

/// <summary>
/// The input is not well-formed UTF-8. <see cref="ByteOffset"/> is the zero-based offset, from the start
/// of the input, of the first byte of the first ill-formed sequence.
/// </summary>
public sealed class InvalidUtf8Exception : FormatException
{
    /// <summary>Initializes a new instance of the <see cref="InvalidUtf8Exception"/> class.</summary>
    /// <param name="sourceName">The file name or other name of the input; <see langword="null"/> when it has none.</param>
    /// <param name="byteOffset">The zero-based offset of the first byte of the ill-formed sequence.</param>
    public InvalidUtf8Exception(string? sourceName, long byteOffset)
        : base(BuildMessage(sourceName, byteOffset))
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byteOffset);
        SourceName = sourceName;
        ByteOffset = byteOffset;
    }

    /// <summary>Initializes a new instance of the <see cref="InvalidUtf8Exception"/> class.</summary>
    public InvalidUtf8Exception()
        : this(null, 0)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InvalidUtf8Exception"/> class with a custom message.</summary>
    /// <param name="message">The message.</param>
    public InvalidUtf8Exception(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="InvalidUtf8Exception"/> class with a custom message.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public InvalidUtf8Exception(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets the file name or other name of the input, or <see langword="null"/> when it has none.</summary>
    public string? SourceName { get; }

    /// <summary>Gets the zero-based offset, from the start of the input, of the first byte of the ill-formed sequence.</summary>
    public long ByteOffset { get; }

    internal InvalidUtf8Exception WithSourceName(string sourceName) => new(sourceName, ByteOffset);

    private static string BuildMessage(string? sourceName, long byteOffset)
    {
        string what = sourceName is null ? "The input" : string.Create(CultureInfo.InvariantCulture, $"The file '{sourceName}'");
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{what} is not valid UTF-8: an ill-formed byte sequence starts at byte offset {byteOffset}. Convert the file to UTF-8, or count it with InvalidUtf8Handling.Replace to replace invalid bytes with U+FFFD.");
    }
}
