namespace TopNWords.Batch.Tests.Workflow;

/// <summary>
/// A task's parsed top words keep the strings the run holds already for its node, task, job and pool (10,000 results do not
/// keep 40,000 more strings); a line that says something else is kept as written.
/// </summary>
[TestFixture]
public class OutputSharingTests
{
    private static readonly TaskApplication App = new("topnwords-taskrunner", [], ["{app}/TopNWords.TaskRunner"]);

    private static string Output(string words, string node, string task, string job, string pool) =>
        $"Word\tCount\n{new string('-', 30)}\n{words}{new string('-', 30)}\nNode: {node}\nTask: {task}\nJob:  {job}\nPool: {pool}\n";

    /// <summary>Parses <paramref name="text"/> as a downloaded output file of <paramref name="outcome"/>'s task.</summary>
    private static TopWordsOutput ParseFile(string text, RunState run, TaskOutcome outcome)
    {
        string path = Path.Combine(Path.GetTempPath(), $"tnw-parse-{Guid.NewGuid():N}_OUTPUT.txt");
        try
        {
            File.WriteAllText(path, text);
            return OutputDownloader.ParseOutputFile(path, run, outcome);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Share_LinesThatNameTheRunsNodeTaskJobAndPool_AreTheRunsStrings()
    {
        var run = new RunState(new BatchRunDefinition([new BatchInput("/tmp/a.txt")], App, ["--filepath", BatchRunDefinition.InputPlaceholder]), new RunNames("run-x"), progress: null, DateTimeOffset.UnixEpoch);
        var outcome = run.Outcomes[0];
        outcome.NodeId = "tvm-local-1";
        string text = Output("the:\t3\n", "tvm-local-1", outcome.TaskId, run.Names.JobId, run.PoolId);
        var parsed = TopWordsOutputParser.Parse(text, "a_OUTPUT.txt");

        var shared = ParseFile(text, run, outcome);

        Assert.That(shared, Is.EqualTo(parsed with { Words = shared.Words }));
        Assert.That(shared.Words, Is.EqualTo(new[] { new TopWord("the", 3) }));
        Assert.That(ReferenceEquals(shared.NodeId, outcome.NodeId), Is.True);
        Assert.That(ReferenceEquals(shared.TaskId, outcome.TaskId), Is.True);
        Assert.That(ReferenceEquals(shared.JobId, run.Names.JobId), Is.True);
        Assert.That(ReferenceEquals(shared.PoolId, run.PoolId), Is.True);
    }

    [Test]
    public void Share_TheSameWordInTwoOutputs_IsOneString_AndEachOutputKeepsItsCounts()
    {
        var run = new RunState(new BatchRunDefinition([new BatchInput("/tmp/a.txt"), new BatchInput("/tmp/b.txt")], App, ["--filepath", BatchRunDefinition.InputPlaceholder]), new RunNames("run-x"), progress: null, DateTimeOffset.UnixEpoch);
        var first = ParseFile(Output("the:\t5\nand:\t2\n", "n", "t1", "j", "p"), run, run.Outcomes[0]);
        var second = ParseFile(Output("and:\t4\nthe:\t3\nGod:\t1\n", "n", "t2", "j", "p"), run, run.Outcomes[1]);

        Assert.That(second.Words, Is.EqualTo(new[] { new TopWord("and", 4), new TopWord("the", 3), new TopWord("God", 1) }));
        Assert.That(first.Words, Is.EqualTo(new[] { new TopWord("the", 5), new TopWord("and", 2) }));
        Assert.That(ReferenceEquals(second.Words[0].Word, first.Words[1].Word), Is.True, "one 'and'");
        Assert.That(ReferenceEquals(second.Words[1].Word, first.Words[0].Word), Is.True, "one 'the'");
    }

    [Test]
    public void ShareWord_BeyondItsBound_GivesTheWordBackWithoutKeepingIt()
    {
        var run = new RunState(new BatchRunDefinition([new BatchInput("/tmp/a.txt")], App, ["--filepath", BatchRunDefinition.InputPlaceholder]), new RunNames("run-x"), progress: null, DateTimeOffset.UnixEpoch);
        for (int i = 0; i < RunState.MaxSharedWords; i++)
        {
            run.ShareWord($"w{i}");
        }

        string late = run.ShareWord("late");
        Assert.That(late, Is.EqualTo("late"));
        Assert.That(run.ShareWord("late"), Is.Not.SameAs(late), "not kept: the run's words stay bounded");
        string w1 = run.ShareWord("w1");
        Assert.That(w1, Is.EqualTo("w1"));
        Assert.That(run.ShareWord("w1"), Is.SameAs(w1), "kept before the bound");
    }

    [TestCase(new byte[] { (byte)'t', (byte)'h', (byte)'e', (byte)':', 9, (byte)'3', 10 }, TestName = "ReadOutputText_Utf8_IsWhatReadAllTextReads")]
    [TestCase(new byte[] { 0xEF, 0xBB, 0xBF, (byte)'a', 0xC3, 0xA9, 10 }, TestName = "ReadOutputText_Utf8WithByteOrderMark_IsWhatReadAllTextReads")]
    [TestCase(new byte[] { 0xFF, 0xFE, (byte)'a', 0, (byte)'b', 0 }, TestName = "ReadOutputText_Utf16LittleEndian_IsWhatReadAllTextReads")]
    [TestCase(new byte[] { 0xFE, 0xFF, 0, (byte)'a', 0, (byte)'b' }, TestName = "ReadOutputText_Utf16BigEndian_IsWhatReadAllTextReads")]
    [TestCase(new byte[] { (byte)'a', 0xFF, 0xC3, (byte)'b' }, TestName = "ReadOutputText_InvalidUtf8_IsWhatReadAllTextReads")]
    [TestCase(new byte[0], TestName = "ReadOutputText_Empty_IsWhatReadAllTextReads")]
    public void ReadOutputText_IsWhatReadAllTextReads(byte[] content)
    {
        string path = Path.Combine(Path.GetTempPath(), $"tnw-read-{Guid.NewGuid():N}.txt");
        try
        {
            File.WriteAllBytes(path, content);
            Assert.That(OutputDownloader.ReadOutputText(path), Is.EqualTo(File.ReadAllText(path)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Share_LinesThatSaySomethingElse_AreKept()
    {
        var run = new RunState(new BatchRunDefinition([new BatchInput("/tmp/a.txt")], App, ["--filepath", BatchRunDefinition.InputPlaceholder]), new RunNames("run-x"), progress: null, DateTimeOffset.UnixEpoch);
        var outcome = run.Outcomes[0];
        outcome.NodeId = "tvm-local-1";

        var shared = ParseFile(Output("a:\t1\n", "other-node", "other-task", "other-job", "other-pool"), run, outcome);

        Assert.That(shared, Is.EqualTo(new TopWordsOutput(shared.Words, "other-node", "other-task", "other-job", "other-pool")));
        Assert.That(shared.Words, Is.EqualTo(new[] { new TopWord("a", 1) }));
    }

    [TestCase(new byte[] { 0xEF, 0xBB, 0xBF }, TestName = "ParseOutputFile_Utf8WithByteOrderMark_ParsesAsReadAllTextReads")]
    [TestCase(new byte[0], TestName = "ParseOutputFile_Utf8_ParsesAsReadAllTextReads")]
    public void ParseOutputFile_ParsesWhatReadAllTextReads(byte[] preamble)
    {
        var run = new RunState(new BatchRunDefinition([new BatchInput("/tmp/a.txt")], App, ["--filepath", BatchRunDefinition.InputPlaceholder]), new RunNames("run-x"), progress: null, DateTimeOffset.UnixEpoch);
        string text = Output("caf\u00e9:\t2\n\u00fcber:\t1\n", "n", "t", "j", "p");
        string path = Path.Combine(Path.GetTempPath(), $"tnw-parse-{Guid.NewGuid():N}_OUTPUT.txt");
        try
        {
            File.WriteAllBytes(path, [.. preamble, .. System.Text.Encoding.UTF8.GetBytes(text)]);
            var parsed = OutputDownloader.ParseOutputFile(path, run, run.Outcomes[0]);
            var expected = TopWordsOutputParser.Parse(File.ReadAllText(path), path);
            Assert.That(parsed, Is.EqualTo(expected with { Words = parsed.Words }));
            Assert.That(parsed.Words, Is.EqualTo(expected.Words));
            Assert.That(parsed.Words, Is.EqualTo(new[] { new TopWord("caf\u00e9", 2), new TopWord("\u00fcber", 1) }));

            File.WriteAllText(path, text, System.Text.Encoding.Unicode);
            Assert.That(OutputDownloader.ParseOutputFile(path, run, run.Outcomes[0]).Words, Is.EqualTo(new[] { new TopWord("caf\u00e9", 2), new TopWord("\u00fcber", 1) }), "UTF-16 with its byte order mark");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
