using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json.Serialization;
using TopNWords.Batch.Compute;

namespace TopNWords.Batch;

/// <summary>
/// What a run is, written once into the run store when it is submitted (<c>manifest.json</c> in the run's record
/// container, <see cref="RunStore.ContainerOf"/>): everything another process needs to pick the run up by its id alone, and the
/// fingerprint (input names, sizes and SHA-256 hashes; the application; the arguments; the pool) that a resumed run must match.
/// </summary>
internal sealed class RunManifest
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required string RunId { get; init; }

    public required string LibraryVersion { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required string PoolId { get; init; }

    public required string JobId { get; init; }

    public required bool OwnsPool { get; init; }

    public required List<string> Containers { get; init; }

    public required List<ManifestInput> Inputs { get; init; }

    public required ManifestApplication Application { get; init; }

    public required List<string> TaskArguments { get; init; }

    public required PoolDefinition Pool { get; init; }

    public required WorkflowTimeouts Timeouts { get; init; }

    public CleanupPolicy Cleanup { get; init; }

    public required string OutputFilePattern { get; init; }

    public bool ParseTopWordsOutput { get; init; }

    public int MaxTaskRetryCount { get; init; }

    public TimeSpan? TaskMaxWallClockTime { get; init; }

    public required string DownloadDirectory { get; init; }

    /// <summary>Gets the reduce step, when the run has one (absent in manifests of runs without).</summary>
    public ManifestReduce? Reduce { get; init; }

    /// <summary>Gets a value indicating whether the tasks' own outputs are downloaded (absent, and so true, in manifests of runs without a reduce step).</summary>
    public bool? DownloadTaskOutputs { get; init; }

    /// <summary>The version of this library, as its informational version says (without the source revision).</summary>
    public static string ThisLibraryVersion { get; } =
        (typeof(RunManifest).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0").Split('+')[0];

    /// <summary>Describes <paramref name="run"/>, hashing every input and application file (in parallel).</summary>
    public static async Task<RunManifest> CreateAsync(RunState run, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var definition = run.Definition;
        var inputs = new ManifestInput[definition.Inputs.Count];
        var files = new ManifestFile[definition.Application.Files.Count];
        var work = Enumerable.Range(0, inputs.Length).Select(i => (Input: true, Index: i))
            .Concat(Enumerable.Range(0, files.Length).Select(i => (Input: false, Index: i)));
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, async (item, ct) =>
        {
            if (item.Input)
            {
                var input = definition.Inputs[item.Index];
                var (size, hash) = await HashAsync(input.FilePath, $"Input '{input.Name}'", ct).ConfigureAwait(false);
                inputs[item.Index] = new ManifestInput(input.Name, Path.GetFullPath(input.FilePath), size, hash, run.Outcomes[item.Index].TaskId);
            }
            else
            {
                var file = definition.Application.Files[item.Index];
                var (size, hash) = await HashAsync(file.LocalPath, $"Application file '{file.RelativePath}'", ct).ConfigureAwait(false);
                files[item.Index] = new ManifestFile(file.RelativePath, Path.GetFullPath(file.LocalPath), size, hash);
            }
        }).ConfigureAwait(false);

        return new RunManifest
        {
            RunId = run.Names.RunId,
            LibraryVersion = ThisLibraryVersion,
            CreatedAt = now,
            PoolId = run.PoolId,
            JobId = run.Names.JobId,
            OwnsPool = definition.Pool.ExistingPoolId is null,
            Containers = [run.Names.ApplicationContainer, run.Names.InputContainer, run.Names.OutputContainer],
            Inputs = [.. inputs],
            Application = new ManifestApplication(definition.Application.Name, [.. definition.Application.EntryPoint], [.. files]),
            TaskArguments = [.. definition.TaskArguments],
            Pool = definition.Pool,
            Timeouts = definition.Timeouts,
            Cleanup = definition.Cleanup,
            OutputFilePattern = definition.OutputFilePattern,
            ParseTopWordsOutput = definition.ParseTopWordsOutput,
            MaxTaskRetryCount = definition.MaxTaskRetryCount,
            TaskMaxWallClockTime = definition.TaskMaxWallClockTime,
            DownloadDirectory = run.DownloadDirectory,
            Reduce = definition.Reduce is { } r ? new ManifestReduce([.. r.Arguments], r.IntermediateFileName, r.OutputFileName, r.MaxInputsPerTask) : null,
            DownloadTaskOutputs = definition.DownloadTaskOutputs ? null : false,
        };
    }

    /// <summary>The definition this manifest describes, for a process that picks the run up by its id alone.</summary>
    public BatchRunDefinition ToDefinition()
    {
        var application = new TaskApplication(Application.Name, Application.Files.Select(f => new ApplicationFile(f.LocalPath, f.RelativePath)), Application.EntryPoint);
        return new BatchRunDefinition(Inputs.Select(i => new BatchInput(i.FilePath, i.Name)), application, TaskArguments)
        {
            RunId = RunId,
            Pool = Pool,
            Timeouts = Timeouts,
            Cleanup = Cleanup,
            OutputFilePattern = OutputFilePattern,
            ParseTopWordsOutput = ParseTopWordsOutput,
            MaxTaskRetryCount = MaxTaskRetryCount,
            TaskMaxWallClockTime = TaskMaxWallClockTime,
            DownloadDirectory = DownloadDirectory,
            Reduce = Reduce is { } r ? new ReduceDefinition(r.Arguments, r.IntermediateFileName, r.OutputFileName) { MaxInputsPerTask = r.MaxInputsPerTask } : null,
            DownloadTaskOutputs = DownloadTaskOutputs ?? true,
        };
    }

    /// <summary>
    /// The first difference that makes <paramref name="other"/> (the manifest of a definition submitted again under this run
    /// id) another run, or <see langword="null"/> when it is the same run: same inputs (names, sizes, hashes), application,
    /// arguments, pool and output rules. Timeouts, cleanup, the download folder and whether the tasks' own outputs are downloaded may change between attempts.
    /// </summary>
    public string? FindDifference(RunManifest other)
    {
        if (Inputs.Count != other.Inputs.Count)
        {
            return $"it has {Inputs.Count} input(s), this definition has {other.Inputs.Count}";
        }

        for (int i = 0; i < Inputs.Count; i++)
        {
            var (a, b) = (Inputs[i], other.Inputs[i]);
            if (a.Name != b.Name)
            {
                return $"its input #{i + 1} is '{a.Name}', this definition's is '{b.Name}'";
            }

            if (a.Size != b.Size || a.Sha256 != b.Sha256)
            {
                return $"input '{a.Name}' has changed since the run was submitted ({a.Size} bytes then, {b.Size} now, or other content)";
            }
        }

        if (Application.Name != other.Application.Name || !Application.EntryPoint.SequenceEqual(other.Application.EntryPoint)
            || Application.Files.Count != other.Application.Files.Count
            || Application.Files.Zip(other.Application.Files).Any(p => p.First.RelativePath != p.Second.RelativePath || p.First.Sha256 != p.Second.Sha256))
        {
            return $"its application '{Application.Name}' differs (entry point or files)";
        }

        if (!TaskArguments.SequenceEqual(other.TaskArguments))
        {
            return $"its task arguments differ ('{string.Join(' ', TaskArguments)}')";
        }

        if (Pool.ExistingPoolId != other.Pool.ExistingPoolId || Pool.NodeCount != other.Pool.NodeCount
            || Pool.TaskSlotsPerNode != other.Pool.TaskSlotsPerNode || Pool.VirtualMachineSize != other.Pool.VirtualMachineSize)
        {
            return $"its pool differs ({DescribePool(Pool)})";
        }

        if (OutputFilePattern != other.OutputFilePattern || ParseTopWordsOutput != other.ParseTopWordsOutput
            || MaxTaskRetryCount != other.MaxTaskRetryCount || TaskMaxWallClockTime != other.TaskMaxWallClockTime)
        {
            return "its output pattern, task retries or task time limit differ";
        }

        if (Reduce != other.Reduce)
        {
            return Reduce is null || other.Reduce is null
                ? $"it {(Reduce is null ? "has no" : "has a")} reduce step, this definition {(other.Reduce is null ? "has none" : "has one")}"
                : "its reduce step differs (arguments, file names or inputs per reduce task)";
        }

        return null;
    }

    private static string DescribePool(PoolDefinition pool) => pool.ExistingPoolId is { } id
        ? $"existing pool '{id}'"
        : string.Create(CultureInfo.InvariantCulture, $"{pool.NodeCount} node(s) of {pool.VirtualMachineSize ?? "the default size"}, {pool.TaskSlotsPerNode} slot(s) each");

    private static async Task<(long Size, string Sha256)> HashAsync(string path, string what, CancellationToken cancellationToken)
    {
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (stream.ConfigureAwait(false))
            {
                byte[] hash = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
                return (stream.Length, Convert.ToHexStringLower(hash));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{what} ('{path}') cannot be read: {ex.Message}", ex);
        }
    }
}

