using System.Globalization;
using TopNWords.Batch.Compute;

namespace TopNWords.Batch.Conformance.Compute;

/// <content>Task dependencies, as Azure Batch has them: a task waits for the tasks it depends on; a failed one blocks it.</content>
public abstract partial class ComputeConformanceTests
{
    [Test]
    public async Task Dependencies_TaskDependingOnThree_RunsOnlyAfterAllThreeSucceeded()
    {
        string poolId = await CreateReadyPoolAsync(nodeCount: 2, slots: 2);
        string jobId = await CreateJobAsync(poolId, usesTaskDependencies: true);
        var dependent = new TaskSpec("merge", Sh("echo merged")) { DependsOn = TaskDependencies.OnIds("count-a", "count-b", "count-c") };
        var counts = new[] { "count-a", "count-b", "count-c" }.Select(id => new TaskSpec(id, Sh($"sleep 0.3; echo {id}"))).ToList();

        await Compute.AddTasksAsync(jobId, [dependent, .. counts]); // the dependent first: free slots do not make it run

        var merged = await WaitForTaskAsync(jobId, "merge", t => t.State == ComputeTaskState.Completed, "completed");
        var infos = new List<BatchTaskInfo>();
        foreach (var count in counts)
        {
            infos.Add((await Compute.GetTaskAsync(jobId, count.Id))!);
        }

        Assert.Multiple(() =>
        {
            Assert.That(merged.Result, Is.EqualTo(TaskExecutionResult.Success));
            Assert.That(infos.Select(i => i.Result), Is.All.EqualTo(TaskExecutionResult.Success));
            Assert.That(merged.StartTime, Is.Not.Null);
            foreach (var info in infos)
            {
                Assert.That(info.EndTime, Is.Not.Null.And.LessThanOrEqualTo(merged.StartTime!.Value), $"{info.Id} ended before the dependent started");
            }
        });
        Assert.That(await StdoutAsync(jobId, "merge"), Is.EqualTo("merged\n"));
    }

    [Test]
    public async Task Dependencies_FailedDependency_BlocksTheDependentWhileTheOthersComplete()
    {
        string poolId = await CreateReadyPoolAsync(nodeCount: 1, slots: 2);
        string jobId = await CreateJobAsync(poolId, usesTaskDependencies: true);
        await Compute.AddTasksAsync(jobId, [
            new TaskSpec("good", Sh("echo good")),
            new TaskSpec("bad", Sh("exit 3")),
            new TaskSpec("blocked", Sh("echo must-not-run")) { DependsOn = TaskDependencies.OnIds("good", "bad") },
            new TaskSpec("bad-but-satisfies", Sh("exit 4")) { DependencyActionOnFailure = TaskDependencyAction.Satisfy },
            new TaskSpec("satisfied", Sh("echo ran")) { DependsOn = TaskDependencies.OnIds("bad-but-satisfies") },
        ]);

        var satisfied = await WaitForTaskAsync(jobId, "satisfied", t => t.State == ComputeTaskState.Completed, "completed");
        await WaitForCompletedAsync(jobId, 4);
        await RunTaskAsync(jobId, new TaskSpec("later", Sh("echo later"))); // the scheduler has run past the blocked task

        var blocked = await Compute.GetTaskAsync(jobId, "blocked");
        var counts = await Compute.GetTaskCountsAsync(jobId);
        Assert.Multiple(() =>
        {
            Assert.That(satisfied.Result, Is.EqualTo(TaskExecutionResult.Success), "a failure with dependency action satisfy lets its dependents run");
            Assert.That(blocked!.State, Is.EqualTo(ComputeTaskState.Active), "a failed dependency blocks the dependent: it stays active");
            Assert.That(blocked.StartTime, Is.Null);
            Assert.That(blocked.NodeId, Is.Null);
            Assert.That(counts, Is.EqualTo(new TaskCounts(Active: 1, Running: 0, Completed: 5, Succeeded: 3, Failed: 2)));
        });
    }

