using System.Text;

namespace TopNWords.WordCount.Tests;

/// <summary>
/// Random texts (fixed seeds) built from the characters that matter, counted by <see cref="WordCounter"/>
/// at random buffer sizes (and in one piece, from memory) and by <see cref="ReferenceWordCounter"/>.
/// </summary>
[TestFixture]
public class DifferentialTests
{
    internal static readonly string[] Fragments =
    [
        "a", "b", "c", "ab", "ba", "the", "The", "Storage", "word", "é", "日本", "𝄞", "ü", "x",
        ".", ",", "'", "\"", "-", "(", ")", "!", "?", "_", "~", "--", "...",
        " ", " ", " ", "\t", "\n", "\r\n", "\r", "\u000B", "\u000C", "\u001C", "\u001F",
        "\u0085", "\u00A0", "\u1680", "\u2000", "\u2005", "\u200A", "\u2028", "\u2029", "\u202F", "\u205F", "\u3000",
        "\u200B", "\uFEFF", "\u180E", "\u2060", "\u0084", "\u00A1", "\u3001",
    ];

    private static IEnumerable<int> Seeds() => Enumerable.Range(1, 40);

    [TestCaseSource(nameof(Seeds))]
    public void Count_RandomValidText_MatchesReference(int seed)
    {
        var random = new Random(seed);
        byte[] bytes = RandomText(random, maxFragments: 3000);

        AssertSame(bytes, random, replaceInvalid: false);
    }

