namespace TopNWords.WordCount;

/// <summary>
/// One word and the number of times it was counted.
/// </summary>
/// <param name="Word">The word, after leading and trailing ASCII punctuation were removed. Never empty.</param>
/// <param name="Count">How many times the word was counted.</param>
public readonly record struct WordFrequency(string Word, long Count);

/// <summary>
/// The outcome of counting one input.
/// </summary>
public sealed class WordCountResult
{
    /// <summary>Initializes a new instance of the <see cref="WordCountResult"/> class.</summary>
    /// <param name="topWords">The most frequent words, most frequent first; ties in order of first occurrence.</param>
    /// <param name="totalWords">The number of counted tokens (tokens that were not empty after stripping).</param>
    /// <param name="distinctWords">The number of distinct counted words.</param>
    public WordCountResult(IReadOnlyList<WordFrequency> topWords, long totalWords, long distinctWords)
    {
        ArgumentNullException.ThrowIfNull(topWords);
        ArgumentOutOfRangeException.ThrowIfNegative(totalWords);
        ArgumentOutOfRangeException.ThrowIfNegative(distinctWords);
        TopWords = topWords;
        TotalWords = totalWords;
        DistinctWords = distinctWords;
    }

    /// <summary>Gets the most frequent words, most frequent first; ties in order of first occurrence in the input.</summary>
    public IReadOnlyList<WordFrequency> TopWords { get; }

    /// <summary>Gets the number of counted tokens (tokens that were not empty after stripping punctuation).</summary>
    public long TotalWords { get; }

    /// <summary>Gets the number of distinct counted words.</summary>
    public long DistinctWords { get; }
}
