using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Emulator.Protocol;
using TopNWords.Batch.Emulator.State;

namespace TopNWords.Batch.Emulator.Endpoints;

/// <summary>The Batch data-plane operations, in the service's wire format.</summary>
internal sealed partial class BatchApi(EmulatorState state, Faults.FaultInjector faults, Microsoft.Extensions.Logging.ILogger logger)
{
    private static readonly IReadOnlyList<FilterProperty> TaskFilter =
    [
        new("id", FilterKind.Text),
        new("state", FilterKind.Enum, ["active", "preparing", "running", "completed"]),
        new("stateTransitionTime", FilterKind.DateTime),
        new("creationTime", FilterKind.DateTime),
        new("previousState", FilterKind.Enum, ["active", "preparing", "running", "completed"]),
        new("executionInfo/result", FilterKind.Enum, ["success", "failure"]),
        new("executionInfo/exitCode", FilterKind.Number),
    ];

    private static readonly IReadOnlyList<FilterProperty> NodeFilter =
    [
        new("id", FilterKind.Text),
        new("state", FilterKind.Enum, ["idle", "rebooting", "reimaging", "running", "unusable", "creating", "starting", "waitingforstarttask", "starttaskfailed", "unknown", "leavingpool", "offline", "preempted", "upgradingos", "deallocated", "deallocating"]),
        new("stateTransitionTime", FilterKind.DateTime),
    ];

    private static readonly string[] NodeExtraMembers = ["schedulingState", "affinityId", "nodeAgentInfo"];
    private static readonly string[] TaskExtraMembers = ["resourceFiles", "outputFiles", "environmentSettings"];

    private static readonly IReadOnlyCollection<string> PoolMembers = WireJson.MemberNames(WireJson.Context.BatchPool);
    private static readonly IReadOnlyCollection<string> JobMembers = WireJson.MemberNames(WireJson.Context.BatchJob);
    private static readonly IReadOnlyCollection<string> NodeMembers = [.. WireJson.MemberNames(WireJson.Context.BatchNode), .. NodeExtraMembers];
    private static readonly IReadOnlyCollection<string> TaskMembers = [.. WireJson.MemberNames(WireJson.Context.BatchTask), .. TaskExtraMembers];
    private static readonly IReadOnlyCollection<string> ImageMembers = WireJson.MemberNames(WireJson.Context.BatchSupportedImage);

    public void Map(WebApplication app)
    {
        app.MapGet("/supportedimages", ListSupportedImagesAsync).WithMetadata(new BatchOperation(BatchOperation.ListSupportedImages));

        app.MapMethods("/pools/{poolId}", [HttpMethods.Head], (HttpContext c, string poolId) => PoolExistsAsync(c, poolId)).WithMetadata(new BatchOperation(BatchOperation.PoolExists));
        app.MapGet("/pools/{poolId}", (HttpContext c, string poolId) => GetPoolAsync(c, poolId)).WithMetadata(new BatchOperation(BatchOperation.GetPool));
        app.MapPost("/pools", CreatePoolAsync).WithMetadata(new BatchOperation(BatchOperation.CreatePool));
        app.MapDelete("/pools/{poolId}", (HttpContext c, string poolId) => DeletePoolAsync(c, poolId)).WithMetadata(new BatchOperation(BatchOperation.DeletePool));
        app.MapGet("/pools/{poolId}/nodes", (HttpContext c, string poolId) => ListNodesAsync(c, poolId)).WithMetadata(new BatchOperation(BatchOperation.ListNodes));
        app.MapGet("/pools/{poolId}/nodes/{nodeId}/files/{**filePath}", (HttpContext c, string poolId, string nodeId) => NodeFileAsync(c, poolId, nodeId)).WithMetadata(new BatchOperation(BatchOperation.GetNodeFile));
        app.MapMethods("/pools/{poolId}/nodes/{nodeId}/files/{**filePath}", [HttpMethods.Head], (HttpContext c, string poolId, string nodeId) => NodeFileAsync(c, poolId, nodeId)).WithMetadata(new BatchOperation(BatchOperation.GetNodeFileProperties));

        app.MapPost("/jobs", CreateJobAsync).WithMetadata(new BatchOperation(BatchOperation.CreateJob));
        app.MapGet("/jobs/{jobId}", (HttpContext c, string jobId) => GetJobAsync(c, jobId)).WithMetadata(new BatchOperation(BatchOperation.GetJob));
        app.MapDelete("/jobs/{jobId}", (HttpContext c, string jobId) => DeleteJobAsync(c, jobId)).WithMetadata(new BatchOperation(BatchOperation.DeleteJob));
        app.MapPost("/jobs/{jobId}/terminate", (HttpContext c, string jobId) => TerminateJobAsync(c, jobId)).WithMetadata(new BatchOperation(BatchOperation.TerminateJob));
        app.MapGet("/jobs/{jobId}/taskcounts", (HttpContext c, string jobId) => TaskCountsAsync(c, jobId)).WithMetadata(new BatchOperation(BatchOperation.GetJobTaskCounts));
        app.MapPost("/jobs/{jobId}/addtaskcollection", (HttpContext c, string jobId) => AddTaskCollectionAsync(c, jobId)).WithMetadata(new BatchOperation(BatchOperation.CreateTaskCollection));
        app.MapGet("/jobs/{jobId}/tasks", (HttpContext c, string jobId) => ListTasksAsync(c, jobId)).WithMetadata(new BatchOperation(BatchOperation.ListTasks));
        app.MapGet("/jobs/{jobId}/tasks/{taskId}", (HttpContext c, string jobId, string taskId) => GetTaskAsync(c, jobId, taskId)).WithMetadata(new BatchOperation(BatchOperation.GetTask));
        app.MapGet("/jobs/{jobId}/tasks/{taskId}/files/{**filePath}", (HttpContext c, string jobId, string taskId) => TaskFileAsync(c, jobId, taskId)).WithMetadata(new BatchOperation(BatchOperation.GetTaskFile));
        app.MapMethods("/jobs/{jobId}/tasks/{taskId}/files/{**filePath}", [HttpMethods.Head], (HttpContext c, string jobId, string taskId) => TaskFileAsync(c, jobId, taskId)).WithMetadata(new BatchOperation(BatchOperation.GetTaskFileProperties));
        MapPoolAndJobOperations(app);
        MapTaskAndFileOperations(app);
    }

