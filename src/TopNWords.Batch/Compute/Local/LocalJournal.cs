using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;

namespace TopNWords.Batch.Compute.Local;

// The journal of a durable local compute: <root>/state/journal.jsonl, one JSON object a line, appended (and
// handed to the operating system) for every change of the model, never rewritten. A new compute on the same
// root replays it to get the same pools, jobs and tasks back; a read-only compute replays what the owner wrote.

/// <summary>The kinds of journal records.</summary>
internal static class JournalKinds
{
    /// <summary>The first line of a journal file: its generation, new each time the file is compacted.</summary>
    public const string Header = "journal";
    public const string Pool = "pool";
    public const string PoolDeleted = "pool-deleted";
    public const string Node = "node";
    public const string Job = "job";
    public const string JobTerminated = "job-terminated";
    public const string JobDeleted = "job-deleted";
    public const string TaskAdded = "task-added";
    public const string Task = "task";
    public const string TaskExited = "task-exited";
    public const string TaskDeleted = "task-deleted";
}

/// <summary>One line of the journal: a kind, a time, the ids it is about and what changed.</summary>
internal sealed class JournalRecord
{
    public string Kind { get; set; } = string.Empty;

    public DateTimeOffset At { get; set; }

    public string? PoolId { get; set; }

    public string? JobId { get; set; }

    public string? TaskId { get; set; }

    public int? NodeCount { get; set; }

    public int? TaskSlotsPerNode { get; set; }

    public JournalCommand? StartTask { get; set; }

    public Dictionary<string, string>? Metadata { get; set; }

    /// <summary>Gets or sets, for a job, whether its tasks may depend on each other (absent: no).</summary>
    public bool? UsesTaskDependencies { get; set; }

    public JournalCommand? Spec { get; set; }

    public BatchTaskInfo? TaskState { get; set; }

    public ComputeNodeInfo? NodeState { get; set; }

    public int? ExitCode { get; set; }

    public TaskFailureInfo? Failure { get; set; }

    public bool? Succeeded { get; set; }

    public string? Generation { get; set; }
}

/// <summary>A task's or start task's definition as journaled.</summary>
internal sealed class JournalCommand
{
    public string? Id { get; set; }

    public List<string> Arguments { get; set; } = [];

    public List<ResourceFile> ResourceFiles { get; set; } = [];

    public List<JournalVariable> Environment { get; set; } = [];

    public List<JournalOutputFile>? OutputFiles { get; set; }

    public TimeSpan? MaxWallClockTime { get; set; }

    public int MaxTaskRetryCount { get; set; }

    public bool? WaitForSuccess { get; set; }

    public TaskDependencies? DependsOn { get; set; }

    public TaskDependencyAction? DependencyAction { get; set; }

    public static JournalCommand From(TaskDefinition task) => new()
    {
        DependsOn = task.DependsOn,
        DependencyAction = task.DependencyActionOnFailure == TaskDependencyAction.Block ? null : task.DependencyActionOnFailure,
        Id = task.Id,
        Arguments = [.. task.Arguments],
        ResourceFiles = [.. task.ResourceFiles],
        Environment = [.. task.Environment.Select(v => new JournalVariable(v.Key, v.Value))],
        OutputFiles = [.. task.OutputFiles.Select(o => new JournalOutputFile(o.Pattern.Text, o.ContainerUrl, o.Condition, o.Path))],
        MaxWallClockTime = task.MaxWallClockTime,
        MaxTaskRetryCount = task.MaxTaskRetryCount,
    };

    public static JournalCommand From(StartTaskDefinition startTask) => new()
    {
        Arguments = [.. startTask.Arguments],
        ResourceFiles = [.. startTask.ResourceFiles],
        Environment = [.. startTask.Environment.Select(v => new JournalVariable(v.Key, v.Value))],
        MaxTaskRetryCount = startTask.MaxTaskRetryCount,
        WaitForSuccess = startTask.WaitForSuccess,
    };

