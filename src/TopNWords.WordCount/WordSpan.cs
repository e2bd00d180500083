namespace TopNWords.WordCount;

/// <summary>Where one word is in a buffer: the scanner finds words, the table counts them in batches.</summary>
/// <param name="start">The index of the word's first byte.</param>
/// <param name="length">The word's length in bytes, at least 1.</param>
internal readonly struct WordSpan(int start, int length)
{
    public int Start { get; } = start;

    public int Length { get; } = length;
}
