using System.IO.Enumeration;
using TopNWords.Batch.Storage.Local;

namespace TopNWords.Batch;

/// <summary>What a run does: the inputs, the task application, each task's arguments, the pool and the policies.</summary>
public sealed class BatchRunDefinition
{
    /// <summary>The placeholder in <see cref="TaskArguments"/> replaced by the input file's path in the task's working directory.</summary>
    public const string InputPlaceholder = "{input}";

    /// <summary>The placeholder in <see cref="TaskArguments"/> replaced by the input's name (<see cref="BatchInput.Name"/>: for a file
    /// found under a folder, its <c>/</c>-separated path relative to that folder).</summary>
    public const string InputNamePlaceholder = "{inputName}";

    /// <summary>Initializes a new instance of the <see cref="BatchRunDefinition"/> class.</summary>
    /// <param name="inputs">The inputs: one task each.</param>
    /// <param name="application">The application every task runs.</param>
    /// <param name="taskArguments">The arguments after the application's entry point; <see cref="InputPlaceholder"/>
    /// and <see cref="InputNamePlaceholder"/> are replaced per input. Each is passed literally: never interpreted by a shell.</param>
    public BatchRunDefinition(IEnumerable<BatchInput> inputs, TaskApplication application, IEnumerable<string> taskArguments)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(application);
        ArgumentNullException.ThrowIfNull(taskArguments);
        Inputs = [.. inputs];
        Application = application;
        TaskArguments = [.. taskArguments];
    }

    /// <summary>Gets the inputs.</summary>
    public IReadOnlyList<BatchInput> Inputs { get; }

    /// <summary>Gets the application every task runs.</summary>
    public TaskApplication Application { get; }

    /// <summary>Gets the arguments after the application's entry point.</summary>
    public IReadOnlyList<string> TaskArguments { get; }

    /// <summary>Gets or sets the pool: the shape of the run's own pool, or a caller-owned pool to reuse.</summary>
    /// <value>The default value is a new pool of 2 nodes with 1 task slot each.</value>
    public PoolDefinition Pool { get; set; } = new();

    /// <summary>Gets or sets the named timeouts.</summary>
    /// <value>The default value is <see cref="WorkflowTimeouts"/>' defaults.</value>
    public WorkflowTimeouts Timeouts { get; set; } = new();

    /// <summary>Gets or sets what is deleted at the end.</summary>
    /// <value>The default value is <see cref="CleanupPolicy.Always"/>.</value>
    public CleanupPolicy Cleanup { get; set; } = CleanupPolicy.Always;

    /// <summary>Gets or sets the pattern, relative to a task's working directory, of the files collected as its output.</summary>
    /// <value>The default value is <c>*_OUTPUT*</c> (what the task runner writes).</value>
    public string OutputFilePattern { get; set; } = "*_OUTPUT*";

    /// <summary>
    /// Gets or sets the folder outputs are downloaded into. Existing files are never overwritten.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: <c>topnwords-output/&lt;run id&gt;</c> under the current directory.</value>
    public string? DownloadDirectory { get; set; }

    /// <summary>Gets or sets how many times a task is retried after a non-zero exit code.</summary>
    /// <value>The default value is 0.</value>
    public int MaxTaskRetryCount { get; set; }

    /// <summary>Gets or sets how long one attempt of a task may run before it is killed.</summary>
    /// <value>The default value is <see langword="null"/>: no limit.</value>
    public TimeSpan? TaskMaxWallClockTime { get; set; }

    /// <summary>
    /// Gets or sets the run id: it names the run's containers, pool and job, so running again with the same
    /// id re-attaches to them and never duplicates a task. 3 to 40 lower-case letters, digits and hyphens.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: a new id from the time and a random suffix.</value>
    public string? RunId { get; set; }

    /// <summary>Gets or sets a value indicating whether each task's output (and the reduce step's result) is parsed as the task runner's top-words format.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool ParseTopWordsOutput { get; set; }

    /// <summary>
    /// Gets or sets a reduce step after the tasks: reduce tasks on the pool, depending on the tasks, merge their intermediate
    /// files into one result, which the client downloads (<see cref="BatchRunResult.Reduce"/>).
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no reduce step.</value>
    public ReduceDefinition? Reduce { get; set; }

    /// <summary>Gets or sets a value indicating whether each task's output files are downloaded (and parsed, with
    /// <see cref="ParseTopWordsOutput"/>). Without them, a run with a <see cref="Reduce"/> step downloads only its result.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool DownloadTaskOutputs { get; set; } = true;
}

/// <summary>One input file: one task.</summary>
public sealed class BatchInput
{
    /// <summary>Initializes a new instance of the <see cref="BatchInput"/> class.</summary>
    /// <param name="filePath">The local file.</param>
    /// <param name="name">Its name in storage and in the task's working directory, where a <c>/</c> in it makes
    /// subfolders; by default the file name.</param>
    public BatchInput(string filePath, string? name = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        FilePath = filePath;
        Name = name ?? Path.GetFileName(filePath);
    }

    /// <summary>Gets the local file.</summary>
    public string FilePath { get; }

    /// <summary>Gets the name in storage and on the node.</summary>
    public string Name { get; }

