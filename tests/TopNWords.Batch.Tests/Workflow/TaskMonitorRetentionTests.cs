using System.Runtime.CompilerServices;
using Moq;
using TopNWords.Batch.Compute;

namespace TopNWords.Batch.Tests.Workflow;

/// <summary>
/// What the monitoring keeps while it waits: not the specs of the tasks it added (the command line, URLs and output specs of
/// every task, most of a KB each; a local of the stage's lambda kept them for the whole monitoring), which are made and added
/// a thousand at a time, so that they die young.
/// </summary>
[TestFixture]
public class TaskMonitorRetentionTests
{
    [Test]
    public void Monitoring_DoesNotKeepTheTaskSpecsItAdded()
    {
        using var h = new WorkflowHarness(inputCount: 3);
        using var cancel = new CancellationTokenSource();
        WeakReference? added = null;
        bool? aliveWhileMonitoring = null;
        h.Compute.Setup(c => c.AddTasksAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<TaskSpec>>(), It.IsAny<CancellationToken>()))
            .Returns((string _, IReadOnlyList<TaskSpec> specs, CancellationToken _) =>
            {
                added = Track(specs);
                return Task.FromResult(new AddTasksResult(specs.Count, 0, 1));
            });
        h.Compute.Setup(c => c.GetTaskCountsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns(() =>
            {
                if (aliveWhileMonitoring is null)
                {
                    h.Compute.Invocations.Clear(); // Moq keeps every call's arguments
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    GC.Collect();
                    aliveWhileMonitoring = added!.IsAlive;
                    cancel.Cancel(); // the check is done: end the run
                }

                return Task.FromResult(new TaskCounts(3, 0, 0, 0, 0));
            });

        Assert.CatchAsync<OperationCanceledException>(() => h.Workflow.RunAsync(h.Definition(), cancellationToken: cancel.Token));

        Assert.That(aliveWhileMonitoring, Is.False, "the specs were garbage once the tasks were added");
    }

    [Test]
    public async Task AddingTasks_ManyInputs_AddsThemAThousandAtATimeInInputOrder()
    {
        using var h = new WorkflowHarness(inputCount: 2500);
        var chunks = new List<List<string>>();
        h.Compute.Setup(c => c.AddTasksAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<TaskSpec>>(), It.IsAny<CancellationToken>()))
            .Returns((string _, IReadOnlyList<TaskSpec> specs, CancellationToken _) =>
            {
                chunks.Add([.. specs.Select(s => s.Id)]);
                foreach (var spec in specs)
                {
                    h.Tasks[spec.Id] = spec;
                }

                return Task.FromResult(new AddTasksResult(specs.Count, 0, 1));
            });

        var result = await h.Workflow.RunAsync(h.Definition());

