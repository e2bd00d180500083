using System.Globalization;
using System.Text;
using TopNWords.WordCount;

namespace TopNWords.TaskRunner.Tests;

/// <summary>--counts / --counts-output (the full counts beside the top N) and --merge (count files into one top N).</summary>
[TestFixture]
public class CountsAndMergeTests
{
    private static readonly string[] Vocabulary = ["a", "b", "the", "The", "don't", "é", "日本", "Привет", "😀", "c", "(a)", "b.", "--", "..."];
    private static readonly string[] Separators = [" ", "\n", "\t", "\u00A0", "\u3000", "\r\n"];

    private string _workDir = null!;

    [SetUp]
    public void SetUp()
    {
        _workDir = Path.Combine(Path.GetTempPath(), "topnwords-runner-merge-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_workDir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_workDir, recursive: true);

    private string InWork(string name) => Path.Combine(_workDir, name);

    private (int ExitCode, string Stdout, string Stderr) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = TaskRunnerCommand.Run(args, stdout, stderr, name => name == "AZ_BATCH_TASK_ID" ? "merge" : null, _workDir);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Random small input files in the working directory: many ties, non-ASCII, Unicode whitespace, BOMs, empty files.</summary>
    private List<string> MakeInputs(int count, int seed)
    {
        var random = new Random(seed);
        var names = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            var sb = new StringBuilder();
            int tokens = random.Next(10) == 0 ? 0 : random.Next(1, 12);
            for (int t = 0; t < tokens; t++)
            {
                sb.Append(Vocabulary[random.Next(Vocabulary.Length)]).Append(Separators[random.Next(Separators.Length)]);
            }

            byte[] text = Encoding.UTF8.GetBytes(sb.ToString());
            string name = string.Create(CultureInfo.InvariantCulture, $"part{i:D5}.txt");
            File.WriteAllBytes(InWork(name), random.Next(5) == 0 ? [0xEF, 0xBB, 0xBF, .. text] : text);
            names.Add(name);
        }

        return names;
    }

    /// <summary>The concatenation the merge must equal: each input's leading BOM dropped, a line break after each.</summary>
    private string Concatenate(IEnumerable<string> names, string into)
    {
        using var output = File.Create(InWork(into));
        foreach (string name in names)
        {
            byte[] bytes = File.ReadAllBytes(InWork(name));
            output.Write(bytes.AsSpan().StartsWith("\uFEFF"u8) ? bytes.AsSpan(3) : bytes);
            output.WriteByte((byte)'\n');
        }

        return into;
    }

    private static string WordLines(string outputText) => outputText.Split(TaskRunnerCommand.Dashes)[1];

    [Test]
    public void Count_WithCounts_WritesCountsFileAndUnchangedOutput()
    {
        string input = TaskRunnerCommandTests.TutorialFile("taskdata1.txt");
        Assert.That(Run("--filepath", input, "--numwords", "3").ExitCode, Is.EqualTo(0));
        string plainOutput = File.ReadAllText(InWork("taskdata1_OUTPUT.txt"));

        var (code, stdout, stderr) = Run("--filepath", input, "--numwords", "3", "--counts");

        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stdout, Does.Contain("counts to taskdata1_COUNTS.txt"));
        Assert.That(File.ReadAllText(InWork("taskdata1_OUTPUT.txt")), Is.EqualTo(plainOutput));
        using var countsFile = File.OpenRead(InWork("taskdata1_COUNTS.txt"));
        var counts = WordCounts.ReadFrom(countsFile);
        Assert.That(counts.GetWords(), Is.EqualTo(WordCounter.CountFileWords(input).GetWords()));
        Assert.That(counts.Top(3), Is.EqualTo(new[] { new WordFrequency("to", 18), new WordFrequency("and", 17), new WordFrequency("you", 14) }));
        Assert.That(Directory.GetFiles(_workDir, "*.tmp"), Is.Empty);
    }

    [Test]
    public void Count_CountsOutput_WritesThatFile()
    {
        Directory.CreateDirectory(InWork("counts"));

        var (code, _, stderr) = Run("--filepath", TaskRunnerCommandTests.TutorialFile("taskdata2.txt"), "--numwords", "3", "--counts-output", "counts/two.tsv");

        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(File.ReadAllText(InWork("counts/two.tsv")), Does.StartWith("topnwords-counts\t1\n"));
        Assert.That(File.Exists(InWork("taskdata2_COUNTS.txt")), Is.False);
    }