/// <summary>One input of a run's manifest.</summary>
internal sealed record ManifestInput(string Name, string FilePath, long Size, string Sha256, string TaskId);

/// <summary>The application of a run's manifest.</summary>
internal sealed record ManifestApplication(string Name, List<string> EntryPoint, List<ManifestFile> Files);

/// <summary>The reduce step of a run's manifest.</summary>
internal sealed record ManifestReduce(List<string> Arguments, string IntermediateFileName, string OutputFileName, int MaxInputsPerTask)
{
    public bool Equals(ManifestReduce? other) => other is not null && Arguments.SequenceEqual(other.Arguments)
        && IntermediateFileName == other.IntermediateFileName && OutputFileName == other.OutputFileName && MaxInputsPerTask == other.MaxInputsPerTask;

    public override int GetHashCode() => HashCode.Combine(IntermediateFileName, OutputFileName, MaxInputsPerTask);
}

/// <summary>One application file of a run's manifest.</summary>
internal sealed record ManifestFile(string RelativePath, string LocalPath, long Size, string Sha256);

/// <summary>
/// Where a run is, written by the one process attached to it (<c>&lt;run id&gt;/state.json</c>): its state and stage, which
/// stages are behind it, the holder of the attachment and until when, and when it ended, its result.
/// </summary>
internal sealed class RunRecord
{
    public BatchRunState State { get; set; } = BatchRunState.Running;

