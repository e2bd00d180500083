namespace TopNWords.WordCount.Tests;

[TestFixture]
public class WordCountOptionsTests
{
    private static readonly byte[] Text = "the quick brown fox"u8.ToArray();

    [Test]
    public void Validate_Defaults_DoesNotThrow()
    {
        Assert.DoesNotThrow(new WordCountOptions().Validate);
    }

    [TestCase(WordCountOptions.MinimumBufferSize, 1)]
    [TestCase(WordCountOptions.DefaultBufferSize, -1)]
    [TestCase(int.MaxValue, int.MaxValue)]
    public void Validate_BoundaryValues_DoesNotThrow(int bufferSize, int maxDegreeOfParallelism)
    {
        var options = new WordCountOptions { BufferSize = bufferSize, MaxDegreeOfParallelism = maxDegreeOfParallelism, InvalidUtf8Handling = InvalidUtf8Handling.Replace };

        Assert.DoesNotThrow(options.Validate);
    }

    [TestCaseSource(nameof(InvalidOptions))]
    public void Validate_InvalidOption_ThrowsNamingItAndSayingWhatToUse(Action<WordCountOptions> configure, string option, string advice)
    {
        var options = new WordCountOptions();
        configure(options);

        var ex = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);

        Assert.Multiple(() =>
        {
            Assert.That(ex!.ParamName, Is.EqualTo(option));
            Assert.That(ex.Message, Does.Contain("WordCountOptions." + option).And.Contain(advice));
        });
    }

    [TestCaseSource(nameof(InvalidOptions))]
    public void WordCounter_InvalidOption_EveryEntryPointRefusesIt(Action<WordCountOptions> configure, string option, string advice)
    {
        var options = new WordCountOptions();
        configure(options);
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(file, Text);
            Assert.Multiple(() =>
            {
                Assert.That(() => WordCounter.Count(Text.AsSpan(), 3, options), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo(option), "span");
                Assert.That(() => WordCounter.Count(new MemoryStream(Text), 3, options), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo(option), "stream");
                Assert.That(async () => await WordCounter.CountAsync(new MemoryStream(Text), 3, options), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo(option), "async stream");
                Assert.That(() => WordCounter.CountFile(file, 3, options), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo(option), "file");
            });
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static IEnumerable<TestCaseData> InvalidOptions()
    {
        yield return new TestCaseData((Action<WordCountOptions>)(o => o.BufferSize = WordCountOptions.MinimumBufferSize - 1), nameof(WordCountOptions.BufferSize), "use at least 16")
            .SetArgDisplayNames("BufferSize_BelowMinimum");
        yield return new TestCaseData((Action<WordCountOptions>)(o => o.MaxDegreeOfParallelism = 0), nameof(WordCountOptions.MaxDegreeOfParallelism), "use -1")
            .SetArgDisplayNames("MaxDegreeOfParallelism_Zero");
        yield return new TestCaseData((Action<WordCountOptions>)(o => o.MaxDegreeOfParallelism = -2), nameof(WordCountOptions.MaxDegreeOfParallelism), "or at least 1")
            .SetArgDisplayNames("MaxDegreeOfParallelism_BelowMinusOne");
        yield return new TestCaseData((Action<WordCountOptions>)(o => o.InvalidUtf8Handling = (InvalidUtf8Handling)7), nameof(WordCountOptions.InvalidUtf8Handling), "InvalidUtf8Handling.Replace")
            .SetArgDisplayNames("InvalidUtf8Handling_Undefined");
    }
}
