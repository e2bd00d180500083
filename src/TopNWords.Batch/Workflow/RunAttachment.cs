using TopNWords.Batch.Internal;

namespace TopNWords.Batch;

/// <summary>
/// This process's attachment to a run: it owns the run's record (<c>state.json</c>) while it lasts, writes it at each
/// milestone and on a heartbeat (<see cref="BatchWorkflowOptions.HeartbeatInterval"/>), and on each beat looks for a
/// cancellation request from another process, which then cancels <see cref="CancelRequested"/>.
/// </summary>
internal sealed class RunAttachment : IAsyncDisposable
{
    private readonly WorkflowContext _context;
    private readonly RunStore _store;
    private readonly RunState _run;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly CancellationTokenSource _cancelRequested = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _heartbeat;
    private bool _recordDeleted;

    private RunAttachment(WorkflowContext context, RunStore store, RunState run, RunRecord record)
    {
        _context = context;
        _store = store;
        _run = run;
        Record = record;
    }

    public RunRecord Record { get; }

    /// <summary>Gets a token cancelled when another process asked to cancel the run.</summary>
    public CancellationToken CancelRequested => _cancelRequested.Token;

    /// <summary>Gets who asked to cancel, once someone did.</summary>
    public string? CancelRequestedBy { get; private set; }

    private TimeSpan Lease => _context.Options.HeartbeatInterval * 3;

    /// <summary>
    /// Attaches this process to <paramref name="run"/>: refuses when another live process holds it, else takes it over (a
    /// killed holder on this host at once; one on another host once its heartbeat lapsed) and starts the heartbeat.
    /// </summary>
    public static async Task<RunAttachment> AcquireAsync(WorkflowContext context, RunStore store, RunState run, RunRecord? record, CancellationToken cancellationToken)
    {
        record ??= new RunRecord();
        var now = context.Time.GetUtcNow();
        if (RunStore.IsLive(record.Holder, now) && !IsMe(record.Holder!))
        {
            throw new InvalidOperationException(
                $"Run '{run.Names.RunId}' is attached to {record.Holder} (its heartbeat holds until {record.Holder!.Until:u}). Only one process drives a run: wait for it, ask for its status, or cancel the run; a killed holder on another host lets go when its heartbeat lapses.");
        }

        var attachment = new RunAttachment(context, store, run, record);
        record.Holder = RunStore.Me(now + attachment.Lease);
        record.Stage = run.Stage;
        await store.WriteRecordAsync(run.Names.RunId, record, cancellationToken).ConfigureAwait(false);
        attachment._heartbeat = attachment.BeatAsync();
        return attachment;
    }

    /// <summary>Writes the record now, with the run's stage and counts.</summary>
    public async Task SaveAsync(CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Record.Stage = _run.Stage;
            Record.Counts = _run.Counts;
            if (Record.Holder is { } holder)
            {
                Record.Holder = holder with { Until = _context.Time.GetUtcNow() + Lease };
            }

            await _store.WriteRecordAsync(_run.Names.RunId, Record, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>
    /// Deletes the run's record container (the run ended and its cleanup deleted everything else): stops the heartbeat first,
    /// and nothing is written afterwards. A failure to delete is logged; the record then stays, as that of an ended run.
    /// </summary>
    public async Task<bool> DeleteRecordAsync(CancellationToken cancellationToken)
    {
        await StopHeartbeatAsync().ConfigureAwait(false);
        string container = $"container '{RunStore.ContainerOf(_run.Names.RunId)}'";
        try
        {
            await _store.DeleteAsync(_run.Names.RunId, cancellationToken).ConfigureAwait(false);
            _recordDeleted = true;
            WorkflowLog.Deleted(_context.Logger, _run.Names.RunId, container);
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            WorkflowLog.CleanupFailed(_context.Logger, _run.Names.RunId, container, SecretRedaction.RedactText(ex.Message));
            return false;
        }
    }

    /// <summary>Stops the heartbeat and lets go of the run, writing the record a last time (bounded by the Cleanup timeout).</summary>
    public async ValueTask DisposeAsync()
    {
        await StopHeartbeatAsync().ConfigureAwait(false);
        if (_recordDeleted)
        {
            DisposeResources();
            return;
        }

        Record.Holder = null;
        using var cts = new CancellationTokenSource(_run.Definition.Timeouts.Cleanup, _context.Time);
        try
        {
            await SaveAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            WorkflowLog.HeartbeatFailed(_context.Logger, _run.Names.RunId, SecretRedaction.RedactText(ex.Message));
        }

        DisposeResources();
    }

    private async Task StopHeartbeatAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }

        if (_heartbeat is not null)
        {
            await _heartbeat.ConfigureAwait(false);
        }
    }

    private void DisposeResources()
    {
        _cancelRequested.Dispose();
        _stop.Dispose();
        _writeGate.Dispose();
    }

    private static bool IsMe(RunHolder holder) =>
        holder.ProcessId == Environment.ProcessId && string.Equals(holder.Host, Environment.MachineName, StringComparison.OrdinalIgnoreCase);

    private async Task BeatAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                // Real time, not the workflow's clock: the heartbeat says that this process is alive.
                await Task.Delay(_context.Options.HeartbeatInterval, TimeProvider.System, token).ConfigureAwait(false);
                if (!_cancelRequested.IsCancellationRequested && await _store.ReadCancelAsync(_run.Names.RunId, token).ConfigureAwait(false) is { } request)
                {
                    CancelRequestedBy = request.RequestedBy;
                    WorkflowLog.CancelRequested(_context.Logger, _run.Names.RunId, request.RequestedBy, _run.Names.JobId);
                    await _cancelRequested.CancelAsync().ConfigureAwait(false);
                }

                await SaveAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                WorkflowLog.HeartbeatFailed(_context.Logger, _run.Names.RunId, SecretRedaction.RedactText(ex.Message));
            }
        }
    }
}
