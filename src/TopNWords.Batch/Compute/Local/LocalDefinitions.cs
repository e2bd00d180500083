using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Compute.Local;

/// <summary>An output file spec, validated and frozen.</summary>
/// <param name="Pattern">The parsed pattern.</param>
/// <param name="ContainerUrl">The container URL (a secret: never logged whole).</param>
/// <param name="Condition">When to upload.</param>
/// <param name="Path">The blob name or virtual folder.</param>
internal sealed record OutputFileDefinition(OutputFilePattern Pattern, Uri ContainerUrl, OutputUploadCondition Condition, string? Path);

/// <summary>What a task or start task runs, validated and frozen (specs are mutable; these are not).</summary>
/// <param name="Arguments">The command line split into words; the first is the program.</param>
/// <param name="ResourceFiles">The resource files.</param>
/// <param name="Environment">The spec's environment settings.</param>
internal record CommandDefinition(IReadOnlyList<string> Arguments, IReadOnlyList<ResourceFile> ResourceFiles, IReadOnlyList<KeyValuePair<string, string>> Environment)
{
    /// <summary>Wall-clock limits at or past this are no limit (timers cannot wait longer).</summary>
    internal static readonly TimeSpan LongestWallClockLimit = TimeSpan.FromDays(45);

    /// <summary>Splits and checks a command line.</summary>
    protected static IReadOnlyList<string>? SplitCommandLine(string commandLine, List<string> errors)
    {
        try
        {
            var words = BatchCommandLine.Split(commandLine);
            if (words.Count == 0 || words[0].Length == 0)
            {
                errors.Add("The command line names no program.");
                return null;
            }

            return words;
        }
        catch (FormatException ex)
        {
            errors.Add(ex.Message);
            return null;
        }
    }

    /// <summary>Copies and checks resource files (their paths are checked when they are fetched, as Batch does).</summary>
    protected static ResourceFile[] CopyResourceFiles(IEnumerable<ResourceFile> files, List<string> errors)
    {
        var copy = files.ToArray();
        for (int i = 0; i < copy.Length; i++)
        {
            if (copy[i] is null || copy[i].FilePath is null)
            {
                errors.Add($"Resource file {i} has no URL or no file path.");
            }
            else if ((copy[i].HttpUrl is null) == (copy[i].StorageContainerUrl is null))
            {
                errors.Add($"Resource file {i} ('{copy[i].FilePath}') must have exactly one source: an HTTP URL or a storage container URL.");
            }
            else if (copy[i].HttpUrl is not null && copy[i].BlobPrefix is not null)
            {
                errors.Add($"Resource file {i} ('{copy[i].FilePath}') has a blob prefix but no container: a blob prefix is only valid with a storage container URL.");
            }
        }

        return copy;
    }

    /// <summary>Copies and checks environment settings.</summary>
    protected static KeyValuePair<string, string>[] CopyEnvironment(IDictionary<string, string> settings, List<string> errors)
    {
        var copy = settings.ToArray();
        foreach (var (name, value) in copy)
        {
            if (string.IsNullOrEmpty(name) || name.AsSpan().IndexOfAny('=', '\0') >= 0)
            {
                errors.Add($"Environment variable name '{name}' is empty or contains '=' or NUL.");
            }
            else if (value is null || value.Contains('\0', StringComparison.Ordinal))
            {
                errors.Add($"Environment variable '{name}' has no value or contains NUL.");
            }
        }

        return copy;
    }

    /// <summary>Checks a retry count: -1 (no limit) or more.</summary>
    protected static void CheckRetryCount(int maxTaskRetryCount, List<string> errors)
    {
        if (maxTaskRetryCount < -1)
        {
            errors.Add($"MaxTaskRetryCount is {maxTaskRetryCount}; use -1 (no limit), 0 or more.");
        }
    }
}

