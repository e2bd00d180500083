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

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference Track(object value) => new(value);
}
