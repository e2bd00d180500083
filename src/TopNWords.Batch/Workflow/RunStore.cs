using System.Diagnostics;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch;

/// <summary>
/// The durable side of runs, in the workflow's own storage: per run, one container <c>&lt;run id&gt;-run</c> (its record)
/// beside the run's three data containers, with <c>manifest.json</c> (written once at submit), <c>state.json</c> (written only
/// by the process attached to the run) and <c>cancel.json</c> (written by whoever cancels). A run whose cleanup deleted all it
/// made deletes its record container last, so a clean run leaves nothing behind. Every call goes through the workflow's
/// resilience pipeline.
/// </summary>
internal sealed class RunStore
{
    /// <summary>The suffix of a run's record container (<c>&lt;run id&gt;-run</c>).</summary>
    public const string ContainerSuffix = "-run";

    private const string ManifestBlob = "manifest.json";
    private const string StateBlob = "state.json";
    private const string CancelBlob = "cancel.json";

    private readonly WorkflowContext _context;

    public RunStore(WorkflowContext context)
    {
        _context = context;
    }

    private IBlobStorage Storage => _context.Storage;

    /// <summary>Writes the manifest of a new run. Returns the manifest already stored under that id instead, when there is one.</summary>
    public async Task<RunManifest?> CreateManifestAsync(RunManifest manifest, CancellationToken cancellationToken)
    {
        await _context.CallAsync(manifest.RunId, WorkflowOperation.CreateContainer, $"create container '{ContainerOf(manifest.RunId)}'", ct => Storage.CreateContainerIfNotExistsAsync(ContainerOf(manifest.RunId), ct), null, cancellationToken).ConfigureAwait(false);
        bool written = await WriteAsync(manifest.RunId, ManifestBlob, manifest, RunStoreJsonContext.Default.RunManifest, overwrite: false, cancellationToken).ConfigureAwait(false);
        return written ? null : await ReadAsync(manifest.RunId, ManifestBlob, RunStoreJsonContext.Default.RunManifest, cancellationToken).ConfigureAwait(false);
    }

    public Task<RunManifest?> ReadManifestAsync(string runId, CancellationToken cancellationToken)
        => ReadAsync(runId, ManifestBlob, RunStoreJsonContext.Default.RunManifest, cancellationToken);

    public Task<RunRecord?> ReadRecordAsync(string runId, CancellationToken cancellationToken)
        => ReadAsync(runId, StateBlob, RunStoreJsonContext.Default.RunRecord, cancellationToken);

    public async Task WriteRecordAsync(string runId, RunRecord record, CancellationToken cancellationToken)
    {
        record.UpdatedAt = _context.Time.GetUtcNow();
        await WriteAsync(runId, StateBlob, record, RunStoreJsonContext.Default.RunRecord, overwrite: true, cancellationToken).ConfigureAwait(false);
    }

    public Task RequestCancelAsync(string runId, RunCancelRequest request, CancellationToken cancellationToken)
        => WriteAsync(runId, CancelBlob, request, RunStoreJsonContext.Default.RunCancelRequest, overwrite: true, cancellationToken);

    public Task<RunCancelRequest?> ReadCancelAsync(string runId, CancellationToken cancellationToken)
        => ReadAsync(runId, CancelBlob, RunStoreJsonContext.Default.RunCancelRequest, cancellationToken);

    /// <summary>The record container of a run.</summary>
    public static string ContainerOf(string runId) => runId + ContainerSuffix;