/// <summary>A task, validated and frozen.</summary>
internal sealed record TaskDefinition(
    string Id,
    IReadOnlyList<string> Arguments,
    IReadOnlyList<ResourceFile> ResourceFiles,
    IReadOnlyList<KeyValuePair<string, string>> Environment,
    IReadOnlyList<OutputFileDefinition> OutputFiles,
    TimeSpan? MaxWallClockTime,
    int MaxTaskRetryCount)
    : CommandDefinition(Arguments, ResourceFiles, Environment)
{
    /// <summary>Gets the tasks it depends on (a frozen copy), or <see langword="null"/>.</summary>
    public TaskDependencies? DependsOn { get; init; }

    /// <summary>Gets what its failure does to the tasks that depend on it.</summary>
    public TaskDependencyAction DependencyActionOnFailure { get; init; }

    /// <summary>The definition without what only running the task needs (the command line, resource files, environment,
    /// output files and dependencies), for a task that has completed: its id, limits and dependency action stay.</summary>
    /// <returns>The definition, or this one when it has nothing to drop.</returns>
    public TaskDefinition WithoutRunParts() =>
        Arguments.Count == 0 && ResourceFiles.Count == 0 && Environment.Count == 0 && OutputFiles.Count == 0 && DependsOn is null
            ? this
            : this with { Arguments = [], ResourceFiles = [], Environment = [], OutputFiles = [], DependsOn = null };

    /// <summary>Validates a task spec and freezes it.</summary>
    /// <param name="spec">The spec.</param>
    /// <param name="error">Why the spec is refused.</param>
    /// <param name="previous">The task frozen just before (of the same request), whose command line words are reused where they are the same.</param>
    /// <returns>The definition, or <see langword="null"/> when refused.</returns>
    public static TaskDefinition? TryCreate(TaskSpec spec, out string? error, TaskDefinition? previous = null)
    {
        var errors = new List<string>();
        string? idError = BatchIdRules.Validate("task", spec.Id);
        if (idError is not null)
        {
            errors.Add(idError);
        }

        var arguments = SplitCommandLine(spec.CommandLine, errors) is { } words ? CommandWords.Share(words, previous?.Arguments) : null;
        var resourceFiles = CopyResourceFiles(spec.ResourceFiles, errors);
        var environment = CopyEnvironment(spec.EnvironmentSettings, errors);
        var outputs = new List<OutputFileDefinition>(spec.OutputFiles.Count);
        foreach (var output in spec.OutputFiles)
        {
            if (output is null)
            {
                errors.Add("An output file is null.");
                continue;
            }

            try
            {
                var pattern = OutputFilePattern.Parse(output.FilePattern);
                string? path = string.IsNullOrEmpty(output.Path) ? null : output.Path;
                string? pathError = path is null ? null : StorageNames.ValidateBlobName(pattern.HasWildcards ? path.TrimEnd('/') : path);
                if (pathError is not null)
                {
                    errors.Add($"Output file '{output.FilePattern}': {pathError}");
                }

                outputs.Add(new OutputFileDefinition(pattern, output.ContainerUrl, output.UploadCondition, path));
            }
            catch (FormatException ex)
            {
                errors.Add(ex.Message);
            }
        }

        var constraints = spec.Constraints;
        TimeSpan? wallClock = constraints?.MaxWallClockTime;
        if (wallClock is { } limit && limit <= TimeSpan.Zero)
        {
            errors.Add($"MaxWallClockTime is {limit}; it must be positive.");
        }
        else if (wallClock >= LongestWallClockLimit)
        {
            wallClock = null;
        }

        int retries = constraints?.MaxTaskRetryCount ?? 0;
        CheckRetryCount(retries, errors);
        TaskDependencies? dependsOn = null;
        if (spec.DependsOn is { } dependencies)
        {
            if (dependencies.Validate(spec.Id) is { } dependencyError)
            {
                errors.Add(dependencyError.Message);
            }

            dependsOn = new TaskDependencies { TaskIds = [.. dependencies.TaskIds ?? []], TaskIdRanges = [.. dependencies.TaskIdRanges ?? []] };
            if (dependsOn.TaskIds.Count == 0 && dependsOn.TaskIdRanges.Count == 0)
            {
                dependsOn = null;
            }
        }

        if (spec.DependencyActionOnFailure is { } action && !Enum.IsDefined(action))
        {
            errors.Add($"DependencyActionOnFailure is {(int)action}; use Block or Satisfy.");
        }

        if (errors.Count > 0 || arguments is null)
        {
            error = string.Join(" ", errors);
            return null;
        }

        error = null;
        return new TaskDefinition(spec.Id, arguments, resourceFiles, environment, outputs.ToArray(), wallClock, retries)
        {
            DependsOn = dependsOn,
            DependencyActionOnFailure = spec.DependencyActionOnFailure ?? TaskDependencyAction.Block,
        };
    }
}

/// <summary>The words of the command lines the compute keeps (one per task it holds, done ones included).</summary>
internal static class CommandWords
{
    /// <summary>
    /// The words of a command line, each the same string as the word at the same place of <paramref name="previous"/> when they
    /// are equal: the tasks of a job usually differ by a word or two (their input), so 10,000 tasks keep one copy of the rest
    /// (the program, the shell script, the options), not 10,000.
    /// </summary>
    /// <param name="words">The words.</param>
    /// <param name="previous">The words of the task before, or <see langword="null"/>.</param>
    /// <returns>The words, in an array of their number.</returns>
    public static string[] Share(IReadOnlyList<string> words, IReadOnlyList<string>? previous)
    {
        var shared = new string[words.Count];
        for (int i = 0; i < shared.Length; i++)
        {
            shared[i] = previous is not null && i < previous.Count && string.Equals(words[i], previous[i], StringComparison.Ordinal) ? previous[i] : words[i];
        }

        return shared;
    }
}

/// <summary>A start task, validated and frozen.</summary>
internal sealed record StartTaskDefinition(
    IReadOnlyList<string> Arguments,
    IReadOnlyList<ResourceFile> ResourceFiles,
    IReadOnlyList<KeyValuePair<string, string>> Environment,
    bool WaitForSuccess,
    int MaxTaskRetryCount)
    : CommandDefinition(Arguments, ResourceFiles, Environment)
{
    /// <summary>Validates a start task spec and freezes it.</summary>
    /// <param name="spec">The spec.</param>
    /// <param name="error">Why the spec is refused.</param>
    /// <returns>The definition, or <see langword="null"/> when refused.</returns>
    public static StartTaskDefinition? TryCreate(StartTaskSpec spec, out string? error)
    {
        var errors = new List<string>();
        var arguments = SplitCommandLine(spec.CommandLine, errors);
        var resourceFiles = CopyResourceFiles(spec.ResourceFiles, errors);
        var environment = CopyEnvironment(spec.EnvironmentSettings, errors);
        CheckRetryCount(spec.MaxTaskRetryCount, errors);
        if (errors.Count > 0 || arguments is null)
        {
            error = string.Join(" ", errors);
            return null;
        }

        error = null;
        return new StartTaskDefinition(arguments, resourceFiles, environment, spec.WaitForSuccess, spec.MaxTaskRetryCount);
    }
}