    /// <summary>Pool and job listing, metadata, patch and node counts (<c>BatchApi.PoolsAndJobs.cs</c>).</summary>
    partial void MapPoolAndJobOperations(WebApplication app);

    /// <summary>Single tasks, task and node file listings, and nodes (<c>BatchApi.TasksAndFiles.cs</c>).</summary>
    partial void MapTaskAndFileOperations(WebApplication app);

    // ------------------------------------------------------------------ images

    private static Task ListSupportedImagesAsync(HttpContext context)
    {
        var query = ListQuery.Parse(context.Request, SupportedImages.Filterable, ImageMembers);
        var items = SupportedImages.All.Select((image, i) => ((long)i + 1, WireJson.ToObject(image, WireJson.Context.BatchSupportedImage)));
        return WriteListAsync(context, "supportedimages", items, query);
    }

    // ------------------------------------------------------------------ pools and nodes

    private Task PoolExistsAsync(HttpContext context, string poolId)
    {
        if (!state.PoolExists(poolId))
        {
            throw BatchErrorResponses.PoolNotFound();
        }

        var (_, eTag, lastModified) = state.GetPool(poolId, Responses.BaseUrl(context));
        Responses.SetEntityHeaders(context, eTag, lastModified);
        return Responses.WriteEmptyAsync(context, StatusCodes.Status200OK);
    }

    private Task GetPoolAsync(HttpContext context, string poolId)
    {
        string baseUrl = Responses.BaseUrl(context);
        var select = ListQuery.ParseSelect(context.Request, ListedPoolMembers);
        bool stats = ListQuery.ParseExpand(context.Request, Expandable).Contains("stats");
        var (pool, eTag, lastModified) = state.GetPool(poolId, baseUrl);
        Responses.SetEntityHeaders(context, eTag, lastModified);
        var obj = WireJson.ToObject(pool, WireJson.Context.BatchPool);
        if (stats)
        {
            obj["stats"] = PoolStats(pool.Url!, pool.CreationTime!.Value, EmulatorRequest.Get(context).Time);
        }

        var body = WireJson.WithMetadata(WireJson.Metadata(baseUrl, "pools/@Element"), obj, select);
        return Responses.WriteJsonAsync(context, StatusCodes.Status200OK, body);
    }

    private async Task CreatePoolAsync(HttpContext context)
    {
        byte[] bytes = await RequestBodies.ReadAsync(context, faults.RequestBodyLimit).ConfigureAwait(false);
        using var document = RequestBodies.ParseObject(bytes);
        var (content, template) = RequestBodies.ParsePool(document.RootElement);
        var (eTag, lastModified) = state.CreatePool(content, template);
        await CreatedAsync(context, $"pools/{content.Id}", eTag, lastModified).ConfigureAwait(false);
    }

    private Task DeletePoolAsync(HttpContext context, string poolId)
    {
        state.DeletePool(poolId);
        return Responses.WriteEmptyAsync(context, StatusCodes.Status202Accepted);
    }

    private Task ListNodesAsync(HttpContext context, string poolId)
    {
        var query = ListQuery.Parse(context.Request, NodeFilter, NodeMembers);
        var nodes = state.ListNodes(poolId, Responses.BaseUrl(context));
        var items = nodes.Select(n => (n.Sequence, NodeObject(n.Node, n.AffinityId)));
        return WriteListAsync(context, "nodes", items, query);
    }

