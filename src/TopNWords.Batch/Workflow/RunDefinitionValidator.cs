using TopNWords.Batch.Compute;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch;

/// <summary>Refuses a bad run definition before anything is created, naming every problem and what to do.</summary>
internal static class RunDefinitionValidator
{
    public const int MaxTaskSlotsPerNode = 256;

    public static void Validate(BatchRunDefinition definition, IBlobStorage storage, IBatchCompute compute)
    {
        var problems = new List<string>();
        ValidateInputs(definition.Inputs, problems);
        ValidateApplication(definition.Application, problems);
        ValidatePool(definition.Pool, problems);
        ValidateTimeouts(definition.Timeouts, problems);

        if (definition.TaskArguments.Any(a => a is null))
        {
            problems.Add("A task argument is null.");
        }

        if (definition.RunId is not null && RunNames.ValidateRunId(definition.RunId) is { } runIdError)
        {
            problems.Add(runIdError);
        }

        if (definition.MaxTaskRetryCount < -1)
        {
            problems.Add($"MaxTaskRetryCount is {definition.MaxTaskRetryCount}; use -1 (no limit), 0 or more.");
        }

        if (definition.TaskMaxWallClockTime is { } wall && wall <= TimeSpan.Zero)
        {
            problems.Add($"TaskMaxWallClockTime is {wall}; it must be positive, or null for no limit.");
        }

        if (string.IsNullOrWhiteSpace(definition.OutputFilePattern))
        {
            problems.Add("OutputFilePattern is empty; give the pattern of the files each task writes (e.g. '*_OUTPUT*').");
        }

        if (definition.Reduce is { } reduce)
        {
            ValidateReduce(definition, reduce, problems);
        }

        if (definition.DownloadDirectory is { } download && File.Exists(download))
        {
            problems.Add($"DownloadDirectory '{download}' is a file; give a folder.");
        }

        if (compute.Capabilities.HasFlag(ComputeCapabilities.RemoteNodes) && !storage.Capabilities.HasFlag(StorageCapabilities.RemotelyReachableUrls))
        {
            problems.Add($"Compute '{compute.DisplayName}' runs tasks on other machines, but storage '{storage.DisplayName}' hands out URLs that only this machine can use. Use Azure Blob storage with Azure Batch.");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException(
                $"The run definition is invalid; nothing was created:{Environment.NewLine}- {string.Join(Environment.NewLine + "- ", problems)}",
                nameof(definition));
        }
    }

    /// <remarks>The messages are made by the methods below, only for an input that has a problem: the loops run once per input
    /// (10,000 times for a folder of 10,000 files), and a loop that runs that long is compiled again while it runs (on-stack
    /// replacement) with everything its body inlines; with the five messages built inline, that compile left a 10,000-input
    /// run's native heap 1.3 MB larger.</remarks>
    private static void ValidateInputs(IReadOnlyList<BatchInput> inputs, List<string> problems)
    {
        if (inputs.Count == 0)
        {
            problems.Add("The run has no inputs. Pass at least one file, or a folder that holds files.");
            return;
        }

        var byName = new Dictionary<string, BatchInput>(inputs.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var input in inputs)
        {
            if (input is null)
            {
                problems.Add("An input is null.");
                continue;
            }

            if (Directory.Exists(input.FilePath))
            {
                problems.Add(IsAFolder(input));
            }
            else if (!File.Exists(input.FilePath))
            {
                problems.Add(DoesNotExist(input));
            }

            if (StorageNames.ValidateBlobName(input.Name) is { } nameError)
            {
                problems.Add(CannotBeStored(input, nameError));
            }
            else if (!byName.TryAdd(input.Name, input))
            {
                problems.Add(StoredAsTheSameName(byName[input.Name], input));
            }
        }

        // A name cannot be both a file and a folder (in storage on this machine, on the node, in the download folder).
        foreach (var (name, input) in byName)
        {
            for (int slash = name.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = name.IndexOf('/', slash + 1))
            {
                if (byName.TryGetValue(name[..slash], out var file))
                {
                    problems.Add(BothFileAndFolder(file, input));
                }
            }
        }

        static string IsAFolder(BatchInput input) => $"Input '{input.FilePath}' is a folder; pass its files (BatchInput.FromPaths expands folders).";

        static string DoesNotExist(BatchInput input) => $"Input file '{input.FilePath}' does not exist.";

        static string CannotBeStored(BatchInput input, string nameError) => $"Input '{input.FilePath}' cannot be stored under the name '{input.Name}': {nameError}";

        static string StoredAsTheSameName(BatchInput first, BatchInput second) =>
            $"Inputs '{first.FilePath}' and '{second.FilePath}' would both be stored as '{second.Name}'. Rename one, or give each a distinct name (new BatchInput(path, name)).";

        static string BothFileAndFolder(BatchInput file, BatchInput input) =>
            $"Input '{file.FilePath}' is stored as '{file.Name}' and input '{input.FilePath}' as '{input.Name}': one name cannot be both a file and a folder. Rename one, or give it another name (new BatchInput(path, name)).";
    }

