using System.Collections.Concurrent;
using TopNWords.Batch;

namespace TopNWords.Samples.Service;

/// <summary>
/// Owns the service's attachments: drives every run the service accepted to its end (<see cref="IBatchWorkflow.AttachAsync"/>)
/// and records its outcome. On start it re-attaches to the runs it had that have not ended, so a killed and restarted service
/// finishes them. On stop it detaches: the runs go on (with the local default, they resume when the service is back).
/// </summary>
internal sealed partial class RunDriver : IHostedService, IDisposable
{
    private readonly IBatchWorkflow _workflow;
    private readonly RunBook _book;
    private readonly ServiceSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger<RunDriver> _logger;
    private readonly ConcurrentDictionary<string, Attachment> _attached = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private FileStream? _lock;
    private Task _resume = Task.CompletedTask;

    public RunDriver(IBatchWorkflow workflow, RunBook book, ServiceSettings settings, TimeProvider time, ILogger<RunDriver> logger)
    {
        _time = time;
        _workflow = workflow;
        _book = book;
        _settings = settings;
        _logger = logger;
    }

    /// <summary>Gets a token cancelled when the service stops.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>
    /// Makes sure this service may drive the runs of its folders: it holds the service folder's lock for its lifetime, and (on
    /// the local default) owns the run folder. Called before the host starts, so that a refusal is one line, not a failed host.
    /// </summary>
    /// <exception cref="StartRefusedException">A folder is in use; the message says which and what to do.</exception>
    public void TakeOwnership()
    {
        string lockPath = Path.Combine(_settings.StatePath, "service.lock");
        try
        {
            _lock ??= new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new StartRefusedException($"The service folder '{_settings.StatePath}' is in use by another instance of the service (it holds '{lockPath}'). Stop it, or set Service:StateDirectory (or TopNWords:Local:RootDirectory) to another folder.", ex);
        }

        // The local default: one process owns a root at a time; a second one would only read it.
        if (_workflow is LocalBatchWorkflow { Compute.IsReadOnly: true } local)
        {
            throw new StartRefusedException($"The run folder '{local.RootDirectory}' is in use by process {local.Compute.OwnerProcessId}: the service must own it to drive runs. Stop that process, or set TopNWords:Local:RootDirectory to another folder.");
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        TakeOwnership();
        _resume = Task.Run(() => ResumeAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        var pending = _attached.Values.Select(a => a.Task).Append(_resume).ToArray();
        try
        {
            await Task.WhenAll(pending).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.DetachTimedOut(_logger, pending.Count(t => !t.IsCompleted));
        }
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _lock?.Dispose();
    }

    /// <summary>Starts driving a run in the background (nothing when it is driven already).</summary>
    public void Attach(string runId)
    {
        var attachment = new Attachment(CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token));
        if (_attached.TryAdd(runId, attachment))
        {
            attachment.Task = Task.Run(() => DriveAsync(runId, attachment), CancellationToken.None);
        }
        else
        {
            attachment.Detach.Dispose();
        }
    }

    /// <summary>Stops driving a run and keeps it from being driven until <see cref="Release"/>: the caller acts on it alone (a cancellation).</summary>
    public async Task HoldAsync(string runId, CancellationToken cancellationToken)
    {
        var hold = new Attachment(new CancellationTokenSource()) { Task = Task.CompletedTask, IsHold = true };
        while (!_attached.TryAdd(runId, hold))
        {
            if (_attached.TryGetValue(runId, out var current))
            {
                if (current.IsHold)
                {
                    // Another request acts on it: wait for it.
                    await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await current.Detach.CancelAsync().ConfigureAwait(false);
                await current.Task.ConfigureAwait(false); // never throws: DriveAsync catches everything
            }
        }
    }

    /// <summary>Lets the driver drive the run again.</summary>
    public void Release(string runId)
    {
        if (_attached.TryGetValue(runId, out var hold) && hold.IsHold && _attached.TryRemove(new KeyValuePair<string, Attachment>(runId, hold)))
        {
            hold.Detach.Dispose();
        }
    }

    /// <summary>The last progress the driver saw of a run it drives, or null.</summary>
    public BatchRunProgress? LastProgress(string runId) => _attached.TryGetValue(runId, out var a) ? a.Last : null;

    /// <summary>Re-attaches to the runs the service had: those the workflow still runs, and notes those that ended unseen.</summary>
    private async Task ResumeAsync(CancellationToken cancellationToken)
    {
        try
        {
            var records = (await _workflow.ListRunsAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(r => r.RunId, StringComparer.Ordinal);
            foreach (string runId in _book.ListRunIds())
            {
                if (_book.ReadResult(runId) is not null)
                {
                    continue;
                }

                var ticket = _book.ReadTicket(runId);
                if (records.ContainsKey(runId) && ticket is not null)
                {
                    // Running, or ended with its record kept: attaching drives it on, or returns its recorded result.
                    Log.Resuming(_logger, runId);
                    Attach(runId);
                }
                else if (ticket is not { Submitted: true })
                {
                    // Never accepted (the service stopped before the workflow had the run): nobody was told of it.
                    _book.Delete(runId);
                }
                else
                {
                    _book.WriteResult(Views.FromTicket(ticket, BatchRunState.Failed, BatchRunStage.Completed, default, "The run ended while the service was stopped, and its record is gone: its outcome is unknown.", finishedAt: null));
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.ResumeFailed(_logger, ex);
        }
    }

    private async Task DriveAsync(string runId, Attachment attachment)
    {
        var token = attachment.Detach.Token;
        var ticket = _book.ReadTicket(runId);
        try
        {
            if (ticket is null)
            {
                return;
            }

            var result = await _workflow.AttachAsync(runId, attachment, token).ConfigureAwait(false);
            _book.WriteResult(Views.FromResult(ticket, result));
            Log.Ended(_logger, runId, result.Succeeded ? BatchRunState.Succeeded : BatchRunState.Failed);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            Log.Detached(_logger, runId);
        }
        catch (BatchWorkflowException ex)
        {
            // The run failed or was cancelled: its record may be gone (cleanup deletes it), so the service keeps the outcome.
            var state = ex.InnerException is OperationCanceledException ? BatchRunState.Cancelled : BatchRunState.Failed;
            _book.WriteResult(Views.FromTicket(ticket!, state, BatchRunStage.Completed, attachment.Last?.Counts ?? default, ex.Message, _time.GetUtcNow()));
            Log.Ended(_logger, runId, state);
        }
        catch (BatchRunNotFoundException ex)
        {
            _book.WriteResult(Views.FromTicket(ticket!, BatchRunState.Failed, BatchRunStage.Completed, default, ex.Message, finishedAt: null));
            Log.Ended(_logger, runId, BatchRunState.Failed);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Another process drives it, or the backend failed: the run stays; a restart attaches again.
            Log.DriveFailed(_logger, runId, ex);
        }
        finally
        {
            _attached.TryRemove(new KeyValuePair<string, Attachment>(runId, attachment));
            attachment.Detach.Dispose();
        }
    }

    /// <summary>The service cannot start: its folder or the run folder is in use. The message says which and what to do.</summary>
    internal sealed class StartRefusedException : Exception
    {
        public StartRefusedException(string message, Exception? innerException = null)
            : base(message, innerException)
        {
        }
    }

    /// <summary>One run being driven (or held by a request that acts on it alone).</summary>
    private sealed class Attachment(CancellationTokenSource detach) : IProgress<BatchRunProgress>
    {
        private BatchRunProgress? _last;

        public CancellationTokenSource Detach { get; } = detach;

        public Task Task { get; set; } = Task.CompletedTask;

        public bool IsHold { get; init; }

        public BatchRunProgress? Last => Volatile.Read(ref _last);

        public void Report(BatchRunProgress value) => Volatile.Write(ref _last, value);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Re-attaching to run '{RunId}', which the service accepted before it stopped.")]
        public static partial void Resuming(ILogger logger, string runId);

        [LoggerMessage(2, LogLevel.Information, "Run '{RunId}' ended: {State}.")]
        public static partial void Ended(ILogger logger, string runId, BatchRunState state);

        [LoggerMessage(3, LogLevel.Information, "Detached from run '{RunId}': it goes on without the service.")]
        public static partial void Detached(ILogger logger, string runId);

        [LoggerMessage(4, LogLevel.Error, "Could not drive run '{RunId}'; the service attaches to it again when it restarts.")]
        public static partial void DriveFailed(ILogger logger, string runId, Exception exception);

        [LoggerMessage(5, LogLevel.Error, "Could not list the runs to re-attach to them.")]
        public static partial void ResumeFailed(ILogger logger, Exception exception);

        [LoggerMessage(6, LogLevel.Warning, "{Count} run(s) were still detaching when the shutdown timeout ran out.")]
        public static partial void DetachTimedOut(ILogger logger, int count);
    }
}