    private Task NodeFileAsync(HttpContext context, string poolId, string nodeId)
    {
        string root = state.NodeDirectory(poolId, nodeId);
        string path = FileServing.RelativePath(context);
        return FileServing.ServeAsync(context, root, root, path, $"{Responses.BaseUrl(context)}/pools/{poolId}/nodes/{nodeId}/files/{path}", logger);
    }

    // ------------------------------------------------------------------ jobs

    private async Task CreateJobAsync(HttpContext context)
    {
        byte[] bytes = await RequestBodies.ReadAsync(context, faults.RequestBodyLimit).ConfigureAwait(false);
        using var document = RequestBodies.ParseObject(bytes);
        var content = RequestBodies.ParseJob(document.RootElement);
        var (eTag, lastModified) = state.CreateJob(content);
        await CreatedAsync(context, $"jobs/{content.Id}", eTag, lastModified).ConfigureAwait(false);
    }

    private Task GetJobAsync(HttpContext context, string jobId)
    {
        string baseUrl = Responses.BaseUrl(context);
        var select = ListQuery.ParseSelect(context.Request, ListedJobMembers);
        bool stats = ListQuery.ParseExpand(context.Request, Expandable).Contains("stats");
        var (job, eTag, lastModified) = state.GetJob(jobId, baseUrl);
        Responses.SetEntityHeaders(context, eTag, lastModified);
        var obj = WireJson.ToObject(job, WireJson.Context.BatchJob);
        if (stats)
        {
            obj["stats"] = JobStats(job.Url!, job.CreationTime!.Value, EmulatorRequest.Get(context).Time, state.GetJobTally(jobId));
        }

        var body = WireJson.WithMetadata(WireJson.Metadata(baseUrl, "jobs/@Element"), obj, select);
        return Responses.WriteJsonAsync(context, StatusCodes.Status200OK, body);
    }

    private Task DeleteJobAsync(HttpContext context, string jobId)
    {
        state.DeleteJob(jobId);
        return Responses.WriteEmptyAsync(context, StatusCodes.Status202Accepted);
    }

    private async Task TerminateJobAsync(HttpContext context, string jobId)
    {
        byte[] bytes = await RequestBodies.ReadAsync(context, faults.RequestBodyLimit).ConfigureAwait(false);
        string? reason = RequestBodies.ParseTerminateReason(bytes);
        state.TerminateJob(jobId, reason);
        var (_, eTag, lastModified) = state.GetJob(jobId, Responses.BaseUrl(context));
        SetDataServiceHeaders(context, $"jobs/{jobId}", eTag, lastModified);
        await Responses.WriteEmptyAsync(context, StatusCodes.Status202Accepted).ConfigureAwait(false);
    }

    private Task TaskCountsAsync(HttpContext context, string jobId)
    {
        var counts = state.GetTaskCounts(jobId);
        var body = WireJson.WithMetadata(WireJson.Metadata(Responses.BaseUrl(context), "taskcounts/@Element"), WireJson.ToObject(counts, WireJson.Context.BatchJobTaskCounts));
        return Responses.WriteJsonAsync(context, StatusCodes.Status200OK, body);
    }

    // ------------------------------------------------------------------ tasks

    private async Task AddTaskCollectionAsync(HttpContext context, string jobId)
    {
        byte[] bytes = await RequestBodies.ReadAsync(context, faults.RequestBodyLimit).ConfigureAwait(false);
        using var document = RequestBodies.ParseObject(bytes);
        var items = RequestBodies.ParseTaskCollection(document.RootElement);
        var outcomes = state.AddTasks(jobId, items);

        if (faults.TakeConnectionDrop())
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                int added = outcomes.Count(o => o.Status == BatchTaskAddStatus.Success);
                EmulatorLog.ConnectionDropped(logger, jobId, added);
            }

