using System.Globalization;
using System.Text;

namespace TopNWords.WordCount.Tests;

[TestFixture]
public class WordCounterTests
{
    /// <summary>Buffer sizes that put token and UTF-8 sequence boundaries everywhere.</summary>
    private static readonly int[] BufferSizes = [16, 17, 18, 19, 23, 31, 64, 4096, WordCountOptions.DefaultBufferSize];

    private static string TutorialFile(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "testdata", "tutorial", name);

    private static WordCountResult CountText(string text, int topN = 100, int bufferSize = WordCountOptions.DefaultBufferSize)
        => CountBytes(Encoding.UTF8.GetBytes(text), topN, new WordCountOptions { BufferSize = bufferSize });

    private static WordCountResult CountBytes(byte[] bytes, int topN, WordCountOptions options)
    {
        using var stream = new MemoryStream(bytes);
        return WordCounter.Count(stream, topN, options);
    }

    private static string Render(WordCountResult result)
        => string.Join(", ", result.TopWords.Select(w => string.Create(CultureInfo.InvariantCulture, $"{w.Word} {w.Count}")));

    [TestCase("taskdata1.txt", "to 18, and 17, you 14")]
    [TestCase("taskdata2.txt", "Storage 11, for 8, data 7")]
    [TestCase("taskdata3.txt", "the 10, of 8, and 6")]
    public void CountFile_TutorialFiles_GiveDesignTopThree(string file, string expected)
    {
        var result = WordCounter.CountFile(TutorialFile(file), 3);

        Assert.That(Render(result), Is.EqualTo(expected));
    }

    [TestCase("taskdata1.txt")]
    [TestCase("taskdata2.txt")]
    [TestCase("taskdata3.txt")]
    public void Count_TutorialFiles_AgreeWithReferenceAtEveryBufferSize(string file)
    {
        byte[] bytes = File.ReadAllBytes(TutorialFile(file));
        var expected = ReferenceWordCounter.Count(bytes, 1000, replaceInvalid: false);

        foreach (int size in BufferSizes)
        {
            var result = CountBytes(bytes, 1000, new WordCountOptions { BufferSize = size });
            Assert.That(result.TopWords.Select(w => (w.Word, w.Count)), Is.EqualTo(expected.Top), $"buffer {size}");
            Assert.That(result.TotalWords, Is.EqualTo(expected.Total));
            Assert.That(result.DistinctWords, Is.EqualTo(expected.Distinct));
        }
    }

    [Test]
    public void Count_EachOfThe29PythonSeparators_SplitsTokens()
    {
        Assert.That(ReferenceWordCounter.PythonWhitespace, Has.Length.EqualTo(29));
        foreach (char separator in ReferenceWordCounter.PythonWhitespace)
        {
            foreach (int size in BufferSizes)
            {
                var result = CountText($"alpha{separator}beta{separator}{separator}alpha", bufferSize: size);
                Assert.That(Render(result), Is.EqualTo("alpha 2, beta 1"), $"U+{(int)separator:X4}, buffer {size}");
            }
        }
    }

    [TestCase(0x200B, Description = "zero width space")]
    [TestCase(0xFEFF, Description = "BOM / zero width no-break space, not at the start")]
    [TestCase(0x180E, Description = "Mongolian vowel separator")]
    [TestCase(0x2060, Description = "word joiner")]
    [TestCase(0x00AD, Description = "soft hyphen")]
    [TestCase(0x200C, Description = "zero width non-joiner")]
    [TestCase(0x0084, Description = "C2 84, next to NEL")]
    [TestCase(0x0086, Description = "C2 86, next to NEL")]
    [TestCase(0x00A1, Description = "C2 A1, next to NBSP")]
    [TestCase(0x1681, Description = "next to U+1680")]
    [TestCase(0x2027, Description = "next to U+2028")]
    [TestCase(0x202A, Description = "next to U+2029")]
    [TestCase(0x202E, Description = "next to U+202F")]
    [TestCase(0x205E, Description = "next to U+205F")]
    [TestCase(0x3001, Description = "ideographic comma, next to U+3000")]
    [TestCase(0x001B, Description = "ESC, next to U+001C")]
    [TestCase(0x0008, Description = "backspace, next to tab")]
    [TestCase(0x007F, Description = "DEL")]
    [TestCase(0x0000, Description = "NUL")]
    public void Count_LookAlikeThatIsNotASeparator_StaysInsideTheToken(int codePoint)
    {
        string c = char.ConvertFromUtf32(codePoint);

        var result = CountText($"alpha{c}beta alpha{c}beta");

        Assert.That(result.TopWords, Has.Count.EqualTo(1));
        Assert.That(result.TopWords[0].Word, Is.EqualTo($"alpha{c}beta"));
        Assert.That(result.TopWords[0].Count, Is.EqualTo(2));
    }

