using System.Globalization;
using System.Text;

namespace TopNWords.WordCount.Tests;

/// <summary>The full table (<see cref="WordCounts"/>), count files, and the exactness of merging count files.</summary>
[TestFixture]
public class WordCountsTests
{
    private static List<(string Word, long Count)> Table(WordCounts counts) => counts.GetWords().Select(w => (w.Word, w.Count)).ToList();

    private static List<(string Word, long Count)> Top(WordCounts counts, int n) => counts.Top(n).Select(w => (w.Word, w.Count)).ToList();

    private static byte[] CountFile(WordCounts counts)
    {
        using var stream = new MemoryStream();
        counts.WriteTo(stream);
        return stream.ToArray();
    }

    /// <summary>Merges the count files of <paramref name="inputs"/>, in order, as the runner's --merge does.</summary>
    private static WordCounts MergeCountFiles(IEnumerable<byte[]> inputs)
    {
        var merged = new WordCounts();
        int i = 0;
        foreach (byte[] input in inputs)
        {
            merged.AddFrom(new MemoryStream(CountFile(WordCounter.CountWords(input))), $"input{i++}");
        }

        return merged;
    }

    private static WordCountOptions Parallel() => new() { MaxDegreeOfParallelism = 3, ParallelThreshold = 0, ChunkSize = 16, BufferSize = WordCountOptions.MinimumBufferSize };

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    [TestCase(5)]
    public void CountWords_RandomText_IsReferenceTableInFirstOccurrenceOrder(int seed)
    {
        var random = new Random(seed);
        byte[] text = [.. CorpusGenerator.Corpus(random, 30).SelectMany(f => f.Concat("\n"u8.ToArray()))];
        var expected = ReferenceWordCounter.CountAll(text);

        var counts = WordCounter.CountWords(text);

        Assert.That(Table(counts), Is.EqualTo(expected));
        Assert.That(counts.DistinctWords, Is.EqualTo(expected.Count));
        Assert.That(counts.TotalWords, Is.EqualTo(expected.Sum(e => e.Count)));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void CountWords_ParallelChunks_KeepFirstOccurrenceOrder(int seed)
    {
        // Tiny chunks on three threads: each thread's table holds its chunks' words together, out of input order.
        var random = new Random(seed);
        byte[] text = [.. CorpusGenerator.Corpus(random, 40).SelectMany(f => f.Concat("\n"u8.ToArray()))];
        var expected = ReferenceWordCounter.CountAll(text);

        var counts = WordCounter.CountWords(new MemoryStream(text), Parallel());

        Assert.That(Table(counts), Is.EqualTo(expected));
        counts.Add("zzz-new", 1);
        Assert.That(Table(counts)[^1], Is.EqualTo(("zzz-new", 1L)), "a word added later comes after every counted word");
    }

    [Test]
    public void CountFileWords_File_MatchesCountFileTopN()
    {
        string path = Path.Combine(Path.GetTempPath(), $"topnwords-counts-{Guid.NewGuid():N}.txt");
        try
        {
            File.WriteAllBytes(path, CorpusGenerator.Corpus(new Random(7), 50).SelectMany(f => f.Concat("\n"u8.ToArray())).ToArray());

            var counts = WordCounter.CountFileWords(path);
            var result = WordCounter.CountFile(path, 5);

            Assert.That(counts.ToResult(5).TopWords, Is.EqualTo(result.TopWords));
            Assert.That(counts.TotalWords, Is.EqualTo(result.TotalWords));
            Assert.That(counts.DistinctWords, Is.EqualTo(result.DistinctWords));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    [TestCase(5)]
    [TestCase(6)]
    [TestCase(7)]
    [TestCase(8)]
    public void Merge_RandomCorpus_EqualsCountingTheConcatenation(int seed)
    {
        var random = new Random(seed);
        var corpus = CorpusGenerator.Corpus(random, random.Next(1, 25));
        var expected = ReferenceWordCounter.CountConcatenation(corpus);

        var merged = MergeCountFiles(corpus);

        Assert.That(Table(merged), Is.EqualTo(expected), "the merged table is the concatenation's, in first-occurrence order");
        Assert.That(merged.TotalWords, Is.EqualTo(expected.Sum(e => e.Count)));
        for (int n = 1; n <= expected.Count + 2; n++)
        {
            Assert.That(Top(merged, n), Is.EqualTo(ReferenceWordCounter.Top(expected, n)), $"top {n}");
        }
    }

    [TestCase(11)]
    [TestCase(12)]
    [TestCase(13)]
    [TestCase(14)]
    public void Merge_PermutedInputs_ChangesOnlyTieOrderAsTheReferenceDoes(int seed)
    {
        var random = new Random(seed);
        var corpus = CorpusGenerator.Corpus(random, 12);
        var permuted = corpus.OrderBy(_ => random.Next()).ToList();

        var merged = MergeCountFiles(corpus);
        var mergedPermuted = MergeCountFiles(permuted);

        Assert.That(Table(mergedPermuted), Is.EqualTo(ReferenceWordCounter.CountConcatenation(permuted)));
        Assert.That(Table(mergedPermuted).OrderBy(e => e.Word, StringComparer.Ordinal), Is.EqualTo(Table(merged).OrderBy(e => e.Word, StringComparer.Ordinal)), "the same counts");
        int all = merged.DistinctWords;
        Assert.That(Top(mergedPermuted, all).Select(e => e.Count), Is.EqualTo(Top(merged, all).Select(e => e.Count)), "only words of equal count change places");
    }

    [Test]
    public void Merge_OneInput_EqualsItsOwnTopN()
    {
        byte[] input = CorpusGenerator.Corpus(new Random(3), 20).SelectMany(f => f.Concat(" "u8.ToArray())).ToArray();

        var merged = MergeCountFiles([input]);

        for (int n = 1; n < 30; n++)
        {
            Assert.That(merged.ToResult(n).TopWords, Is.EqualTo(WordCounter.Count(input, n).TopWords), $"top {n}");
        }
    }

    [Test]
    public void Merge_EarlierInputWinsTies_ThenEarlierPosition()
    {
        var merged = MergeCountFiles(["b a"u8.ToArray(), "c a b c"u8.ToArray()]);

        Assert.That(Top(merged, 3), Is.EqualTo(new[] { ("b", 2L), ("a", 2L), ("c", 2L) }));
    }

    [Test]
    public void WriteTo_ThenReadFrom_RoundTrips()
    {
        var counts = WordCounter.CountWords(CorpusGenerator.Corpus(new Random(5), 30).SelectMany(f => f.Concat("\n"u8.ToArray())).ToArray());
        byte[] file = CountFile(counts);

        var read = WordCounts.ReadFrom(new MemoryStream(file), "f");

        Assert.That(Table(read), Is.EqualTo(Table(counts)));
        Assert.That(read.TotalWords, Is.EqualTo(counts.TotalWords));
        Assert.That(CountFile(read), Is.EqualTo(file));
    }

    [Test]
    public void WriteTo_Format_IsHeaderLinesAndTrailerWithZlibCrc32()
    {
        var counts = WordCounter.CountWords("to be or not to be, é"u8);

        string text = Encoding.UTF8.GetString(CountFile(counts));

        const string Body = "topnwords-counts\t1\n2\tto\n2\tbe\n1\tor\n1\tnot\n1\té\n";
        uint crc = Crc32.Append(0, Encoding.UTF8.GetBytes(Body));
        Assert.That(text, Is.EqualTo(Body + string.Create(CultureInfo.InvariantCulture, $"end\t5\t7\t{crc:x8}\n")));
    }

    [Test]
    public void WriteTo_Empty_IsHeaderAndTrailer()
    {
        // f0ec7211 = zlib.crc32(b"topnwords-counts\t1\n") in Python.
        Assert.That(Encoding.UTF8.GetString(CountFile(WordCounter.CountWords(""u8))), Is.EqualTo("topnwords-counts\t1\nend\t0\t0\tf0ec7211\n"));
    }

    [Test]
    public void Crc32_KnownVectors_MatchZlib()
    {
        Assert.That(Crc32.Append(0, "123456789"u8), Is.EqualTo(0xCBF43926u));
        Assert.That(Crc32.Append(0, "The quick brown fox jumps over the lazy dog"u8), Is.EqualTo(0x414FA339u));
        Assert.That(Crc32.Append(Crc32.Append(0, "The quick brown "u8), "fox jumps over the lazy dog"u8), Is.EqualTo(0x414FA339u));
    }

    [Test]
    public void WriteTo_LongWord_RoundTrips()
    {
        string word = new('w', 200_000);
        var counts = new WordCounts();
        counts.Add("a", 3);
        counts.Add(word, 2);

        var read = WordCounts.ReadFrom(new MemoryStream(CountFile(counts)));

        Assert.That(Table(read), Is.EqualTo(new[] { ("a", 3L), (word, 2L) }));
    }

    private static byte[] SampleFile() => CountFile(WordCounter.CountWords("to be or not to be"u8));

    private static string ReadError(byte[] file) =>
        Assert.Throws<InvalidDataException>(() => WordCounts.ReadFrom(new MemoryStream(file), "part7_COUNTS.txt"))!.Message;

    [Test]
    public void ReadFrom_EveryTruncation_IsDetected()
    {
        byte[] file = SampleFile();
        for (int length = 0; length < file.Length; length++)
        {
            string message = ReadError(file[..length]);
            Assert.That(message, Does.Contain("part7_COUNTS.txt").And.Match("truncated|empty|corrupt"), $"length {length}: {message}");
        }
    }

    [Test]
    public void ReadFrom_AnyChangedByte_IsDetected()
    {
        byte[] file = SampleFile();
        for (int i = 0; i < file.Length; i++)
        {
            byte[] changed = (byte[])file.Clone();
            changed[i] ^= 0x01;
            Assert.That(() => WordCounts.ReadFrom(new MemoryStream(changed), "f"), Throws.TypeOf<InvalidDataException>(), $"byte {i}");
        }
    }

    [Test]
    public void ReadFrom_WrongVersion_SaysWhichVersion()
    {
        byte[] file = Encoding.UTF8.GetBytes("topnwords-counts\t2\nend\t0\t0\t00000000\n");

        Assert.That(ReadError(file), Does.Contain("part7_COUNTS.txt").And.Contain("version '2'").And.Contain("reads version 1"));
    }

    [Test]
    public void ReadFrom_NotACountFile_SaysSo()
    {
        Assert.That(ReadError("Word\tCount\n"u8.ToArray()), Does.Contain("is not a count file"));
    }

    [Test]
    public void ReadFrom_TextAfterTrailer_IsCorrupt()
    {
        Assert.That(ReadError([.. SampleFile(), .. "x"u8]), Does.Contain("after the trailer"));
    }

    [TestCase("0\tword")]
    [TestCase("01\tword")]
    [TestCase("-1\tword")]
    [TestCase("1\t")]
    [TestCase("1\tword word")]
    [TestCase("1\t(word)")]
    [TestCase("1 word")]
    [TestCase("99999999999999999999\tword")]
    public void ReadFrom_BadLine_IsCorruptWithLineNumber(string line)
    {
        string body = $"topnwords-counts\t1\n{line}\n";
        uint crc = Crc32.Append(0, Encoding.UTF8.GetBytes(body));
        byte[] file = Encoding.UTF8.GetBytes(body + string.Create(CultureInfo.InvariantCulture, $"end\t1\t1\t{crc:x8}\n"));

        Assert.That(ReadError(file), Does.Contain("line 2"));
    }

    [Test]
    public void ReadFrom_TrailerTotalsDisagree_IsCorrupt()
    {
        string body = "topnwords-counts\t1\n2\tword\n";
        uint crc = Crc32.Append(0, Encoding.UTF8.GetBytes(body));
        byte[] file = Encoding.UTF8.GetBytes(body + string.Create(CultureInfo.InvariantCulture, $"end\t1\t3\t{crc:x8}\n"));

        Assert.That(ReadError(file), Does.Contain("the trailer says 1 words with a total count of 3"));
    }

    [TestCase("")]
    [TestCase("a b")]
    [TestCase("(a")]
    [TestCase("a\u00A0b")]
    public void Add_NotAWord_Throws(string word)
    {
        Assert.That(() => new WordCounts().Add(word, 1), Throws.ArgumentException);
    }

    [Test]
    public void Add_OtherTable_AppendsInItsOrder()
    {
        var first = WordCounter.CountWords("x y"u8);
        first.Add(WordCounter.CountWords("z y w"u8));

        Assert.That(Table(first), Is.EqualTo(new[] { ("x", 1L), ("y", 2L), ("z", 1L), ("w", 1L) }));
        Assert.That(first.TotalWords, Is.EqualTo(5));
    }
}