    /// <summary>
    /// Expands paths into inputs. A file is one input, named by its file name. A folder is read recursively: each
    /// file under it is one input, named by its path relative to that folder with <c>/</c> between the parts on every
    /// operating system (so <c>a/x.txt</c> and <c>b/x.txt</c> are two inputs), in ordinal order of those names.
    /// Under a folder, hidden files and hidden folders (names starting with <c>.</c>) are skipped, a symbolic link to a
    /// file is read as a file (named by the link's own path), and a symbolic link to a folder is not followed (so a
    /// link can never make a cycle); a folder given directly may itself be a link.
    /// </summary>
    /// <param name="filesOrFolders">Files and folders.</param>
    /// <returns>The inputs.</returns>
    /// <exception cref="ArgumentException">A path is neither a file nor a folder; the message names it.</exception>
    public static IReadOnlyList<BatchInput> FromPaths(IEnumerable<string> filesOrFolders)
    {
        ArgumentNullException.ThrowIfNull(filesOrFolders);
        var inputs = new List<BatchInput>();
        foreach (string path in filesOrFolders)
        {
            if (File.Exists(path))
            {
                inputs.Add(new BatchInput(path));
            }
            else if (Directory.Exists(path))
            {
                inputs.AddRange(FromFolder(path));
            }
            else
            {
                throw new ArgumentException($"Input '{path}' is neither a file nor a folder. Check the path.", nameof(filesOrFolders));
            }
        }

        return inputs;
    }

    /// <summary>
    /// The files under a folder, recursively, named by their '/'-separated paths relative to it (<see cref="LocalBlobPaths.BlobName"/>,
    /// as a local container's blobs are), in ordinal order. One listing of the tree: each entry's kind comes from the listing
    /// itself, not from a call per file. Hidden entries are skipped and hidden folders not entered; a link to a folder is not
    /// entered either, since it could lead back up the tree (<see cref="FileSystemEntry.IsDirectory"/> is true for one; its
    /// attributes mark it a link).
    /// </summary>
    private static List<BatchInput> FromFolder(string folder)
    {
        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)); // what the listing makes each entry's folder from
        int nameStart = root.Length + (Path.EndsInDirectorySeparator(root) ? 0 : 1);
        var files = new FileSystemEnumerable<BatchInput>(
            folder,
            (ref FileSystemEntry entry) => new BatchInput(entry.ToSpecifiedFullPath(), LocalBlobPaths.BlobName(ref entry, nameStart)),
            new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false })
        {
            // A file, a link to a file, or a link whose target is missing (which the run then refuses, naming it).
            ShouldIncludePredicate = (ref FileSystemEntry entry) => !entry.IsDirectory && entry.FileName is not ['.', ..],
            ShouldRecursePredicate = (ref FileSystemEntry entry) => entry.FileName is not ['.', ..] && (entry.Attributes & FileAttributes.ReparsePoint) == 0,
        };

        var found = new List<BatchInput>(files);
        found.Sort((x, y) => string.CompareOrdinal(x.Name, y.Name));
        return found;
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>The pool a run uses.</summary>
public sealed class PoolDefinition
{
    /// <summary>
    /// Gets or sets the id of an existing, caller-owned pool to run on. The run never creates, resizes or
    /// deletes it; its nodes get the application with each task instead of through a start task.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the run creates (and by policy deletes) its own pool.</value>
    public string? ExistingPoolId { get; set; }

    /// <summary>Gets or sets the number of nodes of the run's own pool.</summary>
    /// <value>The default value is 2.</value>
    public int NodeCount { get; set; } = 2;

    /// <summary>Gets or sets the task slots per node of the run's own pool.</summary>
    /// <value>The default value is 1.</value>
    public int TaskSlotsPerNode { get; set; } = 1;

    /// <summary>Gets or sets the VM size of the run's own pool (Azure Batch only).</summary>
    /// <value>The default value is <see langword="null"/>: the compute backend's default.</value>
    public string? VirtualMachineSize { get; set; }
}

/// <summary>The named timeouts of a run. Each wait that runs out throws <see cref="BatchTimeoutException"/> naming it.</summary>
public sealed class WorkflowTimeouts
{
    /// <summary>Gets or sets the limit for creating containers and uploading the application and inputs.</summary>
    /// <value>The default value is 30 minutes.</value>
    public TimeSpan Staging { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Gets or sets the limit for creating the pool (or looking up the caller's) and for it to have all nodes ready
    /// (start tasks included); creating the job has a limit of the same length. Transient failures of these calls are
    /// retried until it runs out.
    /// </summary>
    /// <value>The default value is 30 minutes.</value>
    public TimeSpan PoolReady { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Gets or sets the limit for every task to complete, from when the tasks were added.</summary>
    /// <value>The default value is 2 hours.</value>
    public TimeSpan TasksComplete { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Gets or sets the limit for downloading the outputs.</summary>
    /// <value>The default value is 30 minutes.</value>
    public TimeSpan Download { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Gets or sets the limit for cleanup, which runs even after a failure or cancellation.</summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan Cleanup { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>What a run deletes when it ends. A caller-owned pool is never deleted.</summary>
public enum CleanupPolicy
{
    /// <summary>Delete the run's containers, job and pool whatever happened.</summary>
    Always = 0,

    /// <summary>Delete them only when every task succeeded; keep everything for inspection otherwise.</summary>
    OnSuccess = 1,

    /// <summary>Delete nothing.</summary>
    Never = 2,
}
