using System.Globalization;
using System.Text.Json;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Azure.Compute;
using TopNWords.Batch.Compute.Local;

namespace TopNWords.Batch.Emulator.Protocol;

/// <content>Metadata, and the bodies of update pool and update job (<c>PATCH</c>).</content>
internal static partial class RequestBodies
{
    /// <summary>What update pool changes in the emulator.</summary>
    private static readonly string[] PoolUpdatable = ["displayName", "startTask", "metadata"];

    /// <summary>What the service changes only while a pool has no nodes (an emulated pool always has nodes).</summary>
    private static readonly string[] PoolUpdatableWhenEmpty =
        ["vmSize", "enableInterNodeCommunication", "virtualMachineConfiguration", "taskSlotsPerNode", "taskSchedulingPolicy", "networkConfiguration", "userAccounts", "mountConfiguration", "resourceTags", "upgradePolicy", "targetNodeCommunicationMode"];

    /// <summary>What update job changes (or checks) in the emulator.</summary>
    private static readonly string[] JobUpdatable = ["priority", "maxParallelTasks", "allowTaskPreemption", "onAllTasksComplete", "constraints", "poolInfo", "metadata"];

    /// <summary>
    /// Checks <c>metadata</c> when present: an array of objects, each with a non-empty string <c>name</c> and a
    /// string <c>value</c> (both required, as the service's <c>MetadataItem</c> has them).
    /// </summary>
    public static void CheckMetadata(JsonElement root)
    {
        if (Find(root, "metadata") is not { } metadata)
        {
            return;
        }

        if (metadata.ValueKind != JsonValueKind.Array)
        {
            throw BatchErrorResponses.InvalidPropertyValue("metadata", metadata.ToString(), "metadata is an array of {\"name\": …, \"value\": …} objects.");
        }

        foreach (JsonElement item in metadata.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw BatchErrorResponses.InvalidPropertyValue("metadata", item.ToString(), "Each metadata item is an object with a name and a value.");
            }

            RequireString(item, "name", "metadata.name");
            if (Find(item, "value") is not { } value)
            {
                throw BatchErrorResponses.MissingRequiredProperty("metadata.value");
            }

            if (value.ValueKind != JsonValueKind.String)
            {
                throw BatchErrorResponses.InvalidPropertyValue("metadata.value", value.ToString(), "The value must be a string.");
            }
        }
    }

    /// <summary>
    /// Checks an update-pool body: <c>displayName</c>, <c>startTask</c> (checked as on create) and <c>metadata</c>
    /// change; what the service changes only on a pool without nodes, and anything else, is refused naming it.
    /// </summary>
    public static BatchPoolUpdateContent ParsePoolUpdate(JsonElement root)
    {
        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Null || PoolUpdatable.Contains(property.Name, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            throw PoolUpdatableWhenEmpty.Contains(property.Name, StringComparer.OrdinalIgnoreCase)
                ? BatchErrorResponses.InvalidPropertyValue(property.Name, property.Value.ToString(), $"The service changes {property.Name} only while the pool has no nodes, and an emulated pool always has nodes; create a new pool instead.")
                : BatchErrorResponses.InvalidPropertyValue(property.Name, property.Value.ToString(), $"The emulator does not update {property.Name} of a pool; it updates {string.Join(", ", PoolUpdatable)}.");
        }

        CheckMetadata(root);
        var content = Deserialize(root, WireJson.ReadContext.BatchPoolUpdateContent);
        if (content.StartTask is { } start)
        {
            CheckStartTask(start);
        }

        return content;
    }

    /// <summary>
    /// Checks an update-job body: <c>priority</c> (-1000 to 1000), <c>onAllTasksComplete</c>, <c>allowTaskPreemption</c>
    /// and <c>metadata</c> change; <c>poolInfo</c> may name the job's own pool; <c>maxParallelTasks</c> and
    /// <c>constraints</c> may only restate what the emulator does (no limit, no job wall clock, no retries), since it
    /// does not enforce others. Anything else is refused naming it.
    /// </summary>
    public static BatchJobUpdateContent ParseJobUpdate(JsonElement root)
    {
        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.Null && !JobUpdatable.Contains(property.Name, StringComparer.OrdinalIgnoreCase))
            {
                throw BatchErrorResponses.InvalidPropertyValue(property.Name, property.Value.ToString(), $"The emulator does not update {property.Name} of a job; it updates {string.Join(", ", JobUpdatable)}.");
            }
        }

        if (Find(root, "poolInfo") is { } poolInfo)
        {
            CheckPoolInfo(poolInfo);
        }

        CheckMetadata(root);
        var content = Deserialize(root, WireJson.ReadContext.BatchJobUpdateContent);
        CheckJobSettings(root, content.Priority, content.OnAllTasksComplete);

        if (content.MaxParallelTasks is int parallel && parallel != -1)
        {
            throw parallel is 0 or < -1
                ? BatchErrorResponses.InvalidPropertyValue("maxParallelTasks", parallel.ToString(CultureInfo.InvariantCulture), "maxParallelTasks must be -1 (no limit) or greater than 0.")
                : BatchErrorResponses.InvalidPropertyValue("maxParallelTasks", parallel.ToString(CultureInfo.InvariantCulture), "A limit of parallel tasks per job is not emulated; send -1 (no limit) or leave it out.");
        }

        if (content.Constraints is { } constraints)
        {
            if (constraints.MaxWallClockTime is { } wallClock && wallClock != TimeSpan.MaxValue)
            {
                throw BatchErrorResponses.InvalidPropertyValue("constraints.maxWallClockTime", System.Xml.XmlConvert.ToString(wallClock), "A job wall-clock limit is not emulated; leave it out (tasks' own constraints.maxWallClockTime is honoured).");
            }

            if (constraints.MaxTaskRetryCount is int retries && retries != 0)
            {
                throw BatchErrorResponses.InvalidPropertyValue("constraints.maxTaskRetryCount", retries.ToString(CultureInfo.InvariantCulture), "A job-wide task retry count is not emulated; set constraints.maxTaskRetryCount on each task instead.");
            }
        }

        return content;
    }

    /// <summary>A start task, checked as create pool checks it: a command line, valid resource files and environment, and one the engine can run.</summary>
    private static void CheckStartTask(BatchStartTask start)
    {
        if (string.IsNullOrEmpty(start.CommandLine))
        {
            throw BatchErrorResponses.MissingRequiredProperty("startTask.commandLine");
        }

        var problem = CheckResourceFiles(start.ResourceFiles, "startTask.resourceFiles")
            ?? CheckEnvironment(start.EnvironmentSettings, "startTask.environmentSettings");
        if (problem is not null)
        {
            throw problem;
        }

        var spec = BatchWireMapping.ToCompute(new BatchPoolCreateContent { Id = "update", VmSize = "update", TargetDedicatedNodes = 1, StartTask = start });
        if (spec.StartTask is { } startTask && LocalProcessCompute.ValidateStartTask(startTask) is { } error)
        {
            throw BatchErrorResponses.InvalidPropertyValue("startTask", startTask.CommandLine, error);
        }
    }
}