    [Test]
    public void Count_InvalidUtf8WithCounts_WritesNeitherFileAndMergeNamesTheMissingCountFile()
    {
        File.WriteAllBytes(InWork("good.txt"), "a b a"u8.ToArray());
        File.WriteAllBytes(InWork("bad.txt"), [(byte)'a', 0xFF, (byte)'b']);
        Assert.That(Run("--filepath", InWork("good.txt"), "--numwords", "2", "--counts").ExitCode, Is.EqualTo(0));

        var (code, _, stderr) = Run("--filepath", InWork("bad.txt"), "--numwords", "2", "--counts");

        Assert.That(code, Is.EqualTo(3));
        Assert.That(stderr, Does.Contain("bad.txt"));
        Assert.That(Directory.GetFiles(_workDir).Select(Path.GetFileName), Is.EquivalentTo(new[] { "good.txt", "bad.txt", "good_OUTPUT.txt", "good_COUNTS.txt" }));

        var merge = Run("--merge", "--numwords", "2", "good_COUNTS.txt", "bad_COUNTS.txt");

        Assert.That(merge.ExitCode, Is.EqualTo(3));
        Assert.That(merge.Stderr, Does.Contain("1 of 2 count files is missing: 'bad_COUNTS.txt'").And.Contain("not valid UTF-8"));
        Assert.That(File.Exists(InWork(MergeCommand.DefaultOutputName)), Is.False);
    }

