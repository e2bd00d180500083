using System.Collections;
using System.Globalization;

namespace TopNWords.Batch.Compute.Local;

/// <summary>The environment a start task or task runs with: the <c>AZ_BATCH_*</c> variables of Azure Batch.</summary>
internal static class LocalTaskEnvironment
{
    /// <summary>
    /// The process environment: this process's (without inherited <c>AZ_BATCH_*</c> variables), then the
    /// node's and task's <c>AZ_BATCH_*</c> variables, then the spec's settings.
    /// </summary>
    /// <param name="node">The node it runs on.</param>
    /// <param name="taskDirectory">The task's folder (<c>AZ_BATCH_TASK_DIR</c>).</param>
    /// <param name="workingDirectory">The task's working folder (<c>AZ_BATCH_TASK_WORKING_DIR</c>).</param>
    /// <param name="jobId">The job, or <see langword="null"/> for a start task.</param>
    /// <param name="taskId">The task, or <see langword="null"/> for a start task.</param>
    /// <param name="retryCount">How often it was retried (<c>AZ_BATCH_TASK_RETRY_COUNT</c>).</param>
    /// <param name="settings">The spec's environment settings.</param>
    /// <returns>The whole environment.</returns>
    public static Dictionary<string, string> BuildEnvironment(NodeEntry node, string taskDirectory, string workingDirectory, string? jobId, string? taskId, int retryCount, IReadOnlyList<KeyValuePair<string, string>> settings)
    {
        var environment = new Dictionary<string, string>(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            string name = (string)variable.Key;
            if (!name.StartsWith("AZ_BATCH_", StringComparison.OrdinalIgnoreCase))
            {
                environment[name] = variable.Value as string ?? string.Empty;
            }
        }

        environment["AZ_BATCH_NODE_ID"] = node.Id;
        environment["AZ_BATCH_POOL_ID"] = node.Pool.Id;
        environment["AZ_BATCH_NODE_IS_DEDICATED"] = "true";
        environment["AZ_BATCH_NODE_ROOT_DIR"] = node.RootDirectory;
        environment["AZ_BATCH_NODE_SHARED_DIR"] = node.SharedDirectory;
        environment["AZ_BATCH_NODE_STARTUP_DIR"] = node.StartupDirectory;
        environment["AZ_BATCH_TASK_DIR"] = taskDirectory;
        environment["AZ_BATCH_TASK_WORKING_DIR"] = workingDirectory;
        environment["AZ_BATCH_TASK_RETRY_COUNT"] = retryCount.ToString(CultureInfo.InvariantCulture);
        if (jobId is not null && taskId is not null)
        {
            environment["AZ_BATCH_JOB_ID"] = jobId;
            environment["AZ_BATCH_TASK_ID"] = taskId;
        }

        if (!OperatingSystem.IsWindows())
        {
            environment["PWD"] = workingDirectory;
        }

        foreach (var (name, value) in settings)
        {
            environment[name] = value;
        }

        return environment;
    }
}
