namespace TopNWords.Batch.Compute;

/// <summary>A pool to create: nodes with task slots and an optional start task.</summary>
public sealed class PoolSpec
{
    /// <summary>Initializes a new instance of the <see cref="PoolSpec"/> class.</summary>
    /// <param name="id">The pool id: 1 to 64 letters, digits, hyphens and underscores.</param>
    /// <param name="nodeCount">How many nodes; at least 1.</param>
    public PoolSpec(string id, int nodeCount)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeCount, 1);
        Id = id;
        NodeCount = nodeCount;
    }

    /// <summary>Gets the pool id.</summary>
    public string Id { get; }

    /// <summary>Gets the number of (dedicated) nodes.</summary>
    public int NodeCount { get; }

    /// <summary>Gets or sets how many tasks run at once on each node.</summary>
    /// <value>The default value is 1.</value>
    public int TaskSlotsPerNode { get; set; } = 1;

    /// <summary>Gets or sets the start task each node runs when it joins the pool.</summary>
    /// <value>The default value is <see langword="null"/> (none).</value>
    public StartTaskSpec? StartTask { get; set; }

    /// <summary>Gets or sets the virtual machine size (Azure Batch; ignored by local compute).</summary>
    /// <value>The default value is <see langword="null"/>: the backend's default.</value>
    public string? VirtualMachineSize { get; set; }

    /// <summary>
    /// Gets name-value pairs stored with the pool and returned by <see cref="IBatchCompute.ListPoolsAsync"/> (Azure Batch
    /// pool metadata). The workflow marks the pools it creates here, so that a sweep recognises them.
    /// </summary>
    public IDictionary<string, string> Metadata { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>The task each node runs when it joins a pool, before any other task.</summary>
public sealed class StartTaskSpec
{
    /// <summary>Initializes a new instance of the <see cref="StartTaskSpec"/> class.</summary>
    /// <param name="commandLine">The command line, run without a shell unless it invokes one.</param>
    public StartTaskSpec(string commandLine)
    {
        ArgumentException.ThrowIfNullOrEmpty(commandLine);
        CommandLine = commandLine;
    }

    /// <summary>Gets the command line.</summary>
    public string CommandLine { get; }

    /// <summary>Gets the files fetched into the start task's working directory first.</summary>
    public IList<ResourceFile> ResourceFiles { get; } = [];

    /// <summary>Gets environment variables for the start task.</summary>
    public IDictionary<string, string> EnvironmentSettings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets a value indicating whether no task is scheduled on a node until its start task succeeded.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool WaitForSuccess { get; set; } = true;

    /// <summary>Gets or sets how many times a failed start task is retried.</summary>
    /// <value>The default value is 0.</value>
    public int MaxTaskRetryCount { get; set; }
}

/// <summary>
/// Files fetched into a task's working directory before it runs, from exactly one source (as Batch's <c>resourceFile</c>):
/// one file from a URL (<see cref="FromHttpUrl"/>), or every blob of a container whose name starts with a prefix
/// (<see cref="FromStorageContainer"/>), each written to <see cref="FilePath"/>/<c>&lt;blob name&gt;</c> with the
/// blob name's folders kept.
/// </summary>
public sealed record ResourceFile
{
    /// <summary>Initializes a new instance of the <see cref="ResourceFile"/> class: one file from a URL (same as <see cref="FromHttpUrl"/>).</summary>
    /// <param name="httpUrl">The URL (a read SAS, or a <c>file:</c> URL of local storage).</param>
    /// <param name="filePath">The file's path relative to the working directory; must not be absolute or contain <c>..</c>.</param>
    /// <remarks>As before container resource files, the arguments are checked when the task is added, not here.</remarks>
    public ResourceFile(Uri httpUrl, string filePath)
    {
        HttpUrl = httpUrl;
        FilePath = filePath;
    }

    [System.Text.Json.Serialization.JsonConstructor]
    internal ResourceFile(Uri? httpUrl, Uri? storageContainerUrl, string? blobPrefix, string? filePath)
    {
        HttpUrl = httpUrl;
        StorageContainerUrl = storageContainerUrl;
        BlobPrefix = blobPrefix;
        FilePath = filePath ?? string.Empty;
    }

    /// <summary>Gets the URL of the one file to fetch, or <see langword="null"/> for a container resource file.</summary>
    public Uri? HttpUrl { get; }

    /// <summary>
    /// Gets the URL of the container whose blobs are fetched (a SAS granting read and list, or a <c>file:</c> URL of
    /// local storage, see <see cref="Storage.IBlobStorage.GetContainerReadUrlAsync"/>), or <see langword="null"/> for a
    /// one-file resource file.
    /// </summary>
    public Uri? StorageContainerUrl { get; }

    /// <summary>Gets the prefix the fetched blobs' names start with (a partial name or a folder), or <see langword="null"/> for every blob of the container.</summary>
    public string? BlobPrefix { get; }

    /// <summary>
    /// Gets the path relative to the working directory: the file's path for <see cref="HttpUrl"/>; for
    /// <see cref="StorageContainerUrl"/> the folder the blobs are written under (empty for the working directory itself).
    /// </summary>
    public string FilePath { get; }

    /// <summary>Gets a value indicating whether this is a container resource file (<see cref="StorageContainerUrl"/>).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsContainer => StorageContainerUrl is not null;

    /// <summary>One file fetched from a URL.</summary>
    /// <param name="httpUrl">The URL (a read SAS, or a <c>file:</c> URL of local storage).</param>
    /// <param name="filePath">The file's path relative to the working directory; must not be absolute or contain <c>..</c>.</param>
    /// <returns>The resource file.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="httpUrl"/> or <paramref name="filePath"/> is <see langword="null"/>.</exception>
    public static ResourceFile FromHttpUrl(Uri httpUrl, string filePath)
    {
        ArgumentNullException.ThrowIfNull(httpUrl);
        ArgumentNullException.ThrowIfNull(filePath);
        return new(httpUrl, filePath);
    }

    /// <summary>Every blob of a container whose name starts with <paramref name="blobPrefix"/>, written under <paramref name="filePath"/> keeping the blob names' folders.</summary>
    /// <param name="containerUrl">The container's URL: it must grant read and list (<see cref="Storage.IBlobStorage.GetContainerReadUrlAsync"/>).</param>
    /// <param name="blobPrefix">The prefix the blobs' names start with, or <see langword="null"/> (or empty) for every blob.</param>
    /// <param name="filePath">The folder relative to the working directory, or <see langword="null"/> (or empty) for the working directory; must not be absolute or contain <c>..</c>.</param>
    /// <returns>The resource file.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="containerUrl"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="containerUrl"/> is not absolute.</exception>
    public static ResourceFile FromStorageContainer(Uri containerUrl, string? blobPrefix = null, string? filePath = null)
    {
        ArgumentNullException.ThrowIfNull(containerUrl);
        if (!containerUrl.IsAbsoluteUri)
        {
            throw new ArgumentException("The container URL of a resource file must be absolute (a container SAS URL, or a file: URL of local storage).", nameof(containerUrl));
        }

        return new ResourceFile(null, containerUrl, string.IsNullOrEmpty(blobPrefix) ? null : blobPrefix, filePath ?? string.Empty);
    }

    /// <summary>What the file is, for messages: its path, or its container (without the URL's query) and prefix.</summary>
    /// <returns>The description; never a signature.</returns>
    public override string ToString() => StorageContainerUrl is { } container
        ? $"resource file from container {container.GetLeftPart(UriPartial.Path)}{(BlobPrefix is null ? string.Empty : $" (prefix '{BlobPrefix}')")} into '{FilePath}'"
        : $"resource file '{FilePath}'";
}

/// <summary>A job: a set of tasks run on one pool.</summary>
public sealed class JobSpec
{
    /// <summary>Initializes a new instance of the <see cref="JobSpec"/> class.</summary>
    /// <param name="id">The job id: 1 to 64 letters, digits, hyphens and underscores.</param>
    /// <param name="poolId">The pool the job's tasks run on.</param>
    public JobSpec(string id, string poolId)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentException.ThrowIfNullOrEmpty(poolId);
        Id = id;
        PoolId = poolId;
    }

    /// <summary>Gets the job id.</summary>
    public string Id { get; }

    /// <summary>Gets the pool id.</summary>
    public string PoolId { get; }

    /// <summary>
    /// Gets name-value pairs stored with the job and returned by <see cref="IBatchCompute.ListJobsAsync"/> (Azure Batch
    /// job metadata). The workflow marks the jobs it creates here, so that a sweep recognises them.
    /// </summary>
    public IDictionary<string, string> Metadata { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Gets or sets a value indicating whether the job's tasks may depend on each other (<see cref="TaskSpec.DependsOn"/>;
    /// Azure Batch's <c>usesTaskDependencies</c>). A task with dependencies added to a job without it is refused with
    /// <see cref="BatchErrorCodes.TaskDependenciesNotSpecifiedOnJob"/>.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool UsesTaskDependencies { get; set; }
}

/// <summary>A task: one command line, its inputs, its outputs and its limits.</summary>
public sealed class TaskSpec
{
    /// <summary>Initializes a new instance of the <see cref="TaskSpec"/> class.</summary>
    /// <param name="id">The task id, unique in the job: 1 to 64 letters, digits, hyphens and underscores.</param>
    /// <param name="commandLine">The command line, run without a shell unless it invokes one.</param>
    public TaskSpec(string id, string commandLine)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentException.ThrowIfNullOrEmpty(commandLine);
        Id = id;
        CommandLine = commandLine;
    }

    /// <summary>Gets the task id.</summary>
    public string Id { get; }

    /// <summary>Gets the command line.</summary>
    public string CommandLine { get; }

    /// <summary>Gets the files fetched into the working directory before the task runs.</summary>
    public IList<ResourceFile> ResourceFiles { get; } = [];

    /// <summary>Gets environment variables for the task.</summary>
    public IDictionary<string, string> EnvironmentSettings { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets the files uploaded when the task ends.</summary>
    public IList<OutputFileSpec> OutputFiles { get; } = [];

    /// <summary>Gets or sets the task's limits.</summary>
    /// <value>The default value is <see langword="null"/>: no wall-clock limit, no retries.</value>
    public TaskConstraints? Constraints { get; set; }

    /// <summary>
    /// Gets or sets the tasks this task depends on (Azure Batch's <c>dependsOn</c>): it stays
    /// <see cref="ComputeTaskState.Active"/> and is not scheduled until every one of them has completed successfully
    /// (or failed with <see cref="TaskDependencyAction.Satisfy"/>). A dependency that fails blocks it: it stays active
    /// and never runs. A dependency on a task the job does not have yet waits until that task is added and completes.
    /// The job must have <see cref="JobSpec.UsesTaskDependencies"/>.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no dependencies.</value>
    public TaskDependencies? DependsOn { get; set; }

    /// <summary>
    /// Gets or sets what happens to the tasks that depend on this one when it fails (Azure Batch's
    /// <c>exitConditions.default.dependencyAction</c>). A success always satisfies them.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the service's default, <see cref="TaskDependencyAction.Block"/>.</value>
    public TaskDependencyAction? DependencyActionOnFailure { get; set; }
}

/// <summary>
/// The tasks a task depends on: ids, and ranges of ids that are integers (Azure Batch's <c>dependsOn</c>).
/// The ids together may hold at most <see cref="MaxTaskIdsLength"/> characters; use ranges for more.
/// </summary>
public sealed record TaskDependencies
{
    /// <summary>The most characters the <see cref="TaskIds"/> may hold together (the service's limit).</summary>
    public const int MaxTaskIdsLength = 64_000;

    /// <summary>Gets the ids of the tasks depended on.</summary>
    /// <value>The default value is empty.</value>
    public IReadOnlyList<string> TaskIds { get; init; } = [];

    /// <summary>Gets the ranges of task ids depended on: each covers the tasks whose ids are the integers from its start to its end.</summary>
    /// <value>The default value is empty.</value>
    public IReadOnlyList<TaskIdRange> TaskIdRanges { get; init; } = [];

    /// <summary>Gets dependencies on tasks by id.</summary>
    /// <param name="taskIds">The task ids.</param>
    /// <returns>The dependencies.</returns>
    public static TaskDependencies OnIds(params IEnumerable<string> taskIds) => new() { TaskIds = [.. taskIds] };

    /// <summary>Gets a dependency on the tasks whose ids are the integers from <paramref name="start"/> to <paramref name="end"/>.</summary>
    /// <param name="start">The first id.</param>
    /// <param name="end">The last id (inclusive).</param>
    /// <returns>The dependencies.</returns>
    public static TaskDependencies OnIdRange(int start, int end) => new() { TaskIdRanges = [new TaskIdRange(start, end)] };

    /// <summary>
    /// Checks the dependencies of a task as the service does: ids not empty, ranges with start at most end, and the ids
    /// together at most <see cref="MaxTaskIdsLength"/> characters.
    /// </summary>
    /// <param name="taskId">The dependent task's id, for the message.</param>
    /// <returns><see langword="null"/> when valid; otherwise the service's error code and a message naming the task.</returns>
    public (string ErrorCode, string Message)? Validate(string taskId)
    {
        long length = 0;
        foreach (string id in TaskIds ?? [])
        {
            if (string.IsNullOrEmpty(id))
            {
                return (BatchErrorCodes.InvalidPropertyValue, $"Task '{taskId}' depends on an empty task id. Name each task it depends on.");
            }

            length += id.Length;
        }

        if (length > MaxTaskIdsLength)
        {
            return (BatchErrorCodes.TaskDependencyListTooLong, $"Task '{taskId}' depends on {TaskIds!.Count} task ids of {length} characters together; at most {MaxTaskIdsLength} are allowed. Depend on ranges of integer task ids (TaskIdRanges) instead.");
        }

        foreach (var range in TaskIdRanges ?? [])
        {
            if (range is null)
            {
                return (BatchErrorCodes.InvalidPropertyValue, $"Task '{taskId}' has a null task id range.");
            }

            if (range.Start > range.End)
            {
                return (BatchErrorCodes.InvalidPropertyValue, $"Task '{taskId}' depends on the task id range {range.Start}..{range.End}, whose start is after its end. Give the smaller id first.");
            }
        }

        return null;
    }
}

/// <summary>A range of task ids that are integers, both ends included: <c>{ Start = 9, End = 12 }</c> is the tasks "9", "10", "11" and "12".</summary>
/// <param name="Start">The first id.</param>
/// <param name="End">The last id; not less than <paramref name="Start"/>.</param>
public sealed record TaskIdRange(int Start, int End);

/// <summary>What a task's failure does to the tasks that depend on it (Azure Batch's <c>dependencyAction</c>).</summary>
public enum TaskDependencyAction
{
    /// <summary>They stay active and never run (the service's default for a failure).</summary>
    Block = 0,

    /// <summary>The dependency counts as met, as a success does.</summary>
    Satisfy = 1,
}

/// <summary>Files a task uploads to a container when it ends.</summary>
public sealed class OutputFileSpec
{
    /// <summary>Initializes a new instance of the <see cref="OutputFileSpec"/> class.</summary>
    /// <param name="filePattern">A pattern relative to the working directory (<c>*</c>, <c>?</c>, <c>**</c> for any folders), e.g. <c>*_OUTPUT*</c>.</param>
    /// <param name="containerUrl">A container URL with create/write permission.</param>
    /// <param name="uploadCondition">When to upload.</param>
    public OutputFileSpec(string filePattern, Uri containerUrl, OutputUploadCondition uploadCondition)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePattern);
        ArgumentNullException.ThrowIfNull(containerUrl);
        FilePattern = filePattern;
        ContainerUrl = containerUrl;
        UploadCondition = uploadCondition;
    }

    /// <summary>Gets the file pattern.</summary>
    public string FilePattern { get; }

    /// <summary>Gets the container URL.</summary>
    public Uri ContainerUrl { get; }

    /// <summary>Gets when the files are uploaded.</summary>
    public OutputUploadCondition UploadCondition { get; }

    /// <summary>
    /// Gets or sets the blob path: for a pattern with wildcards, the virtual folder the matches go under
    /// (keeping their paths relative to the working directory); for a single file, the blob name.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the container's root.</value>
    public string? Path { get; set; }
}

