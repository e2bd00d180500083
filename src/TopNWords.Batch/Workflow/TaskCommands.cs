using System.Text;
using TopNWords.Batch.Compute;

namespace TopNWords.Batch;

/// <summary>
/// Builds the start task and the task command lines. Every user-supplied value (input names, arguments)
/// is passed as a separate, single-quoted word after a fixed <c>/bin/sh -c 'exec … "$@"'</c> script, so
/// nothing a user supplies is ever interpreted by a shell; only the application folder is expanded there.
/// </summary>
internal static class TaskCommands
{
    /// <summary>The folder, in a task's working directory, that holds the application when the pool is the caller's.</summary>
    public const string TaskApplicationFolder = "app";

    /// <summary>The start task of the run's own pool: copies the application files into the node's shared folder.</summary>
    public static StartTaskSpec StartTask(TaskApplication application, IEnumerable<(ApplicationFile File, Uri Url)> files)
    {
        string target = SharedAppFolder(application);
        var start = new StartTaskSpec(BatchCommandLine.Join(["/bin/sh", "-c", $"mkdir -p {target} && cp -R . {target}"]))
        {
            WaitForSuccess = true,
        };
        foreach (var (file, url) in files)
        {
            start.ResourceFiles.Add(new ResourceFile(url, file.RelativePath));
        }

        return start;
    }

    /// <summary>The task of one input.</summary>
    /// <param name="run">The run.</param>
    /// <param name="outcome">The input's outcome (its input and task id).</param>
    /// <param name="inputUrl">The read URL of the input's blob.</param>
    public static TaskSpec Task(RunState run, TaskOutcome outcome, Uri inputUrl)
    {
        var definition = run.Definition;
        bool appPerTask = definition.Pool.ExistingPoolId is not null;
        string inputPath = $"{BatchWorkflow.InputFolder}/{outcome.Input.Name}";
        var arguments = definition.TaskArguments.Select(a => a
            .Replace(BatchRunDefinition.InputPlaceholder, inputPath, StringComparison.Ordinal)
            .Replace(BatchRunDefinition.InputNamePlaceholder, outcome.Input.Name, StringComparison.Ordinal));
        var task = new TaskSpec(outcome.TaskId, CommandLine(definition.Application, arguments, appPerTask))
        {
            Constraints = new TaskConstraints
            {
                MaxTaskRetryCount = definition.MaxTaskRetryCount,
                MaxWallClockTime = definition.TaskMaxWallClockTime,
            },
        };
        task.ResourceFiles.Add(new ResourceFile(inputUrl, inputPath));
        if (appPerTask)
        {
            foreach (var (file, url) in run.ApplicationUrls)
            {
                task.ResourceFiles.Add(new ResourceFile(url, $"{TaskApplicationFolder}/{file.RelativePath}"));
            }
        }

        task.OutputFiles.Add(new OutputFileSpec(definition.OutputFilePattern, run.OutputContainerUrl!, OutputUploadCondition.TaskSuccess)
        {
            Path = outcome.TaskId,
        });
        if (run.ReducePlan is { } plan)
        {
            task.OutputFiles.Add(new OutputFileSpec(plan.Definition.IntermediateFileName, run.OutputContainerUrl!, OutputUploadCondition.TaskSuccess)
            {
                Path = plan.IntermediateBlob(outcome.TaskId),
            });
        }

        return task;
    }

    /// <summary>
    /// A reduce task: depends on the tasks it reads (so the job runs it once they all succeeded), gets their intermediate files
    /// through one container resource file (the blobs under its prefix, each at its own name) and its list file, and uploads its
    /// intermediate file (a partial reduce) or the result (the final one).
    /// </summary>
    public static TaskSpec ReduceTask(RunState run, ReduceTask reduce)
    {
        var definition = run.Definition;
        var plan = run.ReducePlan!;
        bool appPerTask = definition.Pool.ExistingPoolId is not null;
        string covered = reduce.InputsCovered.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var arguments = plan.Definition.Arguments.Select(a => a
            .Replace(ReduceDefinition.InputsListPlaceholder, ReducePlan.ListFileName, StringComparison.Ordinal)
            .Replace(ReduceDefinition.InputCountPlaceholder, covered, StringComparison.Ordinal));
        var task = new TaskSpec(reduce.Id, CommandLine(definition.Application, arguments, appPerTask))
        {
            Constraints = new TaskConstraints
            {
                MaxTaskRetryCount = definition.MaxTaskRetryCount,
                MaxWallClockTime = definition.TaskMaxWallClockTime,
            },
            DependsOn = TaskDependencies.OnIds(reduce.Inputs),
        };
        task.ResourceFiles.Add(ResourceFile.FromStorageContainer(run.OutputContainerReadUrl!, ReducePlan.InputPrefixOf(reduce)));
        task.ResourceFiles.Add(new ResourceFile(run.ReduceListUrls[reduce.Id], ReducePlan.ListFileName));
        if (appPerTask)
        {
            foreach (var (file, url) in run.ApplicationUrls)
            {
                task.ResourceFiles.Add(new ResourceFile(url, $"{TaskApplicationFolder}/{file.RelativePath}"));
            }
        }

        string upload = reduce.IsFinal ? plan.Definition.OutputFileName : plan.Definition.IntermediateFileName;
        task.OutputFiles.Add(new OutputFileSpec(upload, run.OutputContainerUrl!, OutputUploadCondition.TaskSuccess)
        {
            Path = reduce.IsFinal ? plan.ResultBlob : plan.IntermediateBlob(reduce.Id),
        });
        return task;
    }

    /// <summary>
    /// <c>/bin/sh -c 'exec &lt;entry point&gt; "$@"' topnwords-task &lt;arguments&gt;</c>: the entry point's
    /// <c>{app}</c> becomes the (quoted) application folder variable; the arguments stay literal.
    /// </summary>
    public static string CommandLine(TaskApplication application, IEnumerable<string> arguments, bool appPerTask)
    {
        string appFolder = appPerTask ? $"\"$AZ_BATCH_TASK_WORKING_DIR\"/{TaskApplicationFolder}" : SharedAppFolder(application);
        var script = new StringBuilder("exec");
        foreach (string element in application.EntryPoint)
        {
            script.Append(' ');
            string[] parts = element.Split(TaskApplication.AppPlaceholder);
            for (int i = 0; i < parts.Length; i++)
            {
                if (i > 0)
                {
                    script.Append(appFolder);
                }

                if (parts[i].Length > 0 || parts.Length == 1)
                {
                    script.Append(BatchCommandLine.Quote(parts[i]));
                }
            }
        }

        script.Append(" \"$@\"");
        return BatchCommandLine.Join(["/bin/sh", "-c", script.ToString(), "topnwords-task", .. arguments]);
    }

    private static string SharedAppFolder(TaskApplication application) =>
        $"\"$AZ_BATCH_NODE_SHARED_DIR\"/{BatchCommandLine.Quote(application.Name)}";
}
