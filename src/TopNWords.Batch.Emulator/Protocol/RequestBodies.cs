using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Azure.Compute;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Compute.Local;
using TopNWords.Batch.Emulator.State;

namespace TopNWords.Batch.Emulator.Protocol;

/// <summary>
/// Reads request bodies and checks them as the service does, before anything is created: malformed JSON is
/// <c>InvalidRequestBody</c>, a missing required property <c>MissingRequiredProperty</c>, a value out of range
/// <c>InvalidPropertyValue</c> (each with the property's name). Features the emulator does not run (autoscale,
/// multi-instance tasks, container resource files) are refused as <c>InvalidPropertyValue</c> naming them.
/// </summary>
internal static partial class RequestBodies
{
    public const int MaxTasksPerCollection = 100;
    private const int MaxTaskSlotsPerNode = 256;
    private static readonly TimeSpan MinResizeTimeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Reads the body, refusing more than <paramref name="limit"/> bytes with <c>413 RequestBodyTooLarge</c>, and a member
    /// the request's api-version does not have with <c>400 InvalidRequestBody</c> (<see cref="ApiVersionShapes.CheckRequest"/>).
    /// </summary>
    public static async Task<byte[]> ReadAsync(HttpContext context, long limit)
    {
        if (context.Request.ContentLength is long declared && declared > limit)
        {
            throw BatchErrorResponses.RequestBodyTooLarge(limit);
        }

        using var buffer = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw BatchErrorResponses.RequestBodyTooLarge(limit);
            }

