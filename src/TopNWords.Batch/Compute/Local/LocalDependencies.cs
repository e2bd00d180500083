using System.Globalization;

namespace TopNWords.Batch.Compute.Local;

/// <summary>
/// Task dependencies of the local compute, as Azure Batch has them: a task with dependencies stays active and is not
/// queued until every task it depends on has completed successfully (or failed with
/// <see cref="TaskDependencyAction.Satisfy"/>); a dependency that fails otherwise blocks it for good; a dependency on a
/// task id the job does not have yet waits for that task. Each waiting task keeps a count of unmet dependencies, and the
/// job keeps reverse edges (waiters by task id, and ranges of integer ids), so that a completion touches only the tasks
/// waiting for it: no scan of the job's tasks per dispatch or per completion. All members are called with the state's
/// lock held.
/// </summary>
internal static class LocalDependencies
{
    /// <summary>Whether a task satisfies the tasks that depend on it: completed with success, or failed with <see cref="TaskDependencyAction.Satisfy"/>.</summary>
    public static bool Satisfies(TaskEntry task) =>
        task.State == ComputeTaskState.Completed
        && (task.Result == TaskExecutionResult.Success || task.Definition.DependencyActionOnFailure == TaskDependencyAction.Satisfy);

    /// <summary>Reads a task id that a range can cover: an integer in its canonical form ("12", "-3"; not "012" or "+1").</summary>
    public static bool TryParseRangeId(string id, out int value) =>
        int.TryParse(id, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value)
        && string.Equals(value.ToString(CultureInfo.InvariantCulture), id, StringComparison.Ordinal);

    /// <summary>
    /// Registers a task's dependencies with its job (reverse edges) and sets <see cref="TaskEntry.UnmetDependencies"/> from
    /// the job's tasks as they are now. Costs the number of ids plus, per range, the smaller of its length and the job's size.
    /// </summary>
    public static void RegisterLocked(TaskEntry task)
    {
        task.UnmetDependencies = 0;
        if (task.Definition.DependsOn is not { } dependsOn)
        {
            return;
        }

        var job = task.Job;
        var ranges = Merge(dependsOn.TaskIdRanges);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        long unmet = 0;
        foreach (string id in dependsOn.TaskIds)
        {
            if (!seen.Add(id) || (TryParseRangeId(id, out int number) && Covers(ranges, number)))
            {
                continue; // counted once
            }

            if (job.Tasks.TryGetValue(id, out var dependency) && Satisfies(dependency))
            {
                continue;
            }

            if (!job.Waiters.TryGetValue(id, out var waiters))
            {
                waiters = [];
                job.Waiters.Add(id, waiters);
            }

            waiters.Add(task);
            unmet++;
        }

        foreach (var (start, end) in ranges)
        {
            long length = (long)end - start + 1;
            long met = 0;
            if (length <= job.Tasks.Count)
            {
                for (long i = start; i <= end; i++)
                {
                    if (job.Tasks.TryGetValue(i.ToString(CultureInfo.InvariantCulture), out var dependency) && Satisfies(dependency))
                    {
                        met++;
                    }
                }
            }
            else
            {
                foreach (var dependency in job.Order)
                {
                    if (TryParseRangeId(dependency.Definition.Id, out int number) && number >= start && number <= end && Satisfies(dependency))
                    {
                        met++;
                    }
                }
            }

            if (met < length)
            {
                job.RangeWaiters.Add(new RangeWait(task, start, end, length - met));
                unmet += length - met;
            }
        }

        task.UnmetDependencies = unmet;
    }

    /// <summary>
    /// Releases the tasks waiting for a task that has just completed, when it satisfies them; adds to <paramref name="ready"/>
    /// those with no unmet dependency left that are still active in an active job.
    /// </summary>
    public static void ReleaseLocked(TaskEntry completed, List<TaskEntry> ready)
    {
        if (!Satisfies(completed))
        {
            return; // blocked: its dependents stay active and never run
        }

        var job = completed.Job;
        string id = completed.Definition.Id;
        if (job.Waiters.Remove(id, out var waiters))
        {
            foreach (var waiter in waiters)
            {
                Decrement(waiter, ready);
            }
        }

        if (job.RangeWaiters.Count > 0 && TryParseRangeId(id, out int number))
        {
            for (int i = job.RangeWaiters.Count - 1; i >= 0; i--)
            {
                var wait = job.RangeWaiters[i];
                if (number < wait.Start || number > wait.End)
                {
                    continue;
                }

                wait.Remaining--;
                if (wait.Remaining <= 0)
                {
                    job.RangeWaiters[i] = job.RangeWaiters[^1];
                    job.RangeWaiters.RemoveAt(job.RangeWaiters.Count - 1);
                }

                Decrement(wait.Task, ready);
            }
        }
    }

    private static void Decrement(TaskEntry waiter, List<TaskEntry> ready)
    {
        if (waiter.UnmetDependencies <= 0 || !waiter.Job.Tasks.TryGetValue(waiter.Definition.Id, out var current) || !ReferenceEquals(current, waiter))
        {
            return; // deleted meanwhile
        }

        waiter.UnmetDependencies--;
        if (waiter.UnmetDependencies == 0 && waiter.State == ComputeTaskState.Active && waiter.Job.Status == JobStatus.Active && waiter.QueueNode is null)
        {
            ready.Add(waiter);
        }
    }

    private static bool Covers(List<(int Start, int End)> ranges, int number)
    {
        foreach (var (start, end) in ranges)
        {
            if (number >= start && number <= end)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Sorts ranges and merges those that overlap or touch, so that every id is counted once.</summary>
    private static List<(int Start, int End)> Merge(IReadOnlyList<TaskIdRange> ranges)
    {
        var merged = new List<(int Start, int End)>(ranges.Count);
        foreach (var range in ranges.OrderBy(r => r.Start))
        {
            if (merged.Count > 0 && (long)range.Start <= (long)merged[^1].End + 1)
            {
                merged[^1] = (merged[^1].Start, Math.Max(merged[^1].End, range.End));
            }
            else
            {
                merged.Add((range.Start, range.End));
            }
        }

        return merged;
    }
}