    [Test]
    public void Count_PunctuationOnlyTokens_AreNotCounted()
    {
        var result = CountText("-- ... !?! word \"\" ' ` ~ word");

        Assert.That(Render(result), Is.EqualTo("word 2"));
        Assert.That(result.TotalWords, Is.EqualTo(2));
        Assert.That(result.DistinctWords, Is.EqualTo(1));
    }

    [Test]
    public void Count_EveryAsciiPunctuationCharacter_IsStrippedFromBothEnds()
    {
        foreach (char p in ReferenceWordCounter.AsciiPunctuation)
        {
            var result = CountText($"{p}{p}word{p} word");
            Assert.That(Render(result), Is.EqualTo("word 2"), $"'{p}'");
        }
    }

    [Test]
    public void Count_InnerPunctuation_IsKept()
    {
        var result = CountText("don't high-performance (don't) \"high-performance,\" e.g. U.S.A.");

        Assert.That(Render(result), Is.EqualTo("don't 2, high-performance 2, e.g 1, U.S.A 1"));
    }

    [Test]
    public void Count_NonAsciiPunctuation_IsNotStripped()
    {
        var result = CountText("«word» word… “word”");

        Assert.That(Render(result), Is.EqualTo("«word» 1, word… 1, “word” 1"));
    }

    [Test]
    public void Count_Case_IsKept()
    {
        var result = CountText("Storage storage STORAGE Storage");

        Assert.That(Render(result), Is.EqualTo("Storage 2, storage 1, STORAGE 1"));
    }

    [Test]
    public void Count_LeadingBom_IsDropped()
    {
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. "word word"u8];