            buffer.Write(chunk, 0, read);
        }

        byte[] body = buffer.ToArray();
        if (EmulatorRequest.TryGet(context) is { ApiVersion: { } version } request)
        {
            ApiVersionShapes.CheckRequest(body, request.Operation.Name, version);
        }

        return body;
    }

    /// <summary>Parses a JSON body that must be an object.</summary>
    public static JsonDocument ParseObject(byte[] body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            throw BatchErrorResponses.InvalidRequestBody($"The body is not valid JSON: {ex.Message}");
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw BatchErrorResponses.InvalidRequestBody("The body must be a JSON object.");
        }

        return document;
    }

    /// <summary>Checks a create-pool body.</summary>
    public static (BatchPoolCreateContent Content, PoolSpecTemplate Template) ParsePool(JsonElement root)
    {
        string id = RequireString(root, "id", "id");
        CheckId("id", id);
        RequireString(root, "vmSize", "vmSize");
        if (Find(root, "cloudServiceConfiguration") is not null)
        {
            throw BatchErrorResponses.InvalidPropertyValue("cloudServiceConfiguration", null, "Cloud Services pools are retired; use virtualMachineConfiguration.");
        }

        var vmc = Find(root, "virtualMachineConfiguration") ?? throw BatchErrorResponses.MissingRequiredProperty("virtualMachineConfiguration");
        var image = Find(vmc, "imageReference") ?? throw BatchErrorResponses.MissingRequiredProperty("virtualMachineConfiguration.imageReference");
        RequireString(vmc, "nodeAgentSKUId", "virtualMachineConfiguration.nodeAgentSKUId");
        if (Find(image, "virtualMachineImageId") is not null)
        {
            throw BatchErrorResponses.InvalidPropertyValue("virtualMachineConfiguration.imageReference.virtualMachineImageId", null, "Azure Compute Gallery images are not emulated; use a Marketplace image from the supported images.");
        }

        CheckMetadata(root);
        var content = Deserialize(root, WireJson.ReadContext.BatchPoolCreateContent);
        var vm = content.VirtualMachineConfiguration!;
        if (SupportedImages.Find(vm.ImageReference!, vm.NodeAgentSkuId!) is null)
        {
            throw BatchErrorResponses.InvalidPropertyValue(
                "virtualMachineConfiguration.imageReference",
                $"{vm.ImageReference!.Publisher}/{vm.ImageReference.Offer}/{vm.ImageReference.Sku} with {vm.NodeAgentSkuId}",
                "The image and node agent SKU are not among the account's supported images (GET /supportedimages).");
        }

        if (content.EnableAutoScale == true)
        {
            throw BatchErrorResponses.InvalidPropertyValue("enableAutoScale", "true", "Autoscale formulas are not emulated; set targetDedicatedNodes.");
        }

        int dedicated = content.TargetDedicatedNodes ?? 0;
        int lowPriority = content.TargetLowPriorityNodes ?? 0;
        if (dedicated < 0)
        {
            throw BatchErrorResponses.InvalidPropertyValue("targetDedicatedNodes", dedicated.ToString(System.Globalization.CultureInfo.InvariantCulture), "The node count must not be negative.");
        }

        if (lowPriority < 0)
        {
            throw BatchErrorResponses.InvalidPropertyValue("targetLowPriorityNodes", lowPriority.ToString(System.Globalization.CultureInfo.InvariantCulture), "The node count must not be negative.");
        }

        if (dedicated + lowPriority < 1)
        {
            throw BatchErrorResponses.InvalidPropertyValue("targetDedicatedNodes", "0", "The emulator needs at least one node per pool (empty pools are not emulated).");
        }

        int slots = content.TaskSlotsPerNode ?? 1;
        if (slots is < 1 or > MaxTaskSlotsPerNode)
        {
            throw BatchErrorResponses.InvalidPropertyValue("taskSlotsPerNode", slots.ToString(System.Globalization.CultureInfo.InvariantCulture), $"taskSlotsPerNode must be from 1 to {MaxTaskSlotsPerNode}.");
        }

        if (content.ResizeTimeout is { } timeout && timeout < MinResizeTimeout)
        {
            throw BatchErrorResponses.InvalidPropertyValue("resizeTimeout", System.Xml.XmlConvert.ToString(timeout), "The resize timeout must be at least 5 minutes.");
        }

        if (content.StartTask is { } start)
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
        }

        PoolSpec spec = BatchWireMapping.ToCompute(content);
        if (spec.StartTask is { } startTask && LocalProcessCompute.ValidateStartTask(startTask) is { } error)
        {
            throw BatchErrorResponses.InvalidPropertyValue("startTask", startTask.CommandLine, error);
        }

        return (content, new PoolSpecTemplate(dedicated, lowPriority, spec.TaskSlotsPerNode, spec.StartTask));
    }

    /// <summary>Checks the <c>poolInfo</c> of a job: an existing pool's id (auto pools are not emulated).</summary>
    private static void CheckPoolInfo(JsonElement poolInfo)
    {
        if (Find(poolInfo, "autoPoolSpecification") is not null)
        {
            throw BatchErrorResponses.InvalidPropertyValue("poolInfo.autoPoolSpecification", null, "Auto pools are not emulated; create the pool first and name it in poolInfo.poolId.");
        }

        RequireString(poolInfo, "poolId", "poolInfo.poolId");
    }

    /// <summary>Checks the priority (-1000 to 1000) and <c>onAllTasksComplete</c> of a job body, when present.</summary>
    private static void CheckJobSettings(JsonElement root, int? priority, BatchOnAllTasksComplete? onAllTasksComplete)
    {
        if (priority is < -1000 or > 1000)
        {
            throw BatchErrorResponses.InvalidPropertyValue("priority", priority.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), "The priority must be from -1000 to 1000.");
        }

        if (Find(root, "onAllTasksComplete") is { } sent && onAllTasksComplete is null or BatchOnAllTasksComplete.Unknown)
        {
            throw BatchErrorResponses.InvalidPropertyValue("onAllTasksComplete", sent.ToString(), "Use noaction or terminatejob.");
        }
    }

    /// <summary>Checks a create-job body.</summary>
    public static BatchJobCreateContent ParseJob(JsonElement root)
    {
        string id = RequireString(root, "id", "id");
        CheckId("id", id);
        CheckPoolInfo(Find(root, "poolInfo") ?? throw BatchErrorResponses.MissingRequiredProperty("poolInfo"));
        CheckMetadata(root);
        var content = Deserialize(root, WireJson.ReadContext.BatchJobCreateContent);
        CheckJobSettings(root, content.Priority, content.OnAllTasksComplete);
        return content;
    }

    /// <summary>Reads the optional terminate-job body.</summary>
    public static string? ParseTerminateReason(byte[] body)
    {
        if (body.Length == 0)
        {
            return null;
        }

        using var document = ParseObject(body);
        return Find(document.RootElement, "terminateReason") is { ValueKind: JsonValueKind.String } reason ? reason.GetString() : null;
    }

    /// <summary>Checks an add-task-collection body: the collection as a whole, then each task (a refused task is a per-task <c>clienterror</c>).</summary>
    public static List<TaskAddItem> ParseTaskCollection(JsonElement root)
    {
        var value = Find(root, "value") ?? throw BatchErrorResponses.MissingRequiredProperty("value");
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw BatchErrorResponses.InvalidRequestBody("'value' must be an array of tasks.");
        }

        int count = value.GetArrayLength();
        if (count > MaxTasksPerCollection)
        {
            throw BatchErrorResponses.InvalidPropertyValue("value", count.ToString(System.Globalization.CultureInfo.InvariantCulture), $"A task collection may hold at most {MaxTasksPerCollection} tasks; send the rest in further requests.");
        }

        var items = new List<TaskAddItem>(count);
        foreach (var element in value.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw BatchErrorResponses.InvalidRequestBody("Each item of 'value' must be a task object.");
            }

            items.Add(ParseTask(element));
        }

        return items;
    }

    /// <summary>
    /// Reads the body of an add-task request: one task, checked as each task of an add-task-collection request is
    /// (the same errors; here they are the request's own 400).
    /// </summary>
    /// <exception cref="BatchRequestException">The task is refused.</exception>
    public static TaskAddItem ParseSingleTask(JsonElement root)
    {
        var item = ParseTask(root);
        return item.Error is { } error ? throw error : item;
    }

    private static TaskAddItem ParseTask(JsonElement element)
    {
        string? id = Find(element, "id") is { ValueKind: JsonValueKind.String } idElement ? idElement.GetString() : null;
        try
        {
            id = RequireString(element, "id", "id");
            CheckId("id", id);
            RequireString(element, "commandLine", "commandLine");
            var content = Deserialize(element, WireJson.ReadContext.BatchTaskCreateContent);
            if (content.MultiInstanceSettings is not null)
            {
                throw BatchErrorResponses.InvalidPropertyValue("multiInstanceSettings", null, "Multi-instance tasks are not emulated.");
            }

            if (content.RequiredSlots is int requiredSlots && requiredSlots != 1)
            {
                throw BatchErrorResponses.InvalidPropertyValue("requiredSlots", requiredSlots.ToString(System.Globalization.CultureInfo.InvariantCulture), "The emulator runs every task in one slot.");
            }

            if (content.Constraints is { } constraints)
            {
                if (constraints.MaxTaskRetryCount is int retries && retries < -1)
                {
                    throw BatchErrorResponses.InvalidPropertyValue("constraints.maxTaskRetryCount", retries.ToString(System.Globalization.CultureInfo.InvariantCulture), "Use -1 (no limit), 0 or more.");
                }

                if (constraints.MaxWallClockTime is { } wallClock && wallClock <= TimeSpan.Zero)
                {
                    throw BatchErrorResponses.InvalidPropertyValue("constraints.maxWallClockTime", System.Xml.XmlConvert.ToString(wallClock), "The maximum wall-clock time must be positive.");
                }
            }

            CheckDependencies(element, content);
            var problem = CheckResourceFiles(content.ResourceFiles, "resourceFiles")
                ?? CheckEnvironment(content.EnvironmentSettings, "environmentSettings")
                ?? CheckOutputFiles(content.OutputFiles);
            if (problem is not null)
            {
                return new TaskAddItem(id, content, null, problem);
            }

            TaskSpec spec = BatchWireMapping.ToCompute(content);
            if (LocalProcessCompute.ValidateTask(spec) is { } error)
            {
                return new TaskAddItem(id, content, null, BatchErrorResponses.InvalidPropertyValue("commandLine", content.CommandLine, error));
            }

            return new TaskAddItem(id, content, spec, null);
        }
        catch (BatchRequestException ex)
        {
            return new TaskAddItem(id, null, null, ex);
        }
    }

    /// <summary>
    /// Checks a task's <c>dependsOn</c> (ids at most 64,000 characters together: <c>TaskDependencyListTooLong</c>; ranges with
    /// start at most end) and <c>exitConditions</c> (only <c>default.dependencyAction</c> is emulated).
    /// </summary>
    private static void CheckDependencies(JsonElement element, BatchTaskCreateContent content)
    {
        if (content.DependsOn is { } dependsOn)
        {
            int length = 0;
            foreach (string? taskId in dependsOn.TaskIds ?? [])
            {
                if (string.IsNullOrEmpty(taskId))
                {
                    throw BatchErrorResponses.InvalidPropertyValue("dependsOn.taskIds", taskId, "A task id is empty.");
                }

                length += taskId.Length;
            }

            if (length > TaskDependencies.MaxTaskIdsLength)
            {
                throw BatchErrorResponses.TaskDependencyListTooLong(length);
            }

            foreach (var range in dependsOn.TaskIdRanges ?? [])
            {
                if (range is null || range.Start > range.End)
                {
                    throw BatchErrorResponses.InvalidPropertyValue("dependsOn.taskIdRanges", range is null ? null : $"{range.Start}-{range.End}", "The start of a task id range must not be after its end.");
                }
            }
        }

        if (Find(element, "exitConditions") is { } exitConditions)
        {
            foreach (var member in exitConditions.EnumerateObject())
            {
                if (!string.Equals(member.Name, "default", StringComparison.OrdinalIgnoreCase))
                {
                    throw BatchErrorResponses.InvalidPropertyValue("exitConditions." + member.Name, null, "Only exitConditions.default.dependencyAction is emulated.");
                }

                foreach (var option in member.Value.EnumerateObject())
                {
                    if (!string.Equals(option.Name, "dependencyAction", StringComparison.OrdinalIgnoreCase))
                    {
                        throw BatchErrorResponses.InvalidPropertyValue("exitConditions.default." + option.Name, null, "Only exitConditions.default.dependencyAction is emulated.");
                    }
                }
            }

            if (content.ExitConditions?.Default?.DependencyAction is BatchDependencyAction.Unknown)
            {
                throw BatchErrorResponses.InvalidPropertyValue("exitConditions.default.dependencyAction", null, "Use satisfy or block.");
            }
        }
    }

    /// <summary>The service's error for the first resource file the emulator cannot fetch, if any.</summary>
    private static BatchRequestException? CheckResourceFiles(IList<BatchResourceFile>? files, string path)
    {
        if (files is null)
        {
            return null;
        }

        for (int i = 0; i < files.Count; i++)
        {
            var file = files[i];
            string at = $"{path}[{i}]";
            int sources = (file.HttpUrl is null ? 0 : 1) + (file.StorageContainerUrl is null ? 0 : 1) + (file.AutoStorageContainerName is null ? 0 : 1);
            if (sources > 1)
            {
                return BatchErrorResponses.InvalidPropertyValue(at, null, "The autoStorageContainerName, storageContainerUrl and httpUrl properties are mutually exclusive; give exactly one.");
            }

            if (file.AutoStorageContainerName is not null)
            {
                return BatchErrorResponses.InvalidPropertyValue(at + ".autoStorageContainerName", null, "Auto-storage resource files are not emulated (the emulated account has no auto-storage account); use storageContainerUrl with a read/list SAS.");
            }

            if (file.StorageContainerUrl is not null)
            {
                if (!IsHttpUrl(file.StorageContainerUrl))
                {
                    // Never echo the URL: it carries a SAS signature.
                    return BatchErrorResponses.InvalidPropertyValue(at + ".storageContainerUrl", null, "The URL must be an absolute http(s) URL, such as a container SAS URL with read and list permissions.");
                }

                continue; // filePath is optional: the folder the blobs go to
            }

            if (file.BlobPrefix is not null)
            {
                return BatchErrorResponses.InvalidPropertyValue(at + ".blobPrefix", file.BlobPrefix, "blobPrefix is valid only with autoStorageContainerName or storageContainerUrl.");
            }

            if (string.IsNullOrEmpty(file.HttpUrl))
            {
                return BatchErrorResponses.MissingRequiredProperty(at + ".httpUrl");
            }

            if (!IsHttpUrl(file.HttpUrl))
            {
                // Never echo the URL: it carries a SAS signature.
                return BatchErrorResponses.InvalidPropertyValue(at + ".httpUrl", null, "The URL must be an absolute http(s) URL, such as a blob SAS URL.");
            }

            if (string.IsNullOrEmpty(file.FilePath))
            {
                return BatchErrorResponses.MissingRequiredProperty(at + ".filePath");
            }
        }

        return null;
    }

    /// <summary>The service's error for the first environment setting without a name, if any.</summary>
    private static BatchRequestException? CheckEnvironment(IList<BatchEnvironmentSetting>? settings, string path)
    {
        if (settings is null)
        {
            return null;
        }

        for (int i = 0; i < settings.Count; i++)
        {
            if (string.IsNullOrEmpty(settings[i].Name))
            {
                return BatchErrorResponses.MissingRequiredProperty($"{path}[{i}].name");
            }
        }

        return null;
    }

    /// <summary>The service's error for the first incomplete output file, if any (a missing or unknown upload condition is thrown).</summary>
    private static BatchRequestException? CheckOutputFiles(IList<BatchOutputFile>? outputs)
    {
        if (outputs is null)
        {
            return null;
        }

        for (int i = 0; i < outputs.Count; i++)
        {
            var output = outputs[i];
            string at = $"outputFiles[{i}]";
            if (string.IsNullOrEmpty(output.FilePattern))
            {
                return BatchErrorResponses.MissingRequiredProperty(at + ".filePattern");
            }

            string? containerUrl = output.Destination?.Container?.ContainerUrl;
            if (string.IsNullOrEmpty(containerUrl))
            {
                return BatchErrorResponses.MissingRequiredProperty(at + ".destination.container.containerUrl");
            }

            if (!IsHttpUrl(containerUrl))
            {
                return BatchErrorResponses.InvalidPropertyValue(at + ".destination.container.containerUrl", null, "The URL must be an absolute http(s) container URL with a write SAS.");
            }

            switch (output.UploadOptions?.UploadCondition)
            {
                case null:
                    throw BatchErrorResponses.MissingRequiredProperty(at + ".uploadOptions.uploadCondition");
                case BatchOutputFileUploadCondition.TaskSuccess or BatchOutputFileUploadCondition.TaskFailure or BatchOutputFileUploadCondition.TaskCompletion:
                    break;
                default:
                    throw BatchErrorResponses.InvalidPropertyValue(at + ".uploadOptions.uploadCondition", null, "Use tasksuccess, taskfailure or taskcompletion.");
            }
        }

        return null;
    }

    private static bool IsHttpUrl(string url)
        => Uri.TryCreate(url, UriKind.Absolute, out Uri? parsed) && (parsed.Scheme == Uri.UriSchemeHttp || parsed.Scheme == Uri.UriSchemeHttps);

    private static T Deserialize<T>(JsonElement element, JsonTypeInfo<T> typeInfo)
    {
        try
        {
            return element.Deserialize(typeInfo) ?? throw BatchErrorResponses.InvalidRequestBody("The body is empty.");
        }
        catch (JsonException ex)
        {
            throw BatchErrorResponses.InvalidRequestBody(ex.Path is null ? ex.Message : $"The value at '{ex.Path}' has the wrong type.");
        }
        catch (InvalidOperationException ex)
        {
            throw BatchErrorResponses.InvalidRequestBody(ex.Message);
        }
    }

    private static JsonElement? Find(JsonElement obj, string name)
    {
        if (obj.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var property in obj.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind != JsonValueKind.Null)
            {
                return property.Value;
            }
        }

        return null;
    }

    private static string RequireString(JsonElement obj, string name, string path)
    {
        var value = Find(obj, name);
        if (value is null)
        {
            throw BatchErrorResponses.MissingRequiredProperty(path);
        }

        if (value.Value.ValueKind != JsonValueKind.String)
        {
            throw BatchErrorResponses.InvalidPropertyValue(path, value.Value.ToString(), "The value must be a string.");
        }

        string text = value.Value.GetString()!;
        return text.Length > 0 ? text : throw BatchErrorResponses.MissingRequiredProperty(path);
    }

    private static void CheckId(string property, string id)
    {
        string? error = BatchIdRules.Validate("resource", id);
        if (error is not null)
        {
            throw BatchErrorResponses.InvalidPropertyValue(property, id.Length > BatchIdRules.MaxLength ? id[..BatchIdRules.MaxLength] + "…" : id, $"An id is 1 to {BatchIdRules.MaxLength} letters, digits, hyphens and underscores.");
        }
    }
}
