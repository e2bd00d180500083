namespace TopNWords.Batch.Internal;

/// <summary>
/// Tracks work started in the background, so that its owner can wait for all of it when it is disposed.
/// Work runs on the thread pool, and the task <see cref="Start"/> returns never faults: an exception that the
/// owner calls part of its shutdown is ignored, any other is reported to the owner's failure callback.
/// </summary>
/// <remarks>
/// Thread-safe: the tracker's own lock is held only to add and remove entries, and no callback runs under it,
/// so it may be called while the owner holds its own lock. The work is added before it can end, so it is
/// never missed by <see cref="WaitForAllAsync"/>.
/// This source file is compiled into TopNWords.Batch (the local compute engine) and TopNWords.Batch.Emulator
/// (the emulator's state), internal in both.
/// </remarks>
internal sealed class BackgroundWork
{
    private readonly Lock _gate = new();
    private readonly Dictionary<long, Task> _running = [];
    private readonly Func<Exception, bool> _isShutdown;
    private readonly Action<Exception, string?> _onFailure;
    private long _nextId;

    /// <summary>Initializes a new instance of the <see cref="BackgroundWork"/> class.</summary>
    /// <param name="isShutdown">Whether an exception only says that the owner is shutting down (it is ignored).</param>
    /// <param name="onFailure">Reports any other exception, with the work's description.</param>
    public BackgroundWork(Func<Exception, bool> isShutdown, Action<Exception, string?> onFailure)
    {
        _isShutdown = isShutdown;
        _onFailure = onFailure;
    }

    /// <summary>Starts work on the thread pool and tracks it until it ends.</summary>
    /// <param name="work">The work.</param>
    /// <param name="description">What the work does, for the failure callback.</param>
    /// <returns>A task that completes, never faulted, when the work has ended.</returns>
    public Task Start(Func<Task> work, string? description = null)
    {
        lock (_gate)
        {
            long id = ++_nextId;
            var task = Task.Run(() => RunAsync(id, work, description));
            _running.Add(id, task); // under the lock, so the work cannot untrack itself before it is tracked
            return task;
        }
    }

    /// <summary>Waits until no tracked work is left, including work started while waiting.</summary>
    /// <returns>A task that completes when all work has ended.</returns>
    public async Task WaitForAllAsync()
    {
        while (true)
        {
            Task[] pending;
            lock (_gate)
            {
                pending = [.. _running.Values];
            }

            if (pending.Length == 0)
            {
                return;
            }

            await Task.WhenAll(pending).ConfigureAwait(false); // tracked work never throws
        }
    }

    private async Task RunAsync(long id, Func<Task> work, string? description)
    {
        try
        {
            await work().ConfigureAwait(false);
        }
        catch (Exception ex) when (_isShutdown(ex))
        {
            // the owner is shutting down
        }
        catch (Exception ex)
        {
            _onFailure(ex, description);
        }
        finally
        {
            lock (_gate)
            {
                _running.Remove(id);
            }
        }
    }
}