    public TaskDefinition ToTask() => new(
        Id ?? throw new InvalidDataException("A journaled task has no id."),
        [.. Arguments],
        [.. ResourceFiles],
        [.. Environment.Select(v => new KeyValuePair<string, string>(v.Name, v.Value))],
        [.. (OutputFiles ?? []).Select(o => new OutputFileDefinition(OutputFilePattern.Parse(o.Pattern), o.ContainerUrl, o.Condition, o.Path))],
        MaxWallClockTime,
        MaxTaskRetryCount)
    {
        DependsOn = DependsOn is { } dependsOn ? new TaskDependencies { TaskIds = [.. dependsOn.TaskIds ?? []], TaskIdRanges = [.. dependsOn.TaskIdRanges ?? []] } : null,
        DependencyActionOnFailure = DependencyAction ?? TaskDependencyAction.Block,
    };

    public StartTaskDefinition ToStartTask() => new(
        [.. Arguments],
        [.. ResourceFiles],
        [.. Environment.Select(v => new KeyValuePair<string, string>(v.Name, v.Value))],
        WaitForSuccess ?? true,
        MaxTaskRetryCount);
}

/// <summary>An environment setting as journaled.</summary>
/// <param name="Name">The name.</param>
/// <param name="Value">The value.</param>
internal sealed record JournalVariable(string Name, string Value);

/// <summary>An output file spec as journaled.</summary>
/// <param name="Pattern">The file pattern.</param>
/// <param name="ContainerUrl">The container URL.</param>
/// <param name="Condition">When to upload.</param>
/// <param name="Path">The blob name or virtual folder.</param>
internal sealed record JournalOutputFile(string Pattern, Uri ContainerUrl, OutputUploadCondition Condition, string? Path);

/// <summary>The journal's JSON (source-generated).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = false, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JournalRecord))]
internal sealed partial class LocalJournalJsonContext : JsonSerializerContext
{
}

/// <summary>Appends records to the journal file, one line each, handed to the operating system at once.</summary>
internal sealed class LocalJournalWriter : IDisposable
{
    private const int LineCapacityKept = 256 * 1024;

    private readonly FileStream _file;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private ArrayBufferWriter<byte> _line = new(1024);
    private Utf8JsonWriter? _json;
    private bool _failed;

    /// <summary>Initializes a new instance of the <see cref="LocalJournalWriter"/> class, appending after <paramref name="length"/> bytes (a torn last line past it is cut).</summary>
    public LocalJournalWriter(string path, long length, ILogger logger)
    {
        _logger = logger;
        _file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read | FileShare.Delete, bufferSize: 0);
        if (_file.Length != length)
        {
            _file.SetLength(length);
        }

        _file.Seek(length, SeekOrigin.Begin);
        if (length == 0)
        {
            Append(NewHeader());
        }
    }

    /// <summary>
    /// Replaces the journal with one that holds only what the model holds now (pools, jobs, tasks with their specs,
    /// states and journaled exits; nothing of deleted pools, jobs and tasks), under a new generation: written to a
    /// temporary file, flushed to disk, then renamed over the journal, so that a crash leaves the old or the new one.
    /// Called by a new owner, with the state's lock held, before anything runs.
    /// </summary>
    /// <param name="path">The journal file.</param>
    /// <param name="state">The model, rebuilt from the journal.</param>
    /// <returns>The length of the new journal.</returns>
    public static long Compact(string path, LocalComputeState state)
    {
        string temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 64 * 1024))
        {
            void Write(JournalRecord record)
            {
                JsonSerializer.Serialize(file, record, LocalJournalJsonContext.Default.JournalRecord);
                file.WriteByte((byte)'\n');
            }

            Write(NewHeader());
            foreach (var pool in state.Pools.Values)
            {
                Write(new JournalRecord
                {
                    Kind = JournalKinds.Pool,
                    At = pool.CreationTime,
                    PoolId = pool.Id,
                    NodeCount = pool.NodeCount,
                    TaskSlotsPerNode = pool.TaskSlotsPerNode,
                    StartTask = pool.StartTask is null ? null : JournalCommand.From(pool.StartTask),
                    Metadata = new(pool.Metadata, StringComparer.Ordinal),
                });
            }

            foreach (var job in state.Jobs.Values)
            {
                Write(new JournalRecord { Kind = JournalKinds.Job, At = job.CreationTime, JobId = job.Id, PoolId = job.PoolId, Metadata = new(job.Metadata, StringComparer.Ordinal), UsesTaskDependencies = job.UsesTaskDependencies ? true : null });
                if (job.Status == JobStatus.Terminated)
                {
                    Write(new JournalRecord { Kind = JournalKinds.JobTerminated, At = job.CreationTime, JobId = job.Id });
                }

                foreach (var task in job.Order)
                {
                    Write(new JournalRecord { Kind = JournalKinds.TaskAdded, At = task.TransitionTime, JobId = job.Id, TaskId = task.Definition.Id, Spec = JournalCommand.From(task.Definition) });
                    Write(new JournalRecord { Kind = JournalKinds.Task, At = task.TransitionTime, JobId = job.Id, TaskId = task.Definition.Id, TaskState = LocalComputeState.SnapshotLocked(task) });
                    if (task.PendingExit is { } exited)
                    {
                        Write(exited);
                    }
                }
            }

            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        return new FileInfo(path).Length;
    }

    private static JournalRecord NewHeader() => new() { Kind = JournalKinds.Header, At = TimeProvider.System.GetUtcNow(), Generation = Guid.NewGuid().ToString("N") };

    /// <summary>Appends a record; a failure to write is logged (once) and the compute goes on in memory.</summary>
    public void Append(JournalRecord record)
    {
        lock (_gate)
        {
            if (_failed)
            {
                return;
            }

            try
            {
                // The line is made in one buffer kept for the next (a task's few records a second allocate nothing).
                if (_line.Capacity > LineCapacityKept)
                {
                    _line = new ArrayBufferWriter<byte>(1024);
                    _json = null;
                }

                _line.ResetWrittenCount();
                if (_json is null)
                {
                    _json = new Utf8JsonWriter(_line);
                }
                else
                {
                    _json.Reset(_line);
                }

                JsonSerializer.Serialize(_json, record, LocalJournalJsonContext.Default.JournalRecord);
                _line.GetSpan(1)[0] = (byte)'\n';
                _line.Advance(1);
                _file.Write(_line.WrittenSpan); // one write: a reader sees the whole line or none of it
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or UnauthorizedAccessException)
            {
                _failed = true;
                LocalComputeLog.JournalWriteFailed(_logger, _file.Name, ex);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _json?.Dispose();
            _file.Dispose();
        }
    }
}