    private static void ValidateApplication(TaskApplication application, List<string> problems)
    {
        if (application.Name.Length > 64 || !application.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') || application.Name is "." or "..")
        {
            problems.Add($"Application name '{application.Name}' must be 1 to 64 letters, digits, '-', '_' or '.'.");
        }

        if (application.EntryPoint.Count == 0 || string.IsNullOrEmpty(application.EntryPoint[0]))
        {
            problems.Add($"Application '{application.Name}' has no entry point; give the program to run, e.g. [\"dotnet\", \"{{app}}/MyTask.dll\"].");
        }

        if (application.Files.Count == 0)
        {
            problems.Add($"Application '{application.Name}' has no files.");
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in application.Files)
        {
            if (!File.Exists(file.LocalPath))
            {
                problems.Add($"Application file '{file.LocalPath}' does not exist.");
            }

            if (StorageNames.ValidateBlobName(file.RelativePath) is { } error)
            {
                problems.Add($"Application file path '{file.RelativePath}' is not usable: {error}");
            }
            else if (!seen.Add(file.RelativePath))
            {
                problems.Add($"Application file path '{file.RelativePath}' appears twice.");
            }
        }
    }

    private static void ValidatePool(PoolDefinition pool, List<string> problems)
    {
        if (pool.ExistingPoolId is { } existing)
        {
            if (!BatchIdRules.IsValid(existing))
            {
                problems.Add($"Pool id '{existing}' is invalid: use 1 to {BatchIdRules.MaxLength} letters, digits, hyphens and underscores.");
            }

            return;
        }

        if (pool.NodeCount < 1)
        {
            problems.Add($"The pool needs at least 1 node (NodeCount is {pool.NodeCount}).");
        }

        if (pool.TaskSlotsPerNode is < 1 or > MaxTaskSlotsPerNode)
        {
            problems.Add($"TaskSlotsPerNode is {pool.TaskSlotsPerNode}; use 1 to {MaxTaskSlotsPerNode}.");
        }
    }

    private static void ValidateTimeouts(WorkflowTimeouts timeouts, List<string> problems)
    {
        foreach (var (name, value) in new[]
        {
            (nameof(WorkflowTimeouts.Staging), timeouts.Staging),
            (nameof(WorkflowTimeouts.PoolReady), timeouts.PoolReady),
            (nameof(WorkflowTimeouts.TasksComplete), timeouts.TasksComplete),
            (nameof(WorkflowTimeouts.Download), timeouts.Download),
            (nameof(WorkflowTimeouts.Cleanup), timeouts.Cleanup),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                problems.Add($"Timeout {name} is {value}; it must be positive.");
            }
        }
    }

    private static void ValidateReduce(BatchRunDefinition definition, ReduceDefinition reduce, List<string> problems)
    {
        foreach (var (what, name) in new[] { ("IntermediateFileName", reduce.IntermediateFileName), ("OutputFileName", reduce.OutputFileName) })
        {
            if (name.IndexOfAny(['/', '\\', '*', '?', '[']) >= 0 || name is "." or ".." || name != name.Trim())
            {
                problems.Add($"ReduceDefinition.{what} '{name}' must be a plain file name (no folder, no wildcard), written in the task's working directory.");
            }
        }

        if (string.Equals(reduce.IntermediateFileName, reduce.OutputFileName, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"ReduceDefinition.IntermediateFileName and OutputFileName are both '{reduce.OutputFileName}'; give the result its own name.");
        }

        if (string.Equals(reduce.OutputFileName, ReducePlan.ListFileName, StringComparison.OrdinalIgnoreCase)
            || string.Equals(reduce.IntermediateFileName, ReducePlan.ListFileName, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"ReduceDefinition file names must not be '{ReducePlan.ListFileName}': that is the reduce task's list file.");
        }

        if (!reduce.Arguments.Any(a => a is not null && a.Contains(ReduceDefinition.InputsListPlaceholder, StringComparison.Ordinal)))
        {
            problems.Add($"ReduceDefinition.Arguments do not contain '{ReduceDefinition.InputsListPlaceholder}': a reduce task needs the list of the files it reads.");
        }

        if (reduce.Arguments.Any(a => a is null))
        {
            problems.Add("A reduce argument is null.");
        }

        if (reduce.MaxInputsPerTask < 2)
        {
            problems.Add($"ReduceDefinition.MaxInputsPerTask is {reduce.MaxInputsPerTask}; a reduce task must read at least 2 files.");
        }
        else if (definition.Inputs.Count > 0 && definition.Inputs.All(i => i is not null))
        {
            try
            {
                ReducePlan.Create(reduce, [.. definition.Inputs.Select(i => RunNames.TaskId(i.Name))]);
            }
            catch (ArgumentException ex)
            {
                problems.Add(ex.Message);
            }
        }
    }
}