    [Test]
    public void Merge_TutorialFiles_EqualsCountingTheirConcatenation()
    {
        var names = new List<string>();
        foreach (string file in new[] { "taskdata1.txt", "taskdata2.txt", "taskdata3.txt" })
        {
            File.Copy(TaskRunnerCommandTests.TutorialFile(file), InWork(file));
            Assert.That(Run("--filepath", InWork(file), "--numwords", "1", "--counts").ExitCode, Is.EqualTo(0));
            names.Add(file);
        }

        Assert.That(Run("--filepath", InWork(Concatenate(names, "all.txt")), "--numwords", "10", "--counts").ExitCode, Is.EqualTo(0));

        var (code, stdout, stderr) = Run("--merge", "--numwords", "10", "taskdata1_COUNTS.txt", "taskdata2_COUNTS.txt", "taskdata3_COUNTS.txt", "--counts-output", "merged_COUNTS.txt");

        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stdout, Does.Contain("merged 3 count files: 710 words"));
        string merged = File.ReadAllText(InWork(MergeCommand.DefaultOutputName));
        Assert.That(WordLines(merged), Is.EqualTo(WordLines(File.ReadAllText(InWork("all_OUTPUT.txt")))));
        Assert.That(merged, Does.StartWith("Word\tCount\n" + TaskRunnerCommand.Dashes + "\nand:\t27\nthe:\t25\nto:\t24\n").And.EndWith("Task: merge\nJob:  \nPool: \nInputs: 3\n"));
        Assert.That(File.ReadAllBytes(InWork("merged_COUNTS.txt")), Is.EqualTo(File.ReadAllBytes(InWork("all_COUNTS.txt"))), "the merged counts are the concatenation's, byte for byte");
    }

    [Test]
    public void Merge_OneCountFile_EqualsItsOwnTopN()
    {
        File.Copy(TaskRunnerCommandTests.TutorialFile("taskdata3.txt"), InWork("t3.txt"));
        Assert.That(Run("--filepath", InWork("t3.txt"), "--numwords", "7", "--counts").ExitCode, Is.EqualTo(0));

        var (code, _, stderr) = Run("--merge", "--numwords", "7", "t3_COUNTS.txt", "--output", "one.txt");

        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(File.ReadAllText(InWork("one.txt")), Is.EqualTo(File.ReadAllText(InWork("t3_OUTPUT.txt")) + "Inputs: 1\n"));
    }

    [Test]
    public void Merge_ThousandCountFilesFromListFile_EqualsCountingTheConcatenation()
    {
        var names = MakeInputs(1000, seed: 42);
        foreach (string name in names)
        {
            Assert.That(Run("--filepath", InWork(name), "--numwords", "1", "--counts").ExitCode, Is.EqualTo(0), name);
        }

        File.WriteAllLines(InWork("inputs.lst"), names.Select(TaskRunnerCommand.CountsFileName));
        Assert.That(Run("--filepath", InWork(Concatenate(names, "all.txt")), "--numwords", "50", "--counts").ExitCode, Is.EqualTo(0));

        var (code, stdout, stderr) = Run("--merge", "--numwords", "50", "--inputs-from", "inputs.lst", "--counts-output", "merged_COUNTS.txt");

        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(stdout, Does.StartWith("merged 1000 count files"));
        string merged = File.ReadAllText(InWork(MergeCommand.DefaultOutputName));
        Assert.That(WordLines(merged), Is.EqualTo(WordLines(File.ReadAllText(InWork("all_OUTPUT.txt")))));
        Assert.That(merged, Does.EndWith("\nInputs: 1000\n"));
        Assert.That(File.ReadAllBytes(InWork("merged_COUNTS.txt")), Is.EqualTo(File.ReadAllBytes(InWork("all_COUNTS.txt"))));
    }

    [Test]
    public void Merge_Hierarchical_EqualsOneMerge()
    {
        var names = MakeInputs(40, seed: 9);
        foreach (string name in names)
        {
            Assert.That(Run("--filepath", InWork(name), "--numwords", "1", "--counts").ExitCode, Is.EqualTo(0));
        }

        string[] countFiles = [.. names.Select(TaskRunnerCommand.CountsFileName)];
        Assert.That(Run(["--merge", "--numwords", "5", "--counts-output", "h1.cnt", "--output", "h1.txt", .. countFiles[..17]]).ExitCode, Is.EqualTo(0));
        Assert.That(Run(["--merge", "--numwords", "5", "--counts-output", "h2.cnt", "--output", "h2.txt", .. countFiles[17..]]).ExitCode, Is.EqualTo(0));
        Assert.That(Run(["--merge", "--numwords", "5", "--counts-output", "all.cnt", "--output", "all.txt", .. countFiles]).ExitCode, Is.EqualTo(0));

        var (code, _, stderr) = Run("--merge", "--numwords", "5", "--counts-output", "top.cnt", "--output", "top.txt", "h1.cnt", "h2.cnt");

        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(File.ReadAllBytes(InWork("top.cnt")), Is.EqualTo(File.ReadAllBytes(InWork("all.cnt"))));
        Assert.That(WordLines(File.ReadAllText(InWork("top.txt"))), Is.EqualTo(WordLines(File.ReadAllText(InWork("all.txt")))));
    }

    [Test]
    public void Merge_InputsCovered_IsTheInputsLine_AndMayNotBeFewerThanTheCountFiles()
    {
        var names = MakeInputs(4, seed: 11);
        foreach (string name in names)
        {
            Assert.That(Run("--filepath", InWork(name), "--numwords", "1", "--counts").ExitCode, Is.EqualTo(0));
        }

        string[] countFiles = [.. names.Select(TaskRunnerCommand.CountsFileName)];
        Assert.That(Run(["--merge", "--numwords", "2", "--counts-output", "h1.cnt", "--output", "h1.txt", .. countFiles[..3]]).ExitCode, Is.EqualTo(0));

        var (code, _, stderr) = Run("--merge", "--numwords", "2", "--inputs-covered", "4", "--output", "top.txt", "h1.cnt", countFiles[3]);
        var tooFew = Run("--merge", "--numwords", "2", "--inputs-covered", "1", "--output", "bad.txt", "h1.cnt", countFiles[3]);

        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.That(File.ReadAllText(InWork("h1.txt")), Does.EndWith("\nInputs: 3\n"));
        Assert.That(File.ReadAllText(InWork("top.txt")), Does.EndWith("\nInputs: 4\n"), "a merge of merges says how many inputs it covers");
        Assert.That(tooFew.ExitCode, Is.EqualTo(3));
        Assert.That(tooFew.Stderr, Does.Contain("--inputs-covered 1 is fewer than the 2 count files"));
        Assert.That(File.Exists(InWork("bad.txt")), Is.False);
    }

    [Test]
    public void Merge_PermutedInputs_SameCountsTiesFollowTheNewOrder()
    {
        File.WriteAllText(InWork("x.txt"), "b a");
        File.WriteAllText(InWork("y.txt"), "a b c c");
        Run("--filepath", InWork("x.txt"), "--numwords", "1", "--counts");
        Run("--filepath", InWork("y.txt"), "--numwords", "1", "--counts");

        Run("--merge", "--numwords", "3", "--output", "xy.txt", "x_COUNTS.txt", "y_COUNTS.txt");
        Run("--merge", "--numwords", "3", "--output", "yx.txt", "y_COUNTS.txt", "x_COUNTS.txt");

        Assert.That(WordLines(File.ReadAllText(InWork("xy.txt"))), Is.EqualTo("\nb:\t2\na:\t2\nc:\t2\n"));
        Assert.That(WordLines(File.ReadAllText(InWork("yx.txt"))), Is.EqualTo("\na:\t2\nb:\t2\nc:\t2\n"));
    }

    [Test]
    public void Merge_CorruptTruncatedAndWrongVersion_NamesEachAndWritesNothing()
    {
        foreach (string name in new[] { "ok.txt", "cut.txt", "flip.txt", "old.txt" })
        {
            File.WriteAllText(InWork(name), "one two two three");
            Run("--filepath", InWork(name), "--numwords", "1", "--counts");
        }

        byte[] cut = File.ReadAllBytes(InWork("cut_COUNTS.txt"));
        File.WriteAllBytes(InWork("cut_COUNTS.txt"), cut[..^10]);
        byte[] flip = File.ReadAllBytes(InWork("flip_COUNTS.txt"));
        flip[20] = (byte)'7';
        File.WriteAllBytes(InWork("flip_COUNTS.txt"), flip);
        File.WriteAllText(InWork("old_COUNTS.txt"), "topnwords-counts\t0\n");

        var (code, _, stderr) = Run("--merge", "--numwords", "2", "ok_COUNTS.txt", "cut_COUNTS.txt", "flip_COUNTS.txt", "old_COUNTS.txt");

        Assert.That(code, Is.EqualTo(3));
        Assert.That(stderr, Does.Contain("3 of 4 count files cannot be merged; nothing was written"));
        Assert.That(stderr, Does.Contain("'cut_COUNTS.txt' is truncated"));
        Assert.That(stderr, Does.Contain("'flip_COUNTS.txt' is corrupt"));
        Assert.That(stderr, Does.Contain("'old_COUNTS.txt' is in count file format version '0'"));
        Assert.That(stderr, Does.Not.Contain("'ok_COUNTS.txt'"));
        Assert.That(File.Exists(InWork(MergeCommand.DefaultOutputName)), Is.False);
    }

    [Test]
    public void Merge_ManyMissing_NamesTheFirstTenAndCountsTheRest()
    {
        string[] files = [.. Enumerable.Range(0, 25).Select(i => $"gone{i}_COUNTS.txt")];

        var (code, _, stderr) = Run(["--merge", "--numwords", "2", .. files]);

        Assert.That(code, Is.EqualTo(3));
        Assert.That(stderr, Does.Contain("25 of 25 count files are missing: 'gone0_COUNTS.txt'").And.Contain("'gone9_COUNTS.txt' and 15 more"));
    }

    [Test]
    public void Merge_ListFileMissingOrEmpty_ExitsThree()
    {
        var missing = Run("--merge", "--numwords", "2", "--inputs-from", "nope.lst");
        File.WriteAllText(InWork("empty.lst"), "\n\n");
        var empty = Run("--merge", "--numwords", "2", "--inputs-from", "empty.lst");

        Assert.That(missing.ExitCode, Is.EqualTo(3));
        Assert.That(missing.Stderr, Does.Contain("list file 'nope.lst' was not found"));
        Assert.That(empty.ExitCode, Is.EqualTo(3));
        Assert.That(empty.Stderr, Does.Contain("names no count files"));
    }

    [TestCase(new[] { "--merge", "--numwords", "3" }, "--merge needs count files")]
    [TestCase(new[] { "--merge", "--numwords", "3", "a", "--inputs-from", "l" }, "not both")]
    [TestCase(new[] { "--merge", "--numwords", "3", "--filepath", "f", "a" }, "--filepath is not for --merge")]
    [TestCase(new[] { "--merge", "--numwords", "3", "--counts", "a" }, "--counts-output <file>")]
    [TestCase(new[] { "--filepath", "f", "--numwords", "3", "--counts", "--counts-output", "x" }, "not both")]
    [TestCase(new[] { "--filepath", "f", "--numwords", "3", "--output", "x" }, "--output is for --merge")]
    [TestCase(new[] { "--filepath", "f", "--numwords", "3", "extra" }, "unknown argument 'extra'")]
    [TestCase(new[] { "--merge", "a" }, "--numwords is required")]
    [TestCase(new[] { "--filepath", "f", "--numwords", "3", "--counts-output=" }, "--counts-output needs a value")]
    [TestCase(new[] { "--filepath", "f", "--numwords", "3", "--inputs-covered", "4" }, "--inputs-covered is for --merge")]
    [TestCase(new[] { "--merge", "--numwords", "3", "--inputs-covered", "0", "a" }, "--inputs-covered must be a whole number of at least 1")]
    public void Parse_BadCombination_IsUsageError(string[] args, string message)
    {
        var (code, _, stderr) = Run(args);

        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain(message).And.Contain("usage:"));
    }

    [Test]
    public void Parse_MergeArguments_AnyOrderAndDoubleDash()
    {
        var parsed = RunnerArguments.Parse(["a", "--numwords=4", "--merge", "b", "--", "--c", "--output", "o"], out string? error);

        Assert.That(error, Is.Null);
        Assert.That(parsed!.Merge, Is.True);
        Assert.That(parsed.NumWords, Is.EqualTo(4));
        Assert.That(parsed.CountFiles, Is.EqualTo(new[] { "a", "b", "--c", "--output", "o" }));
        Assert.That(parsed.Output, Is.Null);
    }
}
