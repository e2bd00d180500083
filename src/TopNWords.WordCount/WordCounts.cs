using System.Text;

namespace TopNWords.WordCount;

/// <summary>
/// Every distinct word of one or more inputs with its count, in order of first occurrence: the full
/// table that top-N lists are taken from, and what count files hold.
/// </summary>
/// <remarks>
/// <para>
/// A table counted from one input (<see cref="WordCounter.CountWords(Stream, WordCountOptions?)"/>) lists its
/// words in order of first occurrence in that input. <see cref="Add(ReadOnlySpan{byte}, long)"/> adds to a
/// word's count, and puts a word that is not in the table yet after all the others; so adding the tables
/// of inputs 1..n in that order, each in its own order, gives the table of their concatenation (see
/// <see cref="AddFrom(Stream, string?)"/>).
/// </para>
/// <para>Memory grows with the distinct words, never with the number of tables added. Not thread-safe.</para>
/// </remarks>
public sealed class WordCounts
{
    private readonly WordTable _table;
    private long _totalWords;

    /// <summary>Initializes a new, empty instance of the <see cref="WordCounts"/> class, to add counts to.</summary>
    public WordCounts()
        : this(new WordTable(), 0)
    {
    }

    internal WordCounts(WordTable table, long totalWords)
    {
        _table = table;
        _totalWords = totalWords;
    }

    /// <summary>Gets the number of counted words: the sum of the counts.</summary>
    public long TotalWords => _totalWords;

    /// <summary>Gets the number of distinct words.</summary>
    public int DistinctWords => _table.Count;

    internal WordTable Table => _table;

    /// <summary>Builds the table of a counted input: its entries in order of first occurrence.</summary>
    internal static WordCounts FromCounted(WordTable table)
    {
        table.Renumber();
        return new WordCounts(table, table.TotalWords);
    }

    /// <summary>
    /// Adds <paramref name="count"/> occurrences of a word; a word that is not in the table yet comes after all the others.
    /// </summary>
    /// <param name="utf8Word">The word in UTF-8, as the counting rule makes words: not empty, valid UTF-8, without whitespace,
    /// and without ASCII punctuation at either end.</param>
    /// <param name="count">How many times to count it; at least 1.</param>
    /// <exception cref="ArgumentException"><paramref name="utf8Word"/> is not a word the counting rule can produce.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is less than 1.</exception>
    /// <exception cref="OverflowException">A count or the total would exceed <see cref="long.MaxValue"/>.</exception>
    public void Add(ReadOnlySpan<byte> utf8Word, long count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (!IsWord(utf8Word))
        {
            throw new ArgumentException("A word is not empty, is valid UTF-8, contains no whitespace, and has no ASCII punctuation at either end.", nameof(utf8Word));
        }

        AddUnchecked(utf8Word, count);
    }

    /// <summary>
    /// Adds <paramref name="count"/> occurrences of a word; a word that is not in the table yet comes after all the others.
    /// </summary>
    /// <param name="word">The word, as the counting rule makes words: not empty, without whitespace, and without ASCII
    /// punctuation at either end.</param>
    /// <param name="count">How many times to count it; at least 1.</param>
    /// <exception cref="ArgumentException"><paramref name="word"/> is not a word the counting rule can produce, or holds a lone surrogate.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is less than 1.</exception>
    /// <exception cref="OverflowException">A count or the total would exceed <see cref="long.MaxValue"/>.</exception>
    public void Add(string word, long count)
    {
        ArgumentNullException.ThrowIfNull(word);
        byte[] bytes;
        try
        {
            bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetBytes(word);
        }
        catch (EncoderFallbackException ex)
        {
            throw new ArgumentException("The word holds a lone surrogate.", nameof(word), ex);
        }

        Add(bytes, count);
    }

    /// <summary>
    /// Adds every word of <paramref name="other"/>, in its order: the table of this table's input followed by <paramref name="other"/>'s.
    /// </summary>
    /// <param name="other">The counts to add; may be this instance (which doubles every count).</param>
    /// <exception cref="OverflowException">A count or the total would exceed <see cref="long.MaxValue"/>.</exception>
    public void Add(WordCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        int n = other.DistinctWords;
        byte[] buffer = new byte[64];
        for (int i = 0; i < n; i++)
        {
            int length = other._table.LengthAt(i);
            if (length > buffer.Length)
            {
                buffer = new byte[Math.Max(length, buffer.Length * 2)];
            }

            other._table.CopyWordAt(i, buffer);
            AddUnchecked(buffer.AsSpan(0, length), other._table.CountAt(i));
        }
    }

