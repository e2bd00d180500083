namespace TopNWords.Batch;

/// <summary>
/// A reduce step after the fan-out: every task (a <em>map</em> task, one per input) also writes an intermediate file
/// (<see cref="IntermediateFileName"/>, in its working directory), and reduce tasks on the same pool, which the job
/// runs only once the tasks they depend on have succeeded, read those files in input order and write one result
/// (<see cref="OutputFileName"/>). The client downloads only that result (and the map tasks' own outputs only when
/// <see cref="BatchRunDefinition.DownloadTaskOutputs"/> is set).
/// </summary>
/// <remarks>
/// <para>Up to <see cref="MaxInputsPerTask"/> inputs, one reduce task depends on every map task. Beyond that, the inputs
/// are split into consecutive groups of at most that many (and of task ids that fit the service's limit of
/// <see cref="Compute.TaskDependencies.MaxTaskIdsLength"/> characters per dependency list): one partial reduce task per
/// group writes an intermediate file of its own, and the final reduce task reads those in group order. A reduce must
/// therefore be associative and read intermediate files of both kinds, as the task runner's <c>--merge</c> does.</para>
/// <para>Every reduce task runs the run's application with <see cref="Arguments"/>, where <see cref="InputsListPlaceholder"/>
/// becomes the path of a list file: one path per line (relative to the task's working directory), the intermediate files
/// to read, in input order. A map task that fails blocks the reduce tasks that depend on it (the service's behaviour):
/// the run then ends with <see cref="ReduceOutcome.Error"/> naming the inputs that failed.</para>
/// </remarks>
public sealed class ReduceDefinition
{
    /// <summary>The placeholder in <see cref="Arguments"/> replaced by the path of the reduce task's list file.</summary>
    public const string InputsListPlaceholder = "{inputsList}";

    /// <summary>The placeholder in <see cref="Arguments"/> replaced by how many of the run's inputs the reduce task covers: the files it
    /// reads for a reduce over the map tasks, every input for the final reduce over partial ones.</summary>
    public const string InputCountPlaceholder = "{inputCount}";

    /// <summary>The most inputs one reduce task may read (the default of <see cref="MaxInputsPerTask"/>).</summary>
    public const int DefaultMaxInputsPerTask = 1000;

    /// <summary>Initializes a new instance of the <see cref="ReduceDefinition"/> class.</summary>
    /// <param name="arguments">A reduce task's arguments after the application's entry point, with <see cref="InputsListPlaceholder"/>
    /// (and, when it needs it, <see cref="InputCountPlaceholder"/>);
    /// each passed literally. A reduce task must write <paramref name="outputFileName"/> and <paramref name="intermediateFileName"/>.</param>
    /// <param name="intermediateFileName">The file every map task (and every partial reduce task) writes in its working directory for the reduce.</param>
    /// <param name="outputFileName">The file the final reduce task writes: the run's one result.</param>
    public ReduceDefinition(IEnumerable<string> arguments, string intermediateFileName, string outputFileName)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentException.ThrowIfNullOrWhiteSpace(intermediateFileName);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFileName);
        Arguments = [.. arguments];
        IntermediateFileName = intermediateFileName;
        OutputFileName = outputFileName;
    }

    /// <summary>Gets a reduce task's arguments after the application's entry point.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>Gets the file each map task (and each partial reduce task) writes for the reduce, in its working directory.</summary>
    public string IntermediateFileName { get; }

    /// <summary>Gets the file the final reduce task writes; downloaded into the run's download folder.</summary>
    public string OutputFileName { get; }

    /// <summary>Gets or sets the most intermediate files one reduce task reads; more inputs than that get partial reduce tasks.</summary>
    /// <value>The default value is <see cref="DefaultMaxInputsPerTask"/>. At least 2.</value>
    public int MaxInputsPerTask { get; set; } = DefaultMaxInputsPerTask;
}