    [Test]
    public async Task Dependencies_RangeOverAThousandIntegerIds_RunsAfterAllOfThem()
    {
        const int Count = 1000;
        string poolId = await CreateReadyPoolAsync(nodeCount: 2, slots: 8);
        string jobId = await CreateJobAsync(poolId, usesTaskDependencies: true);
        var tasks = new List<TaskSpec>
        {
            new("reduce", Sh("echo reduced")) { DependsOn = TaskDependencies.OnIdRange(0, Count - 1) },
            new("reduce-half", Sh("echo half")) { DependsOn = new TaskDependencies { TaskIds = ["0", "1"], TaskIdRanges = [new TaskIdRange(0, 499), new TaskIdRange(250, 499)] } },
        };
        tasks.AddRange(Enumerable.Range(0, Count).Select(i => new TaskSpec(i.ToString(CultureInfo.InvariantCulture), Sh(":"))));

        var result = await Compute.AddTasksAsync(jobId, tasks);
        var reduce = await WaitForTaskAsync(jobId, "reduce", t => t.State == ComputeTaskState.Completed, "completed");
        var half = await WaitForTaskAsync(jobId, "reduce-half", t => t.State == ComputeTaskState.Completed, "completed");

        var all = await ListTasksAsync(jobId, null);
        var numbered = all.Where(t => t.Id is not ("reduce" or "reduce-half")).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(result.Added, Is.EqualTo(Count + 2));
            Assert.That(reduce.Result, Is.EqualTo(TaskExecutionResult.Success));
            Assert.That(half.Result, Is.EqualTo(TaskExecutionResult.Success));
            Assert.That(numbered, Has.Count.EqualTo(Count));
            Assert.That(numbered.Max(t => t.EndTime), Is.LessThanOrEqualTo(reduce.StartTime!.Value), "every task of the range ended before the dependent started");
            Assert.That(numbered.Where(t => int.Parse(t.Id, CultureInfo.InvariantCulture) < 500).Max(t => t.EndTime), Is.LessThanOrEqualTo(half.StartTime!.Value));
        });
    }

    [Test]
    public async Task Dependencies_OnATaskNotYetAdded_WaitUntilItIsAddedAndCompletes()
    {
        string poolId = await CreateReadyPoolAsync();
        string jobId = await CreateJobAsync(poolId, usesTaskDependencies: true);
        await Compute.AddTasksAsync(jobId, [new TaskSpec("waits", Sh("echo waited")) { DependsOn = TaskDependencies.OnIds("Late") }]);
        await RunTaskAsync(jobId, new TaskSpec("unrelated", Sh("echo unrelated"))); // a free slot, and the waiting task did not take it

        var waiting = await Compute.GetTaskAsync(jobId, "waits");
        Assert.That(waiting!.State, Is.EqualTo(ComputeTaskState.Active));
        Assert.That((await Compute.GetTaskCountsAsync(jobId)).Active, Is.EqualTo(1));

        var late = await RunTaskAsync(jobId, new TaskSpec("late", Sh("echo late"))); // ids compare case-insensitively
        var waited = await WaitForTaskAsync(jobId, "waits", t => t.State == ComputeTaskState.Completed, "completed");
        Assert.Multiple(() =>
        {
            Assert.That(waited.Result, Is.EqualTo(TaskExecutionResult.Success));
            Assert.That(late.EndTime, Is.LessThanOrEqualTo(waited.StartTime!.Value));
        });
    }

    [Test]
    public async Task Dependencies_OnAJobWithoutTaskDependencies_AreRefusedWithTheServiceCode()
    {
        string poolId = await CreateReadyPoolAsync();
        string jobId = await CreateJobAsync(poolId);

        var ex = Assert.CatchAsync<AddTasksException>(() => Compute.AddTasksAsync(jobId, [
            new TaskSpec("plain", Sh("echo plain")),
            new TaskSpec("dependent", Sh("echo dependent")) { DependsOn = TaskDependencies.OnIds("plain") },
        ]));

        Assert.That(ex!.Failures, Has.Count.EqualTo(1));
        Assert.Multiple(() =>
        {
            Assert.That(ex.Failures[0].TaskId, Is.EqualTo("dependent"));
            Assert.That(ex.Failures[0].ErrorCode, Is.EqualTo(BatchErrorCodes.TaskDependenciesNotSpecifiedOnJob));
        });
        await WaitForTaskAsync(jobId, "plain", t => t.State == ComputeTaskState.Completed, "completed");
        Assert.That(await Compute.GetTaskAsync(jobId, "dependent"), Is.Null);
    }

    [Test]
    public async Task Dependencies_TaskIdsLongerThan64000Characters_AreRefusedWithTaskDependencyListTooLong()
    {
        string poolId = await CreateReadyPoolAsync();
        string jobId = await CreateJobAsync(poolId, usesTaskDependencies: true);
        var ids = Enumerable.Range(0, 1001).Select(i => $"count-{i:D4}-{new string('x', 53)}").ToList(); // 64 characters each: 64,064 in all

        var ex = Assert.CatchAsync<AddTasksException>(() => Compute.AddTasksAsync(jobId, [new TaskSpec("too-many", Sh("echo no")) { DependsOn = TaskDependencies.OnIds(ids) }]));

        Assert.That(ex!.Failures, Has.Count.EqualTo(1));
        Assert.Multiple(() =>
        {
            Assert.That(ex.Failures[0].TaskId, Is.EqualTo("too-many"));
            Assert.That(ex.Failures[0].ErrorCode, Is.EqualTo(BatchErrorCodes.TaskDependencyListTooLong));
        });
    }
}
