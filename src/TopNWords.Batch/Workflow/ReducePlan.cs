using System.Globalization;
using System.Text;
using TopNWords.Batch.Compute;

namespace TopNWords.Batch;

/// <summary>
/// The reduce tasks of a run with a <see cref="ReduceDefinition"/>, derived from its inputs alone (so a resumed run makes the
/// same ones): one reduce task over every map task, or partial reduce tasks over consecutive groups and a final one over them.
/// Blob layout in the run's output container: <c>reduce-in/&lt;reduce task&gt;/&lt;producer task&gt;/&lt;intermediate file&gt;</c> (what
/// each reduce task reads, through one container resource file), <c>reduce-lists/&lt;reduce task&gt;.list</c> (its list file, staged
/// by the client) and <c>reduce-out/&lt;output file&gt;</c> (the result). Map task ids start with <c>task-</c>, so none of it meets their outputs.
/// </summary>
internal sealed class ReducePlan
{
    public const string FinalTaskId = "reduce";
    public const string ListFileName = "reduce-inputs.list";
    private const string InputsPrefix = "reduce-in/";
    private const string ListsPrefix = "reduce-lists/";
    private const string ResultPrefix = "reduce-out/";

    private readonly Dictionary<string, string> _consumerOf = new(StringComparer.OrdinalIgnoreCase);

    private ReducePlan(ReduceDefinition definition, List<ReduceTask> tasks)
    {
        Definition = definition;
        Tasks = tasks;
        TasksById = tasks.ToDictionary(t => t.Id, StringComparer.OrdinalIgnoreCase);
        foreach (var task in tasks)
        {
            foreach (string producer in task.Inputs)
            {
                _consumerOf[producer] = task.Id;
            }
        }
    }

    public ReduceDefinition Definition { get; }

    /// <summary>Gets the reduce tasks: the partial ones in input order, then the final one.</summary>
    public IReadOnlyList<ReduceTask> Tasks { get; }

    public Dictionary<string, ReduceTask> TasksById { get; }

    public ReduceTask Final => Tasks[^1];

    /// <summary>Gets the blob the final reduce task's result is uploaded to.</summary>
    public string ResultBlob => ResultPrefix + Definition.OutputFileName;

    /// <summary>Plans the reduce tasks over the given map task ids (in input order).</summary>
    /// <exception cref="ArgumentException">There are more inputs than two levels of reduce tasks can read; the message says what to do.</exception>
    public static ReducePlan Create(ReduceDefinition definition, IReadOnlyList<string> mapTaskIds)
    {
        var groups = Group(mapTaskIds, definition.MaxInputsPerTask);
        if (groups.Count == 1)
        {
            return new ReducePlan(definition, [new ReduceTask(FinalTaskId, groups[0], isFinal: true, groups[0].Count)]);
        }

        int width = Math.Max(5, groups.Count.ToString(CultureInfo.InvariantCulture).Length);
        var parts = groups.Select((g, i) => new ReduceTask($"{FinalTaskId}-{(i + 1).ToString(CultureInfo.InvariantCulture).PadLeft(width, '0')}", g, isFinal: false, g.Count)).ToList();
        var partIds = parts.Select(p => p.Id).ToList();
        if (Group(partIds, definition.MaxInputsPerTask).Count > 1)
        {
            long most = (long)definition.MaxInputsPerTask * definition.MaxInputsPerTask;
            throw new ArgumentException(
                $"The reduce step reads {mapTaskIds.Count} inputs through {parts.Count} partial reduce tasks, more than one final reduce task may read (ReduceDefinition.MaxInputsPerTask is {definition.MaxInputsPerTask}, so at most about {most} inputs). Raise MaxInputsPerTask, or split the inputs into several runs.");
        }

        parts.Add(new ReduceTask(FinalTaskId, partIds, isFinal: true, mapTaskIds.Count));
        return new ReducePlan(definition, parts);
    }

    /// <summary>The reduce task that reads the intermediate file of <paramref name="producerTaskId"/> (a map or partial reduce task).</summary>
    public string ConsumerOf(string producerTaskId) => _consumerOf[producerTaskId];

    /// <summary>The blob a producer's intermediate file is uploaded to.</summary>
    public string IntermediateBlob(string producerTaskId) =>
        $"{InputsPrefix}{ConsumerOf(producerTaskId)}/{producerTaskId}/{Definition.IntermediateFileName}";

    /// <summary>The prefix of the blobs a reduce task reads.</summary>
    public static string InputPrefixOf(ReduceTask task) => $"{InputsPrefix}{task.Id}/";

    /// <summary>The blob of a reduce task's list file.</summary>
    public static string ListBlobOf(ReduceTask task) => $"{ListsPrefix}{task.Id}.list";

    /// <summary>A reduce task's list file: the paths (relative to its working directory) of the files it reads, in input order.</summary>
    public string ListFileOf(ReduceTask task)
    {
        var text = new StringBuilder();
        foreach (string producer in task.Inputs)
        {
            // The container resource file puts each blob at its own name under the working directory.
            text.Append(IntermediateBlob(producer)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Consecutive groups of at most <paramref name="max"/> ids whose lengths together fit a dependency list.</summary>
    private static List<List<string>> Group(IReadOnlyList<string> ids, int max)
    {
        var groups = new List<List<string>>();
        var current = new List<string>();
        long length = 0;
        foreach (string id in ids)
        {
            if (current.Count > 0 && (current.Count >= max || length + id.Length > TaskDependencies.MaxTaskIdsLength))
            {
                groups.Add(current);
                current = [];
                length = 0;
            }

            current.Add(id);
            length += id.Length;
        }

        groups.Add(current);
        return groups;
    }
}

/// <summary>One reduce task: its id, the tasks whose intermediate files it reads (and depends on), and whether it is the final one.</summary>
internal sealed class ReduceTask(string id, IReadOnlyList<string> inputs, bool isFinal, int inputsCovered)
{
    /// <summary>Gets how many of the run's inputs the task covers (through partial reduce tasks, for the final one over them).</summary>
    public int InputsCovered { get; } = inputsCovered;

    public string Id { get; } = id;

    public IReadOnlyList<string> Inputs { get; } = inputs;

    public bool IsFinal { get; } = isFinal;

    /// <summary>Gets or sets a value indicating whether the task has completed.</summary>
    public bool Completed { get; set; }

    /// <summary>Gets or sets how the task ended, once completed.</summary>
    public TaskExecutionResult? Result { get; set; }

    /// <summary>Gets or sets a description of its failure, once it failed.</summary>
    public string? Failure { get; set; }
}
