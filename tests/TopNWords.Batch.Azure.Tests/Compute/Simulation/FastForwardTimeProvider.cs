namespace TopNWords.Batch.Azure.Tests.Compute.Simulation;

/// <summary>
/// A simulated clock for a whole workflow run: a wait of at most <see cref="MaxFastForward"/> (a poll interval)
/// moves the clock forward by its length and ends at once; longer timers (the run's timeouts) never fire.
/// No real time passes.
/// </summary>
internal sealed class FastForwardTimeProvider(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;
    private int _waits;

    public static TimeSpan MaxFastForward { get; } = TimeSpan.FromMinutes(1);

    /// <summary>How many short waits were fast-forwarded.</summary>
    public int Waits => Volatile.Read(ref _waits);

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime != Timeout.InfiniteTimeSpan && dueTime <= MaxFastForward)
        {
            Interlocked.Add(ref _ticks, dueTime.Ticks);
            Interlocked.Increment(ref _waits);
            ThreadPool.QueueUserWorkItem(_ => callback(state));
        }

        return new InertTimer();
    }

    private sealed class InertTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => default;
    }
}