/// <summary>Reads the journal's complete lines from where it stopped last time.</summary>
internal sealed class LocalJournalReader(string path)
{
    private byte[]? _header;

    /// <summary>Gets the offset after the last complete line read.</summary>
    public long Offset { get; private set; }

    /// <summary>Reads the records appended since the last call.</summary>
    /// <param name="reset">Set when the file is shorter than what was read (it was replaced): the caller starts over; the records are then from the start.</param>
    /// <returns>The new records.</returns>
    public List<JournalRecord> ReadNew(out bool reset)
    {
        reset = false;
        var records = new List<JournalRecord>();
        if (!File.Exists(path))
        {
            return records;
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
        long length = file.Length;
        if (Offset > 0 && (length < Offset || !StartsWithHeader(file)))
        {
            reset = true; // compacted by a new owner: a new file, read from its start
            Offset = 0;
            _header = null;
        }

        if (length == Offset)
        {
            return records;
        }

        file.Seek(Offset, SeekOrigin.Begin);
        byte[] buffer = new byte[length - Offset];
        file.ReadExactly(buffer);
        int start = 0;
        while (true)
        {
            int end = Array.IndexOf(buffer, (byte)'\n', start);
            if (end < 0)
            {
                break; // a line still being written (or torn): read it next time
            }

            if (end > start)
            {
                try
                {
                    var record = JsonSerializer.Deserialize(buffer.AsSpan(start, end - start), LocalJournalJsonContext.Default.JournalRecord);
                    if (record is not null)
                    {
                        records.Add(record);
                    }
                }
                catch (JsonException ex)
                {
                    throw new InvalidDataException($"The journal '{path}' has an unreadable line at byte {Offset + start}: {ex.Message} Move the root folder's 'state' folder away to start afresh (its pools, jobs and tasks are then forgotten).", ex);
                }
            }

            start = end + 1;
        }

        if (Offset == 0 && start > 0)
        {
            _header = buffer[..Array.IndexOf(buffer, (byte)'\n')];
        }

        Offset += start;
        return records;
    }

    private bool StartsWithHeader(FileStream file)
    {
        if (_header is null)
        {
            return true;
        }

        byte[] first = new byte[_header.Length];
        file.Seek(0, SeekOrigin.Begin);
        return file.Length >= first.Length && file.ReadAtLeast(first, first.Length, throwOnEndOfStream: false) == first.Length && first.AsSpan().SequenceEqual(_header);
    }
}
