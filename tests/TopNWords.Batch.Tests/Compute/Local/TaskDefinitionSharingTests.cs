using TopNWords.Batch.Compute;
using TopNWords.Batch.Compute.Local;

namespace TopNWords.Batch.Tests.Compute.Local;

/// <summary>
/// What the local compute keeps per task stays small: the words a task's command line shares with the task added before it are
/// the same strings (10,000 tasks that differ by their input keep one copy of the program, script and options), and a task's
/// folder is made from its node's folder when asked, not kept.
/// </summary>
[TestFixture]
public class TaskDefinitionSharingTests
{
    private static TaskSpec Spec(string id, string input) =>
        new(id, BatchCommandLine.Join(["/bin/sh", "-c", "exec \"$AZ_BATCH_NODE_SHARED_DIR\"/app/run \"$@\"", "topnwords-task", "--filepath", input, "--numwords", "3"]));

    [Test]
    public void TryCreate_WithThePreviousTask_ReusesItsEqualWordsAndKeepsTheOthers()
    {
        var first = TaskDefinition.TryCreate(Spec("t1", "input/a.txt"), out string? error1)!;
        var second = TaskDefinition.TryCreate(Spec("t2", "input/b.txt"), out string? error2, first)!;

        Assert.That(error1, Is.Null);
        Assert.That(error2, Is.Null);
        Assert.That(second.Arguments, Is.EqualTo(new[] { "/bin/sh", "-c", "exec \"$AZ_BATCH_NODE_SHARED_DIR\"/app/run \"$@\"", "topnwords-task", "--filepath", "input/b.txt", "--numwords", "3" }));
        for (int i = 0; i < second.Arguments.Count; i++)
        {
            Assert.That(ReferenceEquals(second.Arguments[i], first.Arguments[i]), Is.EqualTo(i != 5), $"word {i} ('{second.Arguments[i]}')");
        }
    }

    [Test]
    public void Share_LongerOrShorterCommandLines_ComparesWordByPlace()
    {
        string[] previous = ["a", "b"];
        var shared = CommandWords.Share(["a", new string('b', 1), "c"], previous);

        Assert.That(shared, Is.EqualTo(new[] { "a", "b", "c" }));
        Assert.That(ReferenceEquals(shared[1], previous[1]), Is.True);
        Assert.That(CommandWords.Share(["x"], null), Is.EqualTo(new[] { "x" }));
    }

    [Test]
    public async Task AddTasks_ManyTasksOfOneCommand_KeepOneCopyOfTheSharedWordsAndNoFolderUntilTheyRun()
    {
        string root = Directory.CreateTempSubdirectory("topnwords-sharing-").FullName;
        try
        {
            // Nodes that take an hour to boot: the tasks stay queued, and what the compute keeps for them is what is looked at.
            var compute = new LocalProcessCompute(new LocalProcessComputeOptions { RootPath = root, NodeStartupDelay = TimeSpan.FromHours(1) });
            await using (compute)
            {
                await compute.CreatePoolAsync(new PoolSpec("p", 1));
                await compute.CreateJobAsync(new JobSpec("j", "p"));
                await compute.AddTasksAsync("j", [.. Enumerable.Range(0, 100).Select(i => Spec($"t{i}", $"input/f{i}.txt"))]);

                List<TaskEntry> tasks;
                lock (compute.Model.Gate)
                {
                    tasks = [.. compute.Model.Jobs["j"].Order];
                }

                Assert.That(tasks, Has.Count.EqualTo(100));
                Assert.That(tasks.Select(t => t.Definition.Arguments[2]).Distinct(ReferenceEqualityComparer.Instance).Count(), Is.EqualTo(1), "one script string for 100 tasks");
                Assert.That(tasks.Select(t => t.Definition.Arguments[5]).Distinct().Count(), Is.EqualTo(100), "each its own input");
                Assert.That(tasks.Select(t => t.TaskDirectory), Is.All.Null, "no folder before a node runs it");
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