    [Test]
    public void Count_WordsOfEveryLengthAroundTheKeyHalves_MatchReference()
    {
        // Words of 1 to 40 bytes, ASCII and multi-byte, sharing their first 8, 16 or 32 bytes, with NUL
        // bytes that the zero padding of short keys must not confuse with the end of a word.
        var random = new Random(3);
        string[] alphabet = ["a", "b", "\0", "é", "日", "𝄞"];
        var words = new List<string>();
        foreach (string prefix in new[] { "", "abcdefgh", "abcdefghijklmnop", "abcdefghijklmnopqrstuvwxyz012345" })
        {
            for (int length = 0; length <= 10; length++)
            {
                words.Add(prefix + string.Concat(Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)])));
                words.Add(prefix + new string('\0', length));
            }
        }

        var text = new StringBuilder();
        for (int i = 0; i < 3000; i++)
        {
            text.Append(words[random.Next(words.Count)]).Append(i % 7 == 0 ? "\u3000" : " ");
        }

        byte[] bytes = Encoding.UTF8.GetBytes(text.ToString());
        var expected = ReferenceWordCounter.Count(bytes, int.MaxValue, replaceInvalid: false);
        foreach (var result in new[] { WordCounter.Count(bytes.AsSpan(), int.MaxValue), WordCounter.Count(new MemoryStream(bytes), int.MaxValue, new WordCountOptions { BufferSize = 100 }) })
        {
            Assert.That(result.TopWords.Select(w => (w.Word, w.Count)), Is.EqualTo(expected.Top));
            Assert.That(result.DistinctWords, Is.EqualTo(expected.Distinct));
        }
    }

    [TestCase(0)]
    [TestCase(63)]
    [TestCase(64)]
    [TestCase(65)]
    [TestCase(1000)]
    public void Count_AsciiBlocksBeforeTheFirstNonAsciiByte_MatchReference(int asciiBytes)
    {
        // The block path validates the UTF-8 from the first block with a non-ASCII byte on: ASCII before
        // it, then multi-byte words and separators across block boundaries, in one piece and buffered.
        var random = new Random(asciiBytes + 11);
        var text = new StringBuilder();
        while (text.Length < asciiBytes)
        {
            text.Append(random.Next(3) == 0 ? "the. " : "word, ");
        }

        text.Length = asciiBytes;
        string[] tail = ["日本", "\u3000", "é", "x", "\u00A0", "𝄞", "\u2028", "ab", " "];
        for (int i = 0; i < 2000; i++)
        {
            text.Append(tail[random.Next(tail.Length)]);
        }

        byte[] bytes = Encoding.UTF8.GetBytes(text.ToString());
        var expected = ReferenceWordCounter.Count(bytes, int.MaxValue, replaceInvalid: false);
        foreach (var result in new[] { WordCounter.Count(bytes.AsSpan(), int.MaxValue), WordCounter.Count(new MemoryStream(bytes), int.MaxValue, new WordCountOptions { BufferSize = 200 }) })
        {
            Assert.That(result.TopWords.Select(w => (w.Word, w.Count)), Is.EqualTo(expected.Top));
            Assert.That(result.DistinctWords, Is.EqualTo(expected.Distinct));
        }

        // An ill-formed byte after the first non-ASCII block: reported at its own offset.
        int at = bytes.Length - 100;
        while ((bytes[at] & 0xC0) == 0x80)
        {
            at++; // a character boundary
        }

        byte[] broken = [.. bytes[..at], 0xFF, .. bytes[at..]];
        var error = Assert.Throws<InvalidUtf8Exception>(() => WordCounter.Count(broken.AsSpan(), 10));
        Assert.That(error!.ByteOffset, Is.EqualTo(at));
    }

    [TestCaseSource(nameof(Seeds))]
    public void Count_RandomBytesInReplaceMode_MatchesTheUtf8Decoder(int seed)
    {
        var random = new Random(seed * 7919);
        byte[] bytes = RandomMixedBytes(random);

        AssertSame(bytes, random, replaceInvalid: true);
    }

    [TestCaseSource(nameof(Seeds))]
    public void Count_RandomBytesInStrictMode_ThrowsAtTheFirstInvalidByte(int seed)
    {
        var random = new Random(seed * 104729);
        byte[] bytes = RandomMixedBytes(random);
        int start = bytes.AsSpan().StartsWith(new byte[] { 0xEF, 0xBB, 0xBF }) ? 3 : 0;
        var status = System.Text.Unicode.Utf8.ToUtf16(bytes.AsSpan(start), new char[bytes.Length], out int bytesRead, out _, replaceInvalidSequences: false);
        int size = random.Next(WordCountOptions.MinimumBufferSize, 200);

        if (status == System.Buffers.OperationStatus.Done)
        {
            Assert.DoesNotThrow(() => WordCounter.Count(new MemoryStream(bytes), 10, new WordCountOptions { BufferSize = size }));
            Assert.DoesNotThrow(() => WordCounter.Count(bytes.AsSpan(), 10));
        }
        else
        {
            var ex = Assert.Throws<InvalidUtf8Exception>(() => WordCounter.Count(new MemoryStream(bytes), 10, new WordCountOptions { BufferSize = size }));
            Assert.That(ex!.ByteOffset, Is.EqualTo(start + bytesRead));
            ex = Assert.Throws<InvalidUtf8Exception>(() => WordCounter.Count(bytes.AsSpan(), 10));
            Assert.That(ex!.ByteOffset, Is.EqualTo(start + bytesRead));
        }
    }

    /// <summary>Valid UTF-8 made of <see cref="Fragments"/>, sometimes with a leading BOM.</summary>
    internal static byte[] RandomText(Random random, int maxFragments)
    {
        var sb = new StringBuilder();
        if (random.Next(4) == 0)
        {
            sb.Append('\uFEFF');
        }

        int length = random.Next(0, maxFragments);
        for (int i = 0; i < length; i++)
        {
            sb.Append(Fragments[random.Next(Fragments.Length)]);
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Mostly <see cref="Fragments"/>, with stray high bytes and truncated lead bytes mixed in.</summary>
    internal static byte[] RandomMixedBytes(Random random, int maxFragments = 600)
    {
        var list = new List<byte>();
        int length = random.Next(0, maxFragments);
        for (int i = 0; i < length; i++)
        {
            if (random.Next(40) == 0)
            {
                list.Add((byte)random.Next(0x80, 0x100)); // a stray high byte: often invalid
            }
            else if (random.Next(60) == 0 && i > 0)
            {
                list.Add(new byte[] { 0xE2, 0xF0, 0xF4, 0xED, 0xE0, 0xC2 }[random.Next(6)]); // a truncated lead
            }
            else
            {
                list.AddRange(Encoding.UTF8.GetBytes(Fragments[random.Next(Fragments.Length)]));
            }
        }

        return [.. list];
    }

    private static void AssertSame(byte[] bytes, Random random, bool replaceInvalid)
    {
        int topN = random.Next(1, 40);
        var expected = ReferenceWordCounter.Count(bytes, topN, replaceInvalid);
        var options = new WordCountOptions
        {
            BufferSize = random.Next(WordCountOptions.MinimumBufferSize, 300),
            InvalidUtf8Handling = replaceInvalid ? InvalidUtf8Handling.Replace : InvalidUtf8Handling.Throw,
        };

        var streamed = WordCounter.Count(new MemoryStream(bytes), topN, options);
        var inMemory = WordCounter.Count(bytes.AsSpan(), topN, options);

        foreach (var result in new[] { streamed, inMemory })
        {
            Assert.That(result.TopWords.Select(w => (w.Word, w.Count)), Is.EqualTo(expected.Top), $"buffer {options.BufferSize}");
            Assert.That(result.TotalWords, Is.EqualTo(expected.Total));
            Assert.That(result.DistinctWords, Is.EqualTo(expected.Distinct));
        }
    }
}
