using System.Globalization;
using System.Text;

namespace TopNWords.WordCount.Tests;

/// <summary>
/// The table on its own: the start size the parallel path gives it, and the merge of the threads' tables
/// (found by the entry's own 16 bytes for short words, by the whole key for longer ones).
/// </summary>
[TestFixture]
public class WordTableTests
{
    /// <summary>Words of 1 to 40 bytes (around the 8-, 16- and 32-byte steps of the table), ASCII and not, and words that differ only by trailing NUL bytes.</summary>
    private static readonly string[] Vocabulary = MakeVocabulary();

    private static string[] MakeVocabulary()
    {
        var words = new List<string>();
        for (int length = 1; length <= 40; length++)
        {
            words.Add(new string('a', length - 1) + "z");
            words.Add("k" + new string('b', length - 1));
        }

        words.AddRange(["é", "éé", "日本語", "日本語日本語日本語", "Ωmega", "a\0", "a\0\0", "z\0", "aaaaaaaaaaaaaaa\0", "aaaaaaaaaaaaaaaa\0", "\0b"]);
        return [.. words];
    }

    /// <summary>Every word in order of first occurrence with its count and first offset order, read back from the table.</summary>
    private static string Contents(WordTable table)
    {
        var sb = new StringBuilder();
        foreach (WordFrequency word in table.Top(int.MaxValue))
        {
            sb.Append(CultureInfo.InvariantCulture, $"{word.Word}:{word.Count}|");
        }

        return sb.Append(CultureInfo.InvariantCulture, $" total {table.TotalWords} distinct {table.Count}").ToString();
    }

    private static WordTable Count(ReadOnlySpan<byte> text, long offset, WordTable table)
    {
        new Utf8WordScanner(table, InvalidUtf8Handling.Throw).Scan(text, offset, isFinal: true, sourceName: null);
        return table;
    }

    /// <summary>Random words of <see cref="Vocabulary"/> and numbered words, with few counts so that there are many ties.</summary>
    private static byte[] RandomText(int seed, int words, int numbered)
    {
        var random = new Random(seed);
        var sb = new StringBuilder();
        string[] separators = [" ", "\n", "\r\n", "\t", "\u00A0", "\u3000", ", ", ". "];
        for (int i = 0; i < words; i++)
        {
            sb.Append(random.Next(3) == 0 ? Vocabulary[random.Next(Vocabulary.Length)] : string.Create(CultureInfo.InvariantCulture, $"n{random.Next(numbered)}"));
            sb.Append(separators[random.Next(separators.Length)]);
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2048)]
    [TestCase(5000)]
    [TestCase(1 << 15)]
    public void Constructor_AnyStartSize_CountsAlikeAndGrowsPastIt(int capacity)
    {
        // About 6,000 distinct words: past the smallest start sizes, so those tables grow while counting.
        byte[] text = RandomText(seed: 11, words: 40_000, numbered: 6_000);
        string expected = Contents(Count(text, 0, new WordTable()));

        Assert.That(Contents(Count(text, 0, new WordTable(capacity))), Is.EqualTo(expected));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void MergeFrom_TablesOfTwoPartsOfTheInput_MatchesCountingItWhole(int seed)
    {
        byte[] text = RandomText(seed, words: 6_000, numbered: 700);
        string expected = Contents(Count(text, 0, new WordTable()));
        var random = new Random(seed);
        for (int attempt = 0; attempt < 20; attempt++)
        {
            // Split just after a separator, as the parallel path does (ASCII ones are enough here).
            int split = random.Next(text.Length);
            while (split < text.Length && text[split - 1] is not ((byte)' ' or (byte)'\n' or (byte)'\t'))
            {
                split++;
            }

            WordTable first = Count(text.AsSpan(0, split), 0, new WordTable(ParallelWordCounter.ExpectedWords(text.Length)));
            WordTable second = Count(text.AsSpan(split), split, new WordTable(ParallelWordCounter.ExpectedWords(text.Length)));

            // Either table may be the one merged into: each word keeps the earlier first occurrence.
            bool intoFirst = attempt % 2 == 0;
            WordTable target = intoFirst ? first : second;
            target.MergeFrom(intoFirst ? second : first);

            Assert.That(Contents(target), Is.EqualTo(expected), $"split at {split}, into the {(intoFirst ? "first" : "second")} part's table");
        }
    }

    [Test]
    public void MergeFrom_WordsThatDifferOnlyByTrailingNulBytes_StayApart()
    {
        byte[] first = Encoding.UTF8.GetBytes("a a\0 aaaaaaaaaaaaaaaa ");
        byte[] second = Encoding.UTF8.GetBytes("a\0\0 a\0 a aaaaaaaaaaaaaaaa\0 ");
        WordTable table = Count(first, 0, new WordTable());
        table.MergeFrom(Count(second, first.Length, new WordTable()));

        Assert.That(
            Contents(table),
            Is.EqualTo("a:2|a\0:2|aaaaaaaaaaaaaaaa:1|a\0\0:1|aaaaaaaaaaaaaaaa\0:1| total 7 distinct 5"));
    }

    [TestCase(0L, 2048)]
    [TestCase(256L * 2048, 2048)]
    [TestCase(256L * 5000, 5000)]
    [TestCase(43_325_060L, 1 << 15)]
    [TestCase(long.MaxValue, 1 << 15)]
    public void ExpectedWords_OneWordPer256Bytes_Between2048And32768(long length, int expected)
    {
        Assert.That(ParallelWordCounter.ExpectedWords(length), Is.EqualTo(expected));
    }

    [TestCase(1)]
    [TestCase(2)]
    public void CountFile_DefaultChunksOnTwoThreads_MatchesOneThreadWithTies(int seed)
    {
        // Past the default 2 MiB threshold and over several 1 MiB chunks: the path the task runner takes,
        // with its real chunk and buffer sizes, and ties whose first occurrences are in different chunks.
        var parts = new List<byte[]>();
        int size = 0;
        for (int i = 0; size < 3 * 1024 * 1024; i++)
        {
            byte[] part = RandomText(seed * 100 + i, words: 20_000, numbered: 3_000);
            parts.Add(part);
            size += part.Length;
        }

        byte[] bytes = [0xEF, 0xBB, 0xBF, .. parts.SelectMany(p => p)];
        string path = Path.Combine(Path.GetTempPath(), $"wordtable-{Guid.NewGuid():N}.txt");
        try
        {
            File.WriteAllBytes(path, bytes);
            var expected = WordCounter.Count(new MemoryStream(bytes), int.MaxValue, new WordCountOptions { MaxDegreeOfParallelism = 1 });

            var result = WordCounter.CountFile(path, int.MaxValue, new WordCountOptions { MaxDegreeOfParallelism = 2 });

            Assert.That(result.TopWords, Is.EqualTo(expected.TopWords));
            Assert.That(result.TotalWords, Is.EqualTo(expected.TotalWords));
            Assert.That(result.DistinctWords, Is.EqualTo(expected.DistinctWords));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