    /// <summary>
    /// Reads a count file (see <see cref="WriteTo(Stream)"/>) and adds its words in its order, streaming:
    /// the file's words are never held apart from this table.
    /// </summary>
    /// <param name="countFile">The count file, read from its current position to its end. It is not disposed.</param>
    /// <param name="sourceName">The file's name, for error messages; or <see langword="null"/>.</param>
    /// <remarks>When an exception is thrown, some of the file's words may already have been added: discard this table.</remarks>
    /// <exception cref="InvalidDataException">The stream is not a count file of this format version, or is truncated or corrupt
    /// (its trailer's totals or checksum do not match); the message names <paramref name="sourceName"/> and what is wrong.</exception>
    /// <exception cref="OverflowException">A count or the total would exceed <see cref="long.MaxValue"/>.</exception>
    public void AddFrom(Stream countFile, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(countFile);
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(CountFileFormat.ReadBufferSize);
        try
        {
            CountFileFormat.Read(countFile, sourceName, this, buffer);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads a count file (see <see cref="WriteTo(Stream)"/>) into a new table.</summary>
    /// <param name="countFile">The count file, read from its current position to its end. It is not disposed.</param>
    /// <param name="sourceName">The file's name, for error messages; or <see langword="null"/>.</param>
    /// <returns>The file's counts.</returns>
    /// <exception cref="InvalidDataException">The stream is not a count file of this format version, or is truncated or corrupt.</exception>
    public static WordCounts ReadFrom(Stream countFile, string? sourceName = null)
    {
        var counts = new WordCounts();
        counts.AddFrom(countFile, sourceName);
        return counts;
    }

    /// <summary>
    /// Writes the table as a count file: UTF-8 text, LF line ends; a header line <c>topnwords-counts&lt;TAB&gt;1</c>;
    /// one line <c>COUNT&lt;TAB&gt;WORD</c> per word in the table's order; and a trailer line
    /// <c>end&lt;TAB&gt;DISTINCT&lt;TAB&gt;TOTAL&lt;TAB&gt;CRC32</c>, where CRC32 is the CRC-32 (as zlib's <c>crc32</c>) of every
    /// byte before the trailer, in 8 lowercase hexadecimal digits.
    /// </summary>
    /// <param name="destination">The stream to write to. It is not flushed or disposed.</param>
    public void WriteTo(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        CountFileFormat.Write(this, destination);
    }

    /// <summary>Gets the <paramref name="n"/> most frequent words, most frequent first; ties in the table's order.</summary>
    /// <param name="n">How many words to return, at least 1; fewer when the table has fewer.</param>
    /// <returns>The words.</returns>
    public IReadOnlyList<WordFrequency> Top(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        return _table.Top(n);
    }

    /// <summary>The result a top-N count returns: the <paramref name="topN"/> most frequent words and the totals.</summary>
    /// <param name="topN">How many words, at least 1.</param>
    /// <returns>The result.</returns>
    public WordCountResult ToResult(int topN) => new(Top(topN), TotalWords, DistinctWords);

    /// <summary>Every word with its count, in the table's order (first occurrence).</summary>
    /// <returns>The words; do not add to the table while enumerating.</returns>
    public IEnumerable<WordFrequency> GetWords()
    {
        byte[] buffer = new byte[64];
        for (int i = 0; i < _table.Count; i++)
        {
            int length = _table.LengthAt(i);
            if (length > buffer.Length)
            {
                buffer = new byte[length];
            }

            _table.CopyWordAt(i, buffer);
            yield return new WordFrequency(Encoding.UTF8.GetString(buffer, 0, length), _table.CountAt(i));
        }
    }

    /// <summary>Adds a word already known to be a word.</summary>
    internal void AddUnchecked(ReadOnlySpan<byte> utf8Word, long count)
    {
        long total = checked(_totalWords + count);
        _table.AddCount(utf8Word, count, position: _table.Count);
        _totalWords = total;
    }

    /// <summary>
    /// Whether the bytes are a word the counting rule can produce: not empty, valid UTF-8, no separator,
    /// and no ASCII punctuation at either end.
    /// </summary>
    internal static bool IsWord(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty || Utf8TokenRules.IsAsciiPunctuation(utf8[0]) || Utf8TokenRules.IsAsciiPunctuation(utf8[^1])
            || !System.Text.Unicode.Utf8.IsValid(utf8))
        {
            return false;
        }

        for (int i = 0; i < utf8.Length;)
        {
            byte b = utf8[i];
            if (b < 0x80)
            {
                if (Utf8TokenRules.IsAsciiSeparator(b))
                {
                    return false;
                }

                i++;
                continue;
            }

            int length = Utf8TokenRules.SequenceLength(utf8, i, out _);
            if (Utf8TokenRules.IsMultiByteSeparator(utf8, i, length))
            {
                return false;
            }

            i += length;
        }

        return true;
    }
}