        foreach (int size in BufferSizes)
        {
            var result = CountBytes(bytes, 10, new WordCountOptions { BufferSize = size });
            Assert.That(Render(result), Is.EqualTo("word 2"));
        }
    }

    [Test]
    public void Count_BomLaterInText_IsPartOfTheWord()
    {
        var result = CountText("word \uFEFFword word\uFEFF");

        Assert.That(Render(result), Is.EqualTo("word 1, \uFEFFword 1, word\uFEFF 1"));
    }

    [Test]
    public void Count_TwoLeadingBoms_OnlyTheFirstIsDropped()
    {
        var result = CountBytes([0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF, .. "word"u8], 10, new WordCountOptions());

        Assert.That(Render(result), Is.EqualTo("\uFEFFword 1"));
    }

    [Test]
    public void Count_Ties_FollowFirstOccurrence()
    {
        var result = CountText("c b a a b c d");

        Assert.That(Render(result), Is.EqualTo("c 2, b 2, a 2, d 1"));
    }

    [Test]
    public void Count_TiesAcrossManyDistinctWords_FollowFirstOccurrenceWhenTruncated()
    {
        // 5,000 distinct words once each, then the later ones again: the top 3 of the twice-seen words
        // must be the earliest of them, whatever order the table holds them in.
        var words = Enumerable.Range(0, 5000).Select(i => string.Create(CultureInfo.InvariantCulture, $"w{i}")).ToList();
        string text = string.Join(' ', words) + " " + string.Join(' ', words.Skip(2500).Reverse());

        var result = CountText(text, topN: 3);

        Assert.That(Render(result), Is.EqualTo("w2500 2, w2501 2, w2502 2"));
        Assert.That(result.DistinctWords, Is.EqualTo(5000));
        Assert.That(result.TotalWords, Is.EqualTo(7500));
    }

    [Test]
    public void Count_CrLfAndLoneCr_SplitLikeLf()
    {
        var result = CountText("one\r\ntwo\rone\ntwo\r\n\r\none");

        Assert.That(Render(result), Is.EqualTo("one 3, two 2"));
    }

    [Test]
    public void Count_TokenLongerThanTheBuffer_IsCountedWhole()
    {
        string longWord = new string('x', 3 * 1024 * 1024) + "é" + new string('y', 1000);
        string text = $"a {longWord} b, {longWord}. a";

        var result = CountText(text, bufferSize: 64);

        Assert.That(result.TopWords.Select(w => w.Word), Is.EqualTo(new[] { "a", longWord, "b" }));
        Assert.That(result.TopWords.Select(w => w.Count), Is.EqualTo(new long[] { 2, 2, 1 }));
    }

    [Test]
    public void Count_MultiByteCharactersStraddlingEveryBufferBoundary_CountRight()
    {
        // Two-, three- and four-byte letters and separators, shifted by 0..15 bytes so that every split point occurs.
        const string Body = "é日𝄞 ü\u3000日本\u2029𝄞𝄞,\u00A0é日𝄞\u0085";
        for (int shift = 0; shift < 16; shift++)
        {
            string text = new string('a', shift) + " " + Body + Body;
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            var expected = ReferenceWordCounter.Count(bytes, 100, replaceInvalid: false);
            foreach (int size in BufferSizes)
            {
                var result = CountBytes(bytes, 100, new WordCountOptions { BufferSize = size });
                Assert.That(result.TopWords.Select(w => (w.Word, w.Count)), Is.EqualTo(expected.Top), $"shift {shift}, buffer {size}");
            }
        }
    }

    [Test]
    public void Count_TrickleStream_GivesTheSameResultAsOneRead()
    {
        byte[] bytes = File.ReadAllBytes(TutorialFile("taskdata2.txt"));
        var expected = WordCounter.Count(bytes, 50);

        using var trickle = new TrickleStream(bytes, seed: 7);
        var result = WordCounter.Count(trickle, 50, new WordCountOptions { BufferSize = 37 });

        Assert.That(result.TopWords, Is.EqualTo(expected.TopWords));
    }

    [TestCase("")]
    [TestCase(" ")]
    [TestCase(" \t\r\n\u3000\u00A0\u2028 ")]
    [TestCase("\uFEFF")]
    public void Count_EmptyOrWhitespaceOnly_GivesNoWords(string text)
    {
        var result = CountText(text);

        Assert.That(result.TopWords, Is.Empty);
        Assert.That(result.TotalWords, Is.Zero);
        Assert.That(result.DistinctWords, Is.Zero);
    }

    [Test]
    public void Count_TopNLargerThanDistinctWords_ReturnsAllWords()
    {
        var result = CountText("b a b", topN: 1000);

        Assert.That(Render(result), Is.EqualTo("b 2, a 1"));
    }

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(int.MinValue)]
    public void Count_TopNBelowOne_Throws(int topN)
    {
        using var stream = new MemoryStream("a"u8.ToArray());

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => WordCounter.Count(stream, topN));
        Assert.That(ex!.ParamName, Is.EqualTo("topN"));
    }

    [Test]
    public void BufferSize_BelowMinimum_Throws()
    {
        var options = new WordCountOptions { BufferSize = WordCountOptions.MinimumBufferSize - 1 };

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => CountBytes("a b"u8.ToArray(), 3, options));

        Assert.That(ex!.ParamName, Is.EqualTo(nameof(WordCountOptions.BufferSize)));
    }

    [TestCase(new byte[] { 0xFF }, 0)]
    [TestCase(new byte[] { 0x61, 0x80 }, 1, Description = "lone continuation byte")]
    [TestCase(new byte[] { 0x61, 0x20, 0xC0, 0xAF }, 2, Description = "overlong")]
    [TestCase(new byte[] { 0x61, 0xE2, 0x82 }, 1, Description = "truncated at end of input")]
    [TestCase(new byte[] { 0x61, 0xE2, 0x82, 0x20 }, 1, Description = "truncated before a space")]
    [TestCase(new byte[] { 0xED, 0xA0, 0x80 }, 0, Description = "surrogate")]
    [TestCase(new byte[] { 0xF4, 0x90, 0x80, 0x80 }, 0, Description = "above U+10FFFF")]
    [TestCase(new byte[] { 0xEF, 0xBB, 0xBF, 0x61, 0xF5 }, 4, Description = "offset counts the BOM")]
    public void Count_InvalidUtf8_ThrowsWithByteOffset(byte[] bytes, long offset)
    {
        var ex = Assert.Throws<InvalidUtf8Exception>(() => CountBytes(bytes, 3, new WordCountOptions()));

        Assert.That(ex!.ByteOffset, Is.EqualTo(offset));
        Assert.That(ex.Message, Does.Contain(string.Create(CultureInfo.InvariantCulture, $"byte offset {offset}")));
    }

    [Test]
    public void Count_InvalidUtf8FarIntoTheStream_ReportsTheAbsoluteOffset()
    {
        foreach (int offset in new[] { 15, 16, 17, 100_000, 1_000_003 })
        {
            byte[] bytes = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("abcdefg ", (offset / 8) + 2)));
            bytes[offset] = 0xC3; // a lead byte followed by ASCII
            foreach (int size in new[] { 16, 4096 })
            {
                var ex = Assert.Throws<InvalidUtf8Exception>(() => CountBytes(bytes, 3, new WordCountOptions { BufferSize = size }));
                Assert.That(ex!.ByteOffset, Is.EqualTo(offset), $"buffer {size}");
            }
        }
    }

    [Test]
    public void CountFile_InvalidUtf8_MessageNamesTheFileAndOffset()
    {
        string path = Path.Combine(Path.GetTempPath(), $"invalid-{Guid.NewGuid():N}.txt");
        File.WriteAllBytes(path, [0x61, 0x62, 0x20, 0x63, 0xFE, 0x64]);
        try
        {
            var ex = Assert.Throws<InvalidUtf8Exception>(() => WordCounter.CountFile(path, 3));

            Assert.That(ex!.SourceName, Is.EqualTo(path));
            Assert.That(ex.Message, Does.Contain(path).And.Contain("byte offset 4"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Count_ReplaceMode_ReplacesEachMaximalSubpartLikeTheUtf8Decoder()
    {
        byte[] bytes = [0x61, 0xE2, 0x82, 0x62, 0x20, 0x61, 0xF0, 0x80, 0x62, 0x20, 0xFF, 0xFE, 0x20, 0xE2, 0x82];
        var options = new WordCountOptions { InvalidUtf8Handling = InvalidUtf8Handling.Replace };

        var result = CountBytes(bytes, 10, options);

        // E2 82 is one maximal subpart; F0 80 is two (F0 cannot be followed by 80).
        Assert.That(Render(result), Is.EqualTo("a\uFFFDb 1, a\uFFFD\uFFFDb 1, \uFFFD\uFFFD 1, \uFFFD 1"));
    }

    [Test]
    public void Count_ReplaceModeWithPunctuationAroundInvalidBytes_StripsOnlyAscii()
    {
        var options = new WordCountOptions { InvalidUtf8Handling = InvalidUtf8Handling.Replace };

        var result = CountBytes([0x28, 0xFF, 0x29, 0x20, 0x2E, 0x2E], 10, options);

        Assert.That(Render(result), Is.EqualTo("\uFFFD 1"));
    }

    [Test]
    public void CountAsync_GivesTheSameResultAsCount()
    {
        byte[] bytes = File.ReadAllBytes(TutorialFile("taskdata1.txt"));
        using var stream = new MemoryStream(bytes);

        var result = WordCounter.CountAsync(stream, 5, new WordCountOptions { BufferSize = 29 }).GetAwaiter().GetResult();

        Assert.That(result.TopWords, Is.EqualTo(WordCounter.Count(bytes, 5).TopWords));
    }

    [Test]
    public void CountAsync_Cancelled_Throws()
    {
        using var stream = new MemoryStream("a b c"u8.ToArray());
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.ThrowsAsync<TaskCanceledException>(() => WordCounter.CountAsync(stream, 3, cancellationToken: cts.Token));
    }

    [Test]
    public void CountFile_Directory_ThrowsUnauthorizedAccessNamingIt()
    {
        string dir = TestContext.CurrentContext.TestDirectory;

        var ex = Assert.Throws<UnauthorizedAccessException>(() => WordCounter.CountFile(dir, 3));
        Assert.That(ex!.Message, Does.Contain(dir));
    }

    [Test]
    public void CountFile_Missing_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => WordCounter.CountFile(Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.txt"), 3));
    }

    [Test]
    public void Count_SmallInputWithManyDistinctWords_TableGrowsFromItsSmallestSize()
    {
        // 676 distinct two-letter words in 2 KB: a table sized for 2 KB starts with room for 256 and grows twice.
        var words = from a in Enumerable.Range('a', 26) from b in Enumerable.Range('a', 26) select $"{(char)a}{(char)b}";
        byte[] bytes = Encoding.UTF8.GetBytes(string.Join(' ', words.Concat(words.Take(100))));
        var expected = ReferenceWordCounter.Count(bytes, 1000, replaceInvalid: false);

        var fromStream = CountBytes(bytes, 1000, new WordCountOptions());
        var fromSpan = WordCounter.Count(bytes, 1000);

        Assert.That(expected.Distinct, Is.EqualTo(676));
        foreach (var result in new[] { fromStream, fromSpan })
        {
            Assert.That(result.TopWords.Select(w => (w.Word, w.Count)), Is.EqualTo(expected.Top));
            Assert.That(result.DistinctWords, Is.EqualTo(676));
            Assert.That(result.TotalWords, Is.EqualTo(expected.Total));
        }
    }

    [TestCase(0)]
    [TestCase(10)]
    [TestCase(4999)]
    public void Count_StreamLongerThanItsLengthSaid_CountsAllOfIt(int claimedLength)
    {
        // A file that grows between the length check and the reads: the buffer sized for the length it had is read on.
        byte[] bytes = Encoding.UTF8.GetBytes(string.Join(' ', Enumerable.Range(0, 1000).Select(i => $"w{i % 97}")));
        var expected = ReferenceWordCounter.Count(bytes, 1000, replaceInvalid: false);

        using var stream = new MisreportedLengthStream(bytes, claimedLength);
        var result = WordCounter.Count(stream, 1000, new WordCountOptions { MaxDegreeOfParallelism = 1 });

        Assert.That(result.TopWords.Select(w => (w.Word, w.Count)), Is.EqualTo(expected.Top));
        Assert.That(result.TotalWords, Is.EqualTo(1000));
    }

    /// <summary>A seekable stream whose <see cref="Stream.Length"/> says <c>claimedLength</c>, whatever it holds.</summary>
    private sealed class MisreportedLengthStream(byte[] data, int claimedLength) : MemoryStream(data)
    {
        public override long Length => claimedLength;
    }

    /// <summary>A stream that returns 1 to 7 bytes per read.</summary>
    private sealed class TrickleStream(byte[] data, int seed) : MemoryStream(data)
    {
        private readonly Random _random = new(seed);

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, _random.Next(1, 8)));

        public override int Read(Span<byte> buffer)
        {
            byte[] chunk = new byte[Math.Min(buffer.Length, _random.Next(1, 8))];
            int read = base.Read(chunk, 0, chunk.Length);
            chunk.AsSpan(0, read).CopyTo(buffer);
            return read;
        }
    }
}
