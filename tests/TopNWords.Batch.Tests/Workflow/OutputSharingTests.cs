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