/// <summary>When output files are uploaded.</summary>
public enum OutputUploadCondition
{
    /// <summary>Only when the task exits with code 0.</summary>
    TaskSuccess = 0,

    /// <summary>Only when the task fails.</summary>
    TaskFailure = 1,

    /// <summary>Whenever the task ends.</summary>
    TaskCompletion = 2,
}

/// <summary>A task's limits.</summary>
public sealed class TaskConstraints
{
    /// <summary>Gets or sets how long the task may run (per attempt) before it is killed, with all its processes.</summary>
    /// <value>The default value is <see langword="null"/>: no limit.</value>
    public TimeSpan? MaxWallClockTime { get; set; }

    /// <summary>Gets or sets how many times the task is retried after a non-zero exit code (-1: without limit).</summary>
    /// <value>The default value is 0.</value>
    public int MaxTaskRetryCount { get; set; }

    /// <summary>Gets or sets how long the task's folder is kept after it ends.</summary>
    /// <value>The default value is <see langword="null"/>: the backend's default.</value>
    public TimeSpan? RetentionTime { get; set; }
}

/// <summary>Which tasks <see cref="IBatchCompute.ListTasksAsync"/> returns.</summary>
public sealed class TaskListQuery
{
    /// <summary>Gets or sets the state to list, or <see langword="null"/> for every state.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public ComputeTaskState? State { get; set; }

    /// <summary>
    /// Gets or sets a time: only tasks whose state changed at or after it are listed. Backends may return
    /// more (never fewer); callers de-duplicate by task id.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public DateTimeOffset? StateChangedSince { get; set; }
}
