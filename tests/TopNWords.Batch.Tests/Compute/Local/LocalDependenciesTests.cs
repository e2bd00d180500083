using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Compute.Local;

namespace TopNWords.Batch.Tests.Compute.Local;

/// <summary>
/// The dependency bookkeeping of the local compute on its model, without processes: counts of unmet dependencies,
/// reverse edges, ranges, and its cost at 10,000 tasks (reported, not asserted).
/// </summary>
[TestFixture]
public class LocalDependenciesTests
{
    private LocalComputeState _state = null!;
    private JobEntry _job = null!;
    private List<string> _dispatched = null!;

    [SetUp]
    public void SetUp()
    {
        _state = new LocalComputeState("test compute", TimeProvider.System, NullLogger.Instance);
        _job = new JobEntry("job", "pool") { UsesTaskDependencies = true };
        _state.Jobs.Add(_job.Id, _job);
        _dispatched = [];
        _state.Dispatch = pool => _dispatched.Add(pool);
    }

    [Test]
    public void TenThousandTasks_MergeOverTheirRange_AndAChain_AreReleasedInLinearTime()
    {
        const int Count = 10_000;
        var clock = Stopwatch.StartNew();
        var merge = Add("merge", new TaskDependencies { TaskIdRanges = [new TaskIdRange(0, Count - 1)], TaskIds = ["17", "chain-0"] });
        var numbered = Enumerable.Range(0, Count).Select(i => Add(i.ToString(CultureInfo.InvariantCulture))).ToList();
        var chain = Enumerable.Range(0, Count).Select(i => Add($"chain-{i}", i == 0 ? null : TaskDependencies.OnIds($"chain-{i - 1}"))).ToList();
        var added = clock.Elapsed;

        long queuedBefore = _state.FindQueueLocked("pool")!.Count;
        clock.Restart();
        foreach (var task in numbered.Concat(chain))
        {
            if (task.QueueNode is { } node)
            {
                node.List!.Remove(node); // dispatched
                task.QueueNode = null;
            }

            _state.CompleteTaskLocked(task, 0, null);
        }

        var completed = clock.Elapsed;
        TestContext.Out.WriteLine($"added {Count * 2 + 1} tasks with dependencies in {added.TotalMilliseconds:F0} ms; completed {Count * 2} and released their dependents in {completed.TotalMilliseconds:F0} ms");
        Assert.Multiple(() =>
        {
            Assert.That(queuedBefore, Is.EqualTo(Count + 1), "the numbered tasks and the chain's first; not the merge, not the rest of the chain");
            Assert.That(merge.UnmetDependencies, Is.Zero);
            Assert.That(merge.QueueNode, Is.Not.Null, "the merge is queued once all 10,000 and chain-0 completed");
            Assert.That(_job.Waiters, Is.Empty);
            Assert.That(_job.RangeWaiters, Is.Empty);
        });
    }

    [Test]
    public void FailedDependency_BlocksUnlessItsActionIsSatisfy_AndDuplicatesAndOverlapsCountOnce()
    {
        var blocked = Add("blocked", TaskDependencies.OnIds("bad"));
        var satisfied = Add("satisfied", TaskDependencies.OnIds("bad-ok"));
        var overlapping = Add("overlapping", new TaskDependencies { TaskIds = ["2", "2", "x", "X"], TaskIdRanges = [new TaskIdRange(1, 3), new TaskIdRange(2, 4)] });
        var bad = Add("bad");
        var badOk = Add("bad-ok", action: TaskDependencyAction.Satisfy);
        var numbered = Enumerable.Range(1, 4).Select(i => Add(i.ToString(CultureInfo.InvariantCulture))).ToList();
        var leadingZero = Add("03");

        var failure = new TaskFailureInfo("UserError", BatchErrorCodes.FailureExitCode, "exit 1");
        _state.CompleteTaskLocked(bad, 1, failure);
        _state.CompleteTaskLocked(badOk, 1, failure);
        _state.CompleteTaskLocked(leadingZero, 0, null);
        long overlappingBefore = overlapping.UnmetDependencies;
        foreach (var task in numbered)
        {
            _state.CompleteTaskLocked(task, 0, null);
        }

        var x = Add("x");
        _state.CompleteTaskLocked(x, 0, null);
        Assert.Multiple(() =>
        {
            Assert.That(blocked.UnmetDependencies, Is.EqualTo(1));
            Assert.That(blocked.QueueNode, Is.Null, "blocked: never queued");
            Assert.That(satisfied.QueueNode, Is.Not.Null);
            Assert.That(overlappingBefore, Is.EqualTo(5), "ids 1 to 4 once each, and x (case-insensitively once); '03' is not id 3");
            Assert.That(overlapping.UnmetDependencies, Is.Zero);
            Assert.That(overlapping.QueueNode, Is.Not.Null);
        });
    }

    private TaskEntry Add(string id, TaskDependencies? dependsOn = null, TaskDependencyAction action = TaskDependencyAction.Block)
    {
        var definition = new TaskDefinition(id, ["true"], [], [], [], null, 0) { DependsOn = dependsOn, DependencyActionOnFailure = action };
        var task = new TaskEntry(_job, definition, _state.NextTaskSequenceLocked());
        _job.Tasks.Add(id, task);
        _job.Order.Add(task);
        LocalDependencies.RegisterLocked(task);
        if (task.UnmetDependencies == 0)
        {
            task.QueueNode = _state.GetQueueLocked(_job.PoolId).AddLast(task);
        }

        return task;
    }
}