    /// <summary>Lists the ids of the runs that have a record container, in name order.</summary>
    public async Task<List<string>> ListRunIdsAsync(CancellationToken cancellationToken)
    {
        var containers = await _context.CallAsync("*", WorkflowOperation.ListContainers, $"list the containers of '{Storage.DisplayName}'", ct => Storage.ListContainersAsync(null, ct).ToListAsync(ct).AsTask(), null, cancellationToken).ConfigureAwait(false);
        var ids = containers.Where(c => c.EndsWith(ContainerSuffix, StringComparison.Ordinal)).Select(c => c[..^ContainerSuffix.Length]).Where(id => RunNames.ValidateRunId(id) is null).ToList();
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    /// <summary>Deletes a run's record container (manifest, state and cancel request).</summary>
    public Task<bool> DeleteAsync(string runId, CancellationToken cancellationToken)
        => _context.CallAsync(runId, WorkflowOperation.DeleteContainer, $"delete container '{ContainerOf(runId)}'", ct => Storage.DeleteContainerIfExistsAsync(ContainerOf(runId), ct), null, cancellationToken);

    /// <summary>This process as a holder of an attachment that lasts until <paramref name="until"/>.</summary>
    public static RunHolder Me(DateTimeOffset until)
    {
        using var process = Process.GetCurrentProcess();
        return new RunHolder(Environment.MachineName, Environment.ProcessId, process.StartTime.ToUniversalTime(), until);
    }

    /// <summary>
    /// Whether <paramref name="holder"/> still holds its attachment at <paramref name="now"/>: it has not expired, and when it is
    /// a process of this host, that process (the same pid started at the same time) is alive. A killed client's attachment on
    /// this host is over at once; on another host it is over when its heartbeat lapses.
    /// </summary>
    public static bool IsLive(RunHolder? holder, DateTimeOffset now)
    {
        if (holder is null || holder.Until <= now)
        {
            return false;
        }

        if (!string.Equals(holder.Host, Environment.MachineName, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (holder.ProcessId == Environment.ProcessId)
        {
            return true;
        }

        try
        {
            using var process = Process.GetProcessById(holder.ProcessId);
            return !process.HasExited && Math.Abs((process.StartTime.ToUniversalTime() - holder.ProcessStartTime).TotalSeconds) < 1;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return false; // no such process
        }
    }

    private async Task<T?> ReadAsync<T>(string runId, string blob, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        string container = ContainerOf(runId);
        string name = $"{container}/{blob}";
        try
        {
            return await _context.CallAsync(
                runId,
                WorkflowOperation.ReadRecord,
                $"read blob '{blob}' of container '{container}'",
                async ct =>
                {
                    var stream = await Storage.OpenReadAsync(container, blob, ct).ConfigureAwait(false);
                    await using (stream.ConfigureAwait(false))
                    {
                        return await JsonSerializer.DeserializeAsync(stream, type, ct).ConfigureAwait(false);
                    }
                },
                null,
                cancellationToken).ConfigureAwait(false);
        }
        catch (BlobStorageException ex) when (ex.Kind == BlobStorageErrorKind.NotFound)
        {
            return null;
        }
        catch (JsonException ex)
        {
            throw new BatchWorkflowException(BatchRunStage.Staging, runId, $"The record '{name}' of run '{runId}' in storage '{Storage.DisplayName}' is not valid JSON ({ex.Message}). Delete the run's record (SweepAsync) or fix the blob.", ex);
        }
    }

    private async Task<bool> WriteAsync<T>(string runId, string blob, T value, JsonTypeInfo<T> type, bool overwrite, CancellationToken cancellationToken)
    {
        string container = ContainerOf(runId);
        var options = new BlobStorageUploadOptions { Overwrite = overwrite, ContentType = "application/json" };
        try
        {
            await _context.CallAsync(
                runId,
                WorkflowOperation.WriteRecord,
                $"write blob '{blob}' of container '{container}'",
                ct => UploadJsonAsync(Storage, container, blob, value, type, options, ct),
                null,
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (BlobStorageException ex) when (!overwrite && ex.Kind == BlobStorageErrorKind.AlreadyExists)
        {
            return false;
        }
    }

    /// <summary>
    /// Uploads the JSON of <paramref name="value"/> as it is written, through a pipe: never a whole byte array in memory. A record
    /// with the outcomes of 10,000 tasks is about 10 MB of JSON, which a serialization to one array made three large-object-heap
    /// arrays (the serializer's buffer, doubled as it grew, and the copy), held until a full collection: tens of MB per write.
    /// </summary>
    internal static async Task<BlobUploadResult> UploadJsonAsync<T>(IBlobStorage storage, string container, string blob, T value, JsonTypeInfo<T> type, BlobStorageUploadOptions options, CancellationToken cancellationToken)
    {
        var pipe = new Pipe();
        var writing = WriteJsonAsync(pipe.Writer, value, type, cancellationToken);
        try
        {
            var content = pipe.Reader.AsStream(leaveOpen: true);
            await using (content.ConfigureAwait(false))
            {
                return await storage.UploadAsync(container, blob, content, options, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            // A storage that returns without reading it all (a failure) ends the writer: its writes go nowhere, and it ends.
            await pipe.Reader.CompleteAsync().ConfigureAwait(false);
            await writing.ConfigureAwait(false);
        }
    }

    /// <summary>Serializes into the pipe and completes it; a failure (or cancellation) is handed to the reader, which throws it.</summary>
    private static async Task WriteJsonAsync<T>(PipeWriter writer, T value, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        try
        {
            await JsonSerializer.SerializeAsync(writer, value, type, cancellationToken).ConfigureAwait(false);
            await writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await writer.CompleteAsync(ex).ConfigureAwait(false);
        }
    }
}
