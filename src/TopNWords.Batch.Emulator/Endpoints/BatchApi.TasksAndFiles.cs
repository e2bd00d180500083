using System.Text.Json.Nodes;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Emulator.Protocol;

namespace TopNWords.Batch.Emulator.Endpoints;

/// <content>Single tasks (add, delete, terminate), task and node file listings, and single nodes.</content>
internal sealed partial class BatchApi
{
    partial void MapTaskAndFileOperations(WebApplication app)
    {
        app.MapPost("/jobs/{jobId}/tasks", (HttpContext c, string jobId) => CreateTaskAsync(c, jobId)).WithMetadata(new BatchOperation(BatchOperation.CreateTask));
        app.MapDelete("/jobs/{jobId}/tasks/{taskId}", (HttpContext c, string jobId, string taskId) => DeleteTaskAsync(c, jobId, taskId)).WithMetadata(new BatchOperation(BatchOperation.DeleteTask));
        app.MapPost("/jobs/{jobId}/tasks/{taskId}/terminate", (HttpContext c, string jobId, string taskId) => TerminateTaskAsync(c, jobId, taskId)).WithMetadata(new BatchOperation(BatchOperation.TerminateTask));
        app.MapGet("/jobs/{jobId}/tasks/{taskId}/files", (HttpContext c, string jobId, string taskId) => ListTaskFilesAsync(c, jobId, taskId)).WithMetadata(new BatchOperation(BatchOperation.ListTaskFiles));
        app.MapGet("/pools/{poolId}/nodes/{nodeId}/files", (HttpContext c, string poolId, string nodeId) => ListNodeFilesAsync(c, poolId, nodeId)).WithMetadata(new BatchOperation(BatchOperation.ListNodeFiles));
        app.MapGet("/pools/{poolId}/nodes/{nodeId}", (HttpContext c, string poolId, string nodeId) => GetNodeAsync(c, poolId, nodeId)).WithMetadata(new BatchOperation(BatchOperation.GetNode));
    }

    /// <summary>A node as list nodes and get node answer it: the wire model plus members the client model lacks.</summary>
    private static JsonObject NodeObject(BatchNode node, string affinityId)
    {
        var obj = WireJson.ToObject(node, WireJson.Context.BatchNode);
        obj["schedulingState"] = "enabled";
        obj["affinityId"] = affinityId;
        obj["nodeAgentInfo"] = new JsonObject
        {
            ["version"] = "1.12.0.0",
            ["lastUpdateTime"] = obj["allocationTime"]?.DeepClone(),
        };
        return obj;
    }

    private async Task CreateTaskAsync(HttpContext context, string jobId)
    {
        byte[] bytes = await RequestBodies.ReadAsync(context, faults.RequestBodyLimit).ConfigureAwait(false);
        using var document = RequestBodies.ParseObject(bytes);
        var item = RequestBodies.ParseSingleTask(document.RootElement);
        var (eTag, lastModified) = state.AddTask(jobId, item);
        await CreatedAsync(context, $"jobs/{jobId}/tasks/{item.Spec!.Id}", eTag, lastModified).ConfigureAwait(false);
    }

    private async Task DeleteTaskAsync(HttpContext context, string jobId, string taskId)
    {
        await state.DeleteTaskAsync(jobId, taskId, context.RequestAborted).ConfigureAwait(false);
        await Responses.WriteEmptyAsync(context, StatusCodes.Status200OK).ConfigureAwait(false);
    }

    private async Task TerminateTaskAsync(HttpContext context, string jobId, string taskId)
    {
        await state.TerminateTaskAsync(jobId, taskId, context.RequestAborted).ConfigureAwait(false);
        var (task, _) = state.GetTask(jobId, taskId, Responses.BaseUrl(context));
        SetDataServiceHeaders(context, $"jobs/{jobId}/tasks/{taskId}", task.ETag!, task.LastModified!.Value);
        await Responses.WriteEmptyAsync(context, StatusCodes.Status204NoContent).ConfigureAwait(false);
    }

    private Task ListTaskFilesAsync(HttpContext context, string jobId, string taskId)
    {
        var (query, recursive, prefix) = ParseFileListQuery(context.Request);
        var (root, _) = state.TaskFolders(jobId, taskId);
        string urlBase = $"{Responses.BaseUrl(context)}/jobs/{jobId}/tasks/{taskId}/files";
        var items = FileListing.List(root, urlBase, recursive, prefix, name => EmulatorLog.FileListLinkRefused(logger, $"task '{taskId}' of job '{jobId}'", name));
        return WriteListAsync(context, "files", items, query);
    }

    private Task ListNodeFilesAsync(HttpContext context, string poolId, string nodeId)
    {
        var (query, recursive, prefix) = ParseFileListQuery(context.Request);
        string root = state.NodeDirectory(poolId, nodeId);
        string urlBase = $"{Responses.BaseUrl(context)}/pools/{poolId}/nodes/{nodeId}/files";
        var items = FileListing.List(root, urlBase, recursive, prefix, name => EmulatorLog.FileListLinkRefused(logger, $"node '{nodeId}' of pool '{poolId}'", name));
        return WriteListAsync(context, "files", items, query);
    }

    private Task GetNodeAsync(HttpContext context, string poolId, string nodeId)
    {
        string baseUrl = Responses.BaseUrl(context);
        var select = ListQuery.ParseSelect(context.Request, NodeMembers);
        var (node, affinityId, eTag, lastModified) = state.GetNode(poolId, nodeId, baseUrl);
        Responses.SetEntityHeaders(context, eTag, lastModified);
        var body = WireJson.WithMetadata(WireJson.Metadata(baseUrl, "nodes/@Element"), NodeObject(node, affinityId), select);
        return Responses.WriteJsonAsync(context, StatusCodes.Status200OK, body);
    }

    private static (ListQuery Query, bool Recursive, string? Prefix) ParseFileListQuery(HttpRequest request) =>
        (ListQuery.ParsePaging(request, "recursive"), FileListing.ParseRecursive(request), FileListing.ParseNamePrefix(request));
}