    public BatchRunStage Stage { get; set; }

    public bool Staged { get; set; }

    public bool TasksAdded { get; set; }

    public TaskCounts Counts { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public RunHolder? Holder { get; set; }

    public string? Failure { get; set; }

    /// <summary>Gets or sets the state the run ends in, recorded (with <see cref="Outcomes"/>) before its cleanup starts, so that a
    /// process killed during cleanup leaves a run that resumes straight into cleanup.</summary>
    public BatchRunState? EndState { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public List<string> CleanupFailures { get; set; } = [];

    /// <summary>Gets or sets the outcomes: read as a list; written from the run's own outcomes, each made as it is written
    /// (10,000 copies of the outcomes, made at once, would be most of the run's memory at its end).</summary>
    public IEnumerable<RecordedOutcome>? Outcomes { get; set; }

    public RecordedReduce? Reduce { get; set; }
}

/// <summary>A reduce step's outcome as a finished run's record keeps it.</summary>
internal sealed record RecordedReduce(string? OutputFile, TopWordsOutput? TopWords, string? Error)
{
    public static RecordedReduce? From(ReduceOutcome? o) => o is null ? null : new(o.OutputFile, o.TopWords, o.Error);

    public void ApplyTo(ReduceOutcome? o)
    {
        if (o is not null)
        {
            o.OutputFile = OutputFile;
            o.TopWords = TopWords;
            o.Error = Error;
        }
    }
}

/// <summary>The process attached to a run, and until when its attachment holds without a heartbeat.</summary>
internal sealed record RunHolder(string Host, int ProcessId, DateTimeOffset ProcessStartTime, DateTimeOffset Until)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"process {ProcessId} on host '{Host}'");
}

/// <summary>A task's outcome as a finished run's record keeps it.</summary>
internal sealed record RecordedOutcome(
    string TaskId,
    ComputeTaskState State,
    TaskExecutionResult? Result,
    int? ExitCode,
    int RetryCount,
    string? NodeId,
    DateTimeOffset? StartTime,
    DateTimeOffset? EndTime,
    TaskFailureInfo? FailureInfo,
    string? StderrTail,
    [property: JsonConverter(typeof(RecordedFilesJsonConverter))] IReadOnlyList<string> OutputFiles,
    string? OutputError,
    TopWordsOutput? TopWords)
{
    public static RecordedOutcome From(TaskOutcome o) =>
        new(o.TaskId, o.State, o.Result, o.ExitCode, o.RetryCount, o.NodeId, o.StartTime, o.EndTime, o.FailureInfo, o.StderrTail, o.OutputFiles, o.OutputError, o.TopWords);

    public void ApplyTo(TaskOutcome o)
    {
        o.State = State;
        o.Result = Result;
        o.ExitCode = ExitCode;
        o.RetryCount = RetryCount;
        o.NodeId = NodeId;
        o.StartTime = StartTime;
        o.EndTime = EndTime;
        o.FailureInfo = FailureInfo;
        o.StderrTail = StderrTail;
        o.OutputFiles = OutputFiles;
        o.OutputError = OutputError;
        o.TopWords = TopWords;
    }
}

/// <summary>The JSON of the run store (manifests and records), source-generated.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(TopWordListJsonConverter)])]
[JsonSerializable(typeof(RunManifest))]
[JsonSerializable(typeof(RunRecord))]
[JsonSerializable(typeof(RunCancelRequest))]
internal sealed partial class RunStoreJsonContext : JsonSerializerContext;

/// <summary>A request to cancel a run, written by whoever asked (<c>&lt;run id&gt;/cancel.json</c>).</summary>
internal sealed record RunCancelRequest(DateTimeOffset RequestedAt, string RequestedBy);
