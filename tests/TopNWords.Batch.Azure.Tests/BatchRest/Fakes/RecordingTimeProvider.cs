using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace TopNWords.Batch.Azure.Tests.BatchRest.Fakes;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that reports each timer it creates (the retry policy's waits), so a test can
/// read the requested delay and then advance the clock by exactly that much: no real sleep, no polling.
/// </summary>
internal sealed class RecordingTimeProvider : FakeTimeProvider
{
    /// <summary>Tue, 01 Jul 2025 12:00:00 GMT: the <c>ocp-date</c> of the signing vectors.</summary>
    public static readonly DateTimeOffset VectorTime = new(2025, 7, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

    public RecordingTimeProvider()
        : base(VectorTime)
    {
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ITimer timer = base.CreateTimer(callback, state, dueTime, period);
        _timers.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>Waits (in real time, at most 10 s, as a guard against a hang) for the next timer and returns its due time.</summary>
    public async Task<TimeSpan> NextTimerAsync()
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(10), TimeProvider.System);
        return await _timers.Reader.ReadAsync(guard.Token);
    }

    /// <summary>Whether a timer was created and not yet read by <see cref="NextTimerAsync"/>.</summary>
    public bool HasPendingTimer => _timers.Reader.TryPeek(out _);
}