        Assert.That(result.Succeeded, Is.True);
        Assert.That(chunks.Select(c => c.Count), Is.EqualTo(new[] { TaskMonitor.AddTasksChunk, TaskMonitor.AddTasksChunk, 500 }));
        Assert.That(chunks.SelectMany(c => c), Is.EqualTo(result.Tasks.Select(t => t.TaskId)));
    }

    [Test]
    public async Task AddingTasks_InProcessCompute_KeepsTwoPollsOfTasksQueued_AndReportsTheRunsTotal()
    {
        using var h = new WorkflowHarness(inputCount: 2500);
        h.Compute.SetupGet(c => c.Capabilities).Returns(ComputeCapabilities.PosixNodes | ComputeCapabilities.InProcess);
        var order = new List<string>(); // added, in order
        var queuedWhenAdded = new List<int>();
        var chunkSizes = new List<int>();
        int completed = 0;
        int lastActive = 0;
        h.Compute.Setup(c => c.AddTasksAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<TaskSpec>>(), It.IsAny<CancellationToken>()))
            .Returns((string _, IReadOnlyList<TaskSpec> specs, CancellationToken _) =>
            {
                lock (order)
                {
                    queuedWhenAdded.Add(order.Count - completed);
                    chunkSizes.Add(specs.Count);
                    order.AddRange(specs.Select(s => s.Id));
                }

                foreach (var spec in specs)
                {
                    h.Tasks[spec.Id] = spec;
                }

                return Task.FromResult(new AddTasksResult(specs.Count, 0, 1));
            });
        h.Compute.Setup(c => c.GetTaskCountsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns(() =>
            {
                lock (order)
                {
                    completed = Math.Min(order.Count, completed + 400); // 400 more complete between two polls
                    lastActive = order.Count - completed;
                    return Task.FromResult(new TaskCounts(lastActive, 0, completed, completed, 0));
                }
            });
        h.Compute.Setup(c => c.ListTasksAsync(It.IsAny<string>(), It.IsAny<TaskListQuery?>(), It.IsAny<CancellationToken>()))
            .Returns((string _, TaskListQuery? _, CancellationToken _) =>
            {
                lock (order)
                {
                    return h.ListCompleted([.. order.Take(completed)]);
                }
            });
        var reports = new List<BatchRunProgress>();
        var progress = new SynchronousProgress<BatchRunProgress>(reports.Add);

        var run = h.Workflow.RunAsync(h.Definition(), progress);
        await h.Clock.PumpTimersAsync(run, WorkflowHarness.PollInterval); // the polls
        var result = await run;

        Assert.That(result.Succeeded, Is.True);
        Assert.That(order, Is.EqualTo(result.Tasks.Select(t => t.TaskId)), "every task once, in input order");
        // 200 at first; then, at each poll, twice the tasks completed since the previous poll (400 a poll here: 800), added
        // whenever fewer than that are queued.
        Assert.That(chunkSizes, Is.EqualTo(new[] { TaskMonitor.MinQueueWindow, 400, 800, 800, 300 }), "the window follows the completions between two polls");
        Assert.That(queuedWhenAdded, Is.EqualTo(new[] { 0, 0, 0, 400, 400 }), "more are added only when fewer than the window are queued");
        var monitoring = reports.Where(r => r.Stage == BatchRunStage.Monitoring && r.Counts != default).ToList(); // not the stage's announcement
        Assert.That(monitoring, Is.Not.Empty);
        Assert.That(monitoring.Select(r => r.Counts.Total), Is.All.EqualTo(2500), "the tasks not added yet count as active: the total is the run's");
    }

    [TestCase(0, TaskMonitor.MinQueueWindow)]
    [TestCase(-5, TaskMonitor.MinQueueWindow)]
    [TestCase(150, 300)]
    [TestCase(499, 998)]
    [TestCase(600, TaskMonitor.AddTasksChunk)]
    [TestCase(int.MaxValue, TaskMonitor.AddTasksChunk)]
    public void QueueWindow_IsTwiceTheCompletionsOfAPoll_Between200AndAThousand(int completed, int window)
    {
        Assert.That(TaskMonitor.QueueWindow(completed), Is.EqualTo(window));
    }

    [Test]
    public async Task AddingTasks_ComputeOnOtherMachines_AddsThemAllBeforeMonitoring()
    {
        using var h = new WorkflowHarness(inputCount: 2500);
        var events = new List<string>();
        h.Compute.Setup(c => c.AddTasksAsync(It.IsAny<string>(), It.IsAny<IReadOnlyList<TaskSpec>>(), It.IsAny<CancellationToken>()))
            .Returns((string _, IReadOnlyList<TaskSpec> specs, CancellationToken _) =>
            {
                events.Add("add");
                foreach (var spec in specs)
                {
                    h.Tasks[spec.Id] = spec;
                }

                return Task.FromResult(new AddTasksResult(specs.Count, 0, 1));
            });
        h.Compute.Setup(c => c.GetTaskCountsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns(() =>
            {
                events.Add("counts");
                return Task.FromResult(new TaskCounts(0, 0, h.Tasks.Count, h.Tasks.Count, 0));
            });

        var result = await h.Workflow.RunAsync(h.Definition());

        Assert.That(result.Succeeded, Is.True);
        Assert.That(events.TakeWhile(e => e == "add").Count(), Is.EqualTo(3), "all three chunks before the first poll: the tasks run on if this process dies");
        Assert.That(events.Skip(3), Has.None.EqualTo("add"));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference Track(object value) => new(value);

    /// <summary>Reports on the caller's thread (<see cref="Progress{T}"/> posts to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value)
        {
            lock (report)
            {
                report(value);
            }
        }
    }
}
