using System.Globalization;
using System.Text;

namespace TopNWords.WordCount.Tests;

/// <summary>
/// The parallel path against the single-threaded one. Tiny chunks and a zero threshold put chunk
/// boundaries inside tokens, inside multi-byte separators and next to the BOM, on inputs of a few bytes.
/// </summary>
[TestFixture]
public class ParallelCountingTests
{
    private static readonly string[] MultiByteSeparators = ["\u0085", "\u00A0", "\u1680", "\u2000", "\u200A", "\u2028", "\u2029", "\u202F", "\u205F", "\u3000"];

    private static WordCountOptions Parallel(int chunkSize, int workers = 3, int bufferSize = WordCountOptions.MinimumBufferSize, bool replace = false) => new()
    {
        MaxDegreeOfParallelism = workers,
        ParallelThreshold = 0,
        ChunkSize = chunkSize,
        BufferSize = bufferSize,
        InvalidUtf8Handling = replace ? InvalidUtf8Handling.Replace : InvalidUtf8Handling.Throw,
    };

    private static WordCountOptions OneThread(bool replace = false) => new()
    {
        MaxDegreeOfParallelism = 1,
        InvalidUtf8Handling = replace ? InvalidUtf8Handling.Replace : InvalidUtf8Handling.Throw,
    };

    /// <summary>Every word with its count in order, and the totals; or where the input was found invalid.</summary>
    private static string Outcome(byte[] bytes, WordCountOptions options)
    {
        try
        {
            var result = WordCounter.Count(new MemoryStream(bytes), int.MaxValue, options);
            return string.Join("|", result.TopWords.Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.Word}:{w.Count}")))
                + string.Create(CultureInfo.InvariantCulture, $" total {result.TotalWords} distinct {result.DistinctWords}");
        }
        catch (InvalidUtf8Exception ex)
        {
            return string.Create(CultureInfo.InvariantCulture, $"invalid at {ex.ByteOffset}");
        }
    }

    private static void AssertSameAsOneThread(byte[] bytes, WordCountOptions parallel, string because)
    {
        string expected = Outcome(bytes, OneThread(parallel.InvalidUtf8Handling == InvalidUtf8Handling.Replace));
        Assert.That(Outcome(bytes, parallel), Is.EqualTo(expected), because);
    }