            EmulatorRequest.Get(context).MarkDropped();
            context.Abort();
            return;
        }

        string baseUrl = Responses.BaseUrl(context);
        var results = new BatchTaskAddCollectionResult
        {
            Value = [.. outcomes.Select(o => new BatchTaskAddResult
            {
                Status = o.Status,
                TaskId = o.TaskId,
                ETag = o.ETag,
                LastModified = o.LastModified,
                Location = o.Status == BatchTaskAddStatus.Success ? $"{baseUrl}/jobs/{jobId}/tasks/{o.TaskId}" : null,
                Error = o.Error is { } e ? new BatchError
                {
                    Code = e.Code,
                    Message = new BatchErrorMessage { Lang = "en-US", Value = e.Message },
                    Values = e.Values.Count == 0 ? null : [.. e.Values.Select(v => new BatchErrorDetail { Key = v.Key, Value = v.Value })],
                }
                : null,
            })],
        };
        var body = WireJson.WithMetadata(WireJson.Metadata(baseUrl, "taskaddresult"), WireJson.ToObject(results, WireJson.Context.BatchTaskAddCollectionResult));
        await Responses.WriteJsonAsync(context, StatusCodes.Status200OK, body).ConfigureAwait(false);
    }

    private Task ListTasksAsync(HttpContext context, string jobId)
    {
        var query = ListQuery.Parse(context.Request, TaskFilter, TaskMembers);
        Func<TaskRecord, bool>? mayMatch = query.Filter is { } filter
            ? record => filter.MayMatch((string path, out JsonNode? value) => EmulatorState.KnownTaskProperty(record, path, out value))
            : null;
        var tasks = state.ListTasks(jobId, Responses.BaseUrl(context), query.After, mayMatch);
        var items = tasks.Select(t => (t.Sequence, TaskObject(t.Task, t.Record)));
        return WriteListAsync(context, "tasks", items, query);
    }

    private Task GetTaskAsync(HttpContext context, string jobId, string taskId)
    {
        string baseUrl = Responses.BaseUrl(context);
        var select = ListQuery.ParseSelect(context.Request, TaskMembers);
        var (task, record) = state.GetTask(jobId, taskId, baseUrl);
        Responses.SetEntityHeaders(context, task.ETag!, task.LastModified!.Value);
        var body = WireJson.WithMetadata(WireJson.Metadata(baseUrl, "tasks/@Element"), TaskObject(task, record), select);
        return Responses.WriteJsonAsync(context, StatusCodes.Status200OK, body);
    }

    private Task TaskFileAsync(HttpContext context, string jobId, string taskId)
    {
        var (root, nodeRoot) = state.TaskFolders(jobId, taskId);
        string path = FileServing.RelativePath(context);
        return FileServing.ServeAsync(context, root, nodeRoot, path, $"{Responses.BaseUrl(context)}/jobs/{jobId}/tasks/{taskId}/files/{path}", logger);
    }

    private static JsonObject TaskObject(BatchTask task, TaskRecord record)
    {
        var obj = WireJson.ToObject(task, WireJson.Context.BatchTask);
        var content = record.Content;
        AddList(obj, "resourceFiles", content.ResourceFiles);
        AddList(obj, "outputFiles", content.OutputFiles);
        AddList(obj, "environmentSettings", content.EnvironmentSettings);
        return obj;

        static void AddList<T>(JsonObject target, string name, IList<T>? list)
        {
            if (list is { Count: > 0 })
            {
                var typeInfo = (JsonTypeInfo<IList<T>>)WireJson.Context.GetTypeInfo(typeof(IList<T>))!;
                target[name] = JsonSerializer.SerializeToNode(list, typeInfo);
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>The headers the service answers an action on an entity with (terminate): its URL as <c>DataServiceId</c>, its tag and time.</summary>
    private static void SetDataServiceHeaders(HttpContext context, string relative, string eTag, DateTimeOffset lastModified)
    {
        context.Response.Headers["DataServiceId"] = $"{Responses.BaseUrl(context)}/{relative}";
        Responses.SetEntityHeaders(context, eTag, lastModified);
    }

    private static Task CreatedAsync(HttpContext context, string relative, string eTag, DateTimeOffset lastModified)
    {
        string location = $"{Responses.BaseUrl(context)}/{relative}";
        context.Response.Headers.Location = location;
        context.Response.Headers["DataServiceId"] = location;
        Responses.SetEntityHeaders(context, eTag, lastModified);
        return Responses.WriteEmptyAsync(context, StatusCodes.Status201Created);
    }

    /// <summary>Writes one page: items after the continuation point that match the filter, up to maxresults, with <c>odata.nextLink</c> when more may follow.</summary>
    private static Task WriteListAsync(HttpContext context, string entitySet, IEnumerable<(long Sequence, JsonObject Item)> items, ListQuery query)
    {
        var page = new JsonArray();
        long last = 0;
        bool more = false;
        foreach ((long sequence, JsonObject item) in items)
        {
            if (sequence <= query.After || (query.Filter is not null && !query.Filter.Matches(item)))
            {
                continue;
            }

            if (page.Count == query.MaxResults)
            {
                more = true;
                break;
            }

            page.Add(WireJson.Select(item, query.Select));
            last = sequence;
        }

        var body = new JsonObject
        {
            ["odata.metadata"] = WireJson.Metadata(Responses.BaseUrl(context), entitySet),
            ["value"] = page,
        };
        if (more)
        {
            body["odata.nextLink"] = query.NextLink(context, last);
        }

        return Responses.WriteJsonAsync(context, StatusCodes.Status200OK, body);
    }
}
