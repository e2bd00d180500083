namespace TopNWords.Batch.Tests.Workflow;

/// <summary>
/// A task's parsed top words keep the strings the run holds already for its node, task, job and pool (10,000 results do not
/// keep 40,000 more strings); a line that says something else is kept as written.
/// </summary>
[TestFixture]
public class OutputSharingTests
{
    private static readonly TaskApplication App = new("topnwords-taskrunner", [], ["{app}/TopNWords.TaskRunner"]);

    [Test]
    public void Share_LinesThatNameTheRunsNodeTaskJobAndPool_AreTheRunsStrings()
    {
        var run = new RunState(new BatchRunDefinition([new BatchInput("/tmp/a.txt")], App, ["--filepath", BatchRunDefinition.InputPlaceholder]), new RunNames("run-x"), progress: null, DateTimeOffset.UnixEpoch);
        var outcome = run.Outcomes[0];
        outcome.NodeId = "tvm-local-1";
        string text = $"Word\tCount\n{new string('-', 30)}\nthe:\t3\n{new string('-', 30)}\nNode: tvm-local-1\nTask: {outcome.TaskId}\nJob:  {run.Names.JobId}\nPool: {run.PoolId}\n";
        var parsed = TopWordsOutputParser.Parse(text, "a_OUTPUT.txt");

        var shared = OutputDownloader.Share(parsed, run, outcome);

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
        var first = OutputDownloader.Share(new TopWordsOutput([new TopWord(new string("the".AsSpan()), 5), new TopWord("and", 2)], "n", "t1", "j", "p"), run, run.Outcomes[0]);
        var second = OutputDownloader.Share(new TopWordsOutput([new TopWord(new string("and".AsSpan()), 4), new TopWord(new string("the".AsSpan()), 3), new TopWord("God", 1)], "n", "t2", "j", "p"), run, run.Outcomes[1]);

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

        string late = new("late".AsSpan());
        Assert.That(run.ShareWord(late), Is.SameAs(late));
        Assert.That(run.ShareWord(new string("late".AsSpan())), Is.Not.SameAs(late), "not kept: the run's words stay bounded");
        Assert.That(run.ShareWord(new string("w1".AsSpan())), Is.EqualTo("w1"));
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
        var parsed = new TopWordsOutput([new TopWord("a", 1)], "other-node", "other-task", "other-job", "other-pool");

        var shared = OutputDownloader.Share(parsed, run, outcome);

        Assert.That(shared, Is.SameAs(parsed));
    }
}