    [Test]
    public void Count_MultiByteSeparatorsAtEveryChunkBoundary_MatchesOneThread()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < 60; i++)
        {
            sb.Append(i % 7 == 0 ? "é" : "w").Append(i % 5).Append(MultiByteSeparators[i % MultiByteSeparators.Length]);
        }

        byte[] bytes = Encoding.UTF8.GetBytes(sb.ToString());
        for (int chunk = 1; chunk <= 24; chunk++)
        {
            AssertSameAsOneThread(bytes, Parallel(chunk, workers: 2 + (chunk % 3)), $"chunk {chunk}");
        }
    }

    [Test]
    public void Count_TokensLongerThanChunksAndProbes_MatchesOneThread()
    {
        // Tokens of 1..400 bytes (past the 256-byte boundary probe), some with a multi-byte letter at
        // the end, each followed by a separator, so that a multi-byte separator straddles every probe end.
        var random = new Random(5);
        var sb = new StringBuilder();
        for (int i = 0; i < 80; i++)
        {
            int length = random.Next(1, 400);
            sb.Append((char)('a' + (i % 4)), length);
            if (i % 3 == 0)
            {
                sb.Append('日');
            }

            sb.Append(i % 2 == 0 ? MultiByteSeparators[random.Next(MultiByteSeparators.Length)] : " ");
        }

        byte[] bytes = Encoding.UTF8.GetBytes(sb.ToString());
        foreach (int chunk in new[] { 1, 3, 7, 64, 255, 256, 257, 1000 })
        {
            AssertSameAsOneThread(bytes, Parallel(chunk), $"chunk {chunk}");
            AssertSameAsOneThread(bytes, Parallel(chunk, bufferSize: 4096), $"chunk {chunk}, large buffer");
        }
    }

    [Test]
    public void Count_TiesFirstSeenInDifferentChunks_FollowFirstOccurrenceInTheWholeInput()
    {
        // 300 words, each twice: first in order, then in reverse. Every count ties, so the order is
        // the order of first occurrence, whichever thread counted which chunk.
        var words = Enumerable.Range(0, 300).Select(i => string.Create(CultureInfo.InvariantCulture, $"w{i}")).ToList();
        byte[] bytes = Encoding.UTF8.GetBytes(string.Join(' ', words) + "\n" + string.Join('\u3000', Enumerable.Reverse(words)));

        foreach (int chunk in new[] { 1, 5, 16, 100 })
        {
            var result = WordCounter.Count(new MemoryStream(bytes), 300, Parallel(chunk, workers: 4));

            Assert.That(result.TopWords.Select(w => w.Word), Is.EqualTo(words), $"chunk {chunk}");
            Assert.That(result.TopWords.Select(w => w.Count), Is.All.EqualTo(2));
        }
    }

    [Test]
    public void Count_InvalidUtf8InALaterChunkAndAnEarlierOne_ReportsTheEarlierOffset()
    {
        // The earlier bad byte is at the end of a 1 MiB chunk, the later one at the start of the next
        // chunk: the second thread usually finds the later one first, and the first must still win.
        const int Chunk = 1 << 20;
        byte[] bytes = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("abcdefg ", (2 * Chunk / 8) + 100)));
        bytes[Chunk - 10] = 0xFF;
        bytes[Chunk + 3] = 0xC3;
        bytes[(2 * Chunk) + 5] = 0x80;

        for (int run = 0; run < 5; run++)
        {
            var ex = Assert.Throws<InvalidUtf8Exception>(() => WordCounter.Count(new MemoryStream(bytes), 3, Parallel(Chunk, workers: 2, bufferSize: WordCountOptions.DefaultBufferSize)));
            Assert.That(ex!.ByteOffset, Is.EqualTo(Chunk - 10), $"run {run}");
        }
    }

    [Test]
    public void Count_InvalidUtf8OnlyInALaterChunk_ReportsItsAbsoluteOffset()
    {
        byte[] bytes = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("abcdefg ", 1000)));
        bytes[5003] = 0xED; // a surrogate lead
        bytes[5004] = 0xA0;

        var ex = Assert.Throws<InvalidUtf8Exception>(() => WordCounter.Count(new MemoryStream(bytes), 3, Parallel(chunkSize: 700)));

        Assert.That(ex!.ByteOffset, Is.EqualTo(5003));
    }

    [Test]
    public void Count_LeadingBom_IsDroppedByTheFirstChunkOnly()
    {
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. "word word \uFEFFword word\uFEFF word"u8];

        for (int chunk = 1; chunk <= 12; chunk++)
        {
            var result = WordCounter.Count(new MemoryStream(bytes), 10, Parallel(chunk));

            Assert.That(result.TopWords.Select(w => (w.Word, w.Count)), Is.EqualTo(new[] { ("word", 3L), ("\uFEFFword", 1L), ("word\uFEFF", 1L) }), $"chunk {chunk}");
        }
    }

    [TestCaseSource(nameof(Seeds))]
    public void Count_RandomTextInParallel_MatchesOneThreadAndReference(int seed)
    {
        var random = new Random(seed * 31);
        byte[] bytes = DifferentialTests.RandomText(random, maxFragments: 2000);
        var options = Parallel(random.Next(1, 200), workers: random.Next(2, 5), bufferSize: random.Next(16, 300));

        AssertSameAsOneThread(bytes, options, $"chunk {options.ChunkSize}, buffer {options.BufferSize}");
        var expected = ReferenceWordCounter.Count(bytes, int.MaxValue, replaceInvalid: false);
        var result = WordCounter.Count(new MemoryStream(bytes), int.MaxValue, options);
        Assert.That(result.TopWords.Select(w => (w.Word, w.Count)), Is.EqualTo(expected.Top));
    }

    [TestCaseSource(nameof(Seeds))]
    public void Count_RandomBytesInParallel_MatchOneThreadInBothModes(int seed)
    {
        var random = new Random(seed * 37);
        byte[] bytes = DifferentialTests.RandomMixedBytes(random, maxFragments: 1500);
        int chunk = random.Next(1, 150);
        int workers = random.Next(2, 5);

        AssertSameAsOneThread(bytes, Parallel(chunk, workers, replace: true), $"replace, chunk {chunk}");
        AssertSameAsOneThread(bytes, Parallel(chunk, workers), $"throw, chunk {chunk}");
    }

    [Test]
    public void CountFile_LargeFileInParallel_MatchesOneThreadAndNamesTheFileOnError()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 5000).Select(i => string.Create(CultureInfo.InvariantCulture, $"w{i % 97}, é{i % 13}\u2029"))));
        string path = Path.Combine(Path.GetTempPath(), $"parallel-{Guid.NewGuid():N}.txt");
        try
        {
            File.WriteAllBytes(path, bytes);
            var expected = WordCounter.CountFile(path, 50, OneThread());

            var result = WordCounter.CountFile(path, 50, Parallel(chunkSize: 4096, bufferSize: 1024));

            Assert.That(result.TopWords, Is.EqualTo(expected.TopWords));
            Assert.That(result.TotalWords, Is.EqualTo(expected.TotalWords));
            Assert.That(result.DistinctWords, Is.EqualTo(expected.DistinctWords));

            bytes[30_001] = 0xC0;
            File.WriteAllBytes(path, bytes);
            var ex = Assert.Throws<InvalidUtf8Exception>(() => WordCounter.CountFile(path, 50, Parallel(chunkSize: 4096)));
            Assert.That(ex!.ByteOffset, Is.EqualTo(30_001));
            Assert.That(ex.SourceName, Is.EqualTo(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public async Task CountAsync_FileStreamInParallel_MatchesOneThreadAndEndsAtTheEnd()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 4000).Select(i => string.Create(CultureInfo.InvariantCulture, $"w{i % 50} "))));
        string path = Path.Combine(Path.GetTempPath(), $"parallel-{Guid.NewGuid():N}.txt");
        try
        {
            File.WriteAllBytes(path, bytes);
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096, useAsync: true);
            stream.Position = 3; // "w0 " is skipped

            var result = await WordCounter.CountAsync(stream, 3, Parallel(chunkSize: 500));

            Assert.That(result.TopWords.Select(w => (w.Word, w.Count)), Is.EqualTo(new[] { ("w1", 80L), ("w2", 80L), ("w3", 80L) }));
            Assert.That(result.TotalWords, Is.EqualTo(3999));
            Assert.That(stream.Position, Is.EqualTo(bytes.Length));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Count_SeekableStreamNotAtItsStart_CountsFromThePositionWithRelativeOffsets()
    {
        byte[] bytes = [.. "skipped "u8, 0xFF, .. Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("abc ", 100)))];
        bytes[300] = 0xFE;
        using var stream = new MemoryStream(bytes);
        stream.Position = 9; // after the first invalid byte

        var ex = Assert.Throws<InvalidUtf8Exception>(() => WordCounter.Count(stream, 3, Parallel(chunkSize: 50)));

        Assert.That(ex!.ByteOffset, Is.EqualTo(300 - 9));
    }

    [Test]
    public void Count_SeekableStreamInParallel_IsLeftAtItsEnd()
    {
        byte[] bytes = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("abc def ", 100)));
        using var stream = new MemoryStream(bytes);

        var result = WordCounter.Count(stream, 3, Parallel(chunkSize: 50));

        Assert.That(result.TotalWords, Is.EqualTo(200));
        Assert.That(stream.Position, Is.EqualTo(bytes.Length));
    }

    [TestCase(0)]
    [TestCase(-2)]
    [TestCase(int.MinValue)]
    public void MaxDegreeOfParallelism_ZeroOrBelowMinusOne_Throws(int value)
    {
        var options = new WordCountOptions { MaxDegreeOfParallelism = value };
        using var stream = new MemoryStream("a b"u8.ToArray());

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => WordCounter.Count(stream, 3, options));

        Assert.That(ex!.ParamName, Is.EqualTo(nameof(WordCountOptions.MaxDegreeOfParallelism)));
    }

    [Test]
    public void MaxDegreeOfParallelism_Default_IsMinusOne()
    {
        Assert.That(new WordCountOptions().MaxDegreeOfParallelism, Is.EqualTo(-1));
    }

    private static IEnumerable<int> Seeds() => Enumerable.Range(1, 25);
}
