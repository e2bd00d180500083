using System.Globalization;
using System.Text.Json.Nodes;
using TopNWords.Batch.Emulator.Protocol;
using TopNWords.Batch.Emulator.State;

namespace TopNWords.Batch.Emulator.Endpoints;

/// <content>
/// List pools and jobs (<c>$filter</c>, <c>$select</c>, <c>$expand</c>, <c>maxresults</c> and paging), update pools
/// and jobs (<c>PATCH</c>, with <c>If-Match</c>), and the node counts of pools.
/// </content>
internal sealed partial class BatchApi
{
    private static readonly string[] Expandable = ["stats", "metadata"];

    /// <summary>What list pools filters on (the service's documented properties, less autoscale's).</summary>
    private static readonly IReadOnlyList<FilterProperty> PoolFilter =
    [
        new("id", FilterKind.Text, StartsWith: true),
        new("state", FilterKind.Enum, ["active", "deleting"]),
        new("stateTransitionTime", FilterKind.DateTime),
        new("creationTime", FilterKind.DateTime),
        new("lastModified", FilterKind.DateTime),
        new("allocationState", FilterKind.Enum, ["steady", "resizing", "stopping"]),
        new("allocationStateTransitionTime", FilterKind.DateTime),
        new("vmSize", FilterKind.Text),
        new("enableAutoScale", FilterKind.Boolean),
        new("enableInterNodeCommunication", FilterKind.Boolean),
    ];

    /// <summary>What list jobs filters on (the service's documented properties).</summary>
    private static readonly IReadOnlyList<FilterProperty> JobFilter =
    [
        new("id", FilterKind.Text, StartsWith: true),
        new("state", FilterKind.Enum, ["active", "disabling", "disabled", "enabling", "terminating", "completed", "deleting"]),
        new("stateTransitionTime", FilterKind.DateTime),
        new("creationTime", FilterKind.DateTime),
        new("lastModified", FilterKind.DateTime),
        new("executionInfo/startTime", FilterKind.DateTime),
        new("executionInfo/endTime", FilterKind.DateTime),
        new("executionInfo/poolId", FilterKind.Text, StartsWith: true),
    ];

    /// <summary>What list pool node counts filters on: the pool id, with <c>eq</c> only.</summary>
    private static readonly IReadOnlyList<FilterProperty> NodeCountsFilter = [new("poolId", FilterKind.Text, EqualityOnly: true)];

    private static readonly IReadOnlyCollection<string> ListedPoolMembers = [.. PoolMembers, "stats"];
    private static readonly IReadOnlyCollection<string> ListedJobMembers = [.. JobMembers, "stats"];
    private static readonly IReadOnlyCollection<string> NodeCountsMembers = WireJson.MemberNames(WireJson.Context.BatchPoolNodeCounts);

    partial void MapPoolAndJobOperations(WebApplication app)
    {
        app.MapGet("/pools", ListPoolsAsync).WithMetadata(new BatchOperation(BatchOperation.ListPools));
        app.MapPatch("/pools/{poolId}", (HttpContext c, string poolId) => UpdatePoolAsync(c, poolId)).WithMetadata(new BatchOperation(BatchOperation.UpdatePool));
        app.MapGet("/nodecounts", ListPoolNodeCountsAsync).WithMetadata(new BatchOperation(BatchOperation.ListPoolNodeCounts));
        app.MapGet("/jobs", ListJobsAsync).WithMetadata(new BatchOperation(BatchOperation.ListJobs));
        app.MapPatch("/jobs/{jobId}", (HttpContext c, string jobId) => UpdateJobAsync(c, jobId)).WithMetadata(new BatchOperation(BatchOperation.UpdateJob));
    }

    private Task ListPoolsAsync(HttpContext context)
    {
        var query = ListQuery.Parse(context.Request, PoolFilter, ListedPoolMembers);
        bool stats = ListQuery.ParseExpand(context.Request, Expandable).Contains("stats");
        string baseUrl = Responses.BaseUrl(context);
        var now = EmulatorRequest.Get(context).Time;
        var items = state.ListPools(baseUrl).Select(p =>
        {
            var obj = WireJson.ToObject(p.Pool, WireJson.Context.BatchPool);
            if (stats)
            {
                obj["stats"] = PoolStats(p.Pool.Url!, p.Pool.CreationTime!.Value, now);
            }

            return (p.Sequence, obj);
        });
        return WriteListAsync(context, "pools", items, query);
    }

    private Task ListJobsAsync(HttpContext context)
    {
        var query = ListQuery.Parse(context.Request, JobFilter, ListedJobMembers);
        bool stats = ListQuery.ParseExpand(context.Request, Expandable).Contains("stats");
        string baseUrl = Responses.BaseUrl(context);
        var now = EmulatorRequest.Get(context).Time;
        var items = state.ListJobs(baseUrl).Select(j =>
        {
            var obj = WireJson.ToObject(j.Job, WireJson.Context.BatchJob);
            if (stats)
            {
                obj["stats"] = JobStats(j.Job.Url!, j.Job.CreationTime!.Value, now, j.Tally);
            }

            return (j.Sequence, obj);
        });
        return WriteListAsync(context, "jobs", items, query);
    }

    private Task ListPoolNodeCountsAsync(HttpContext context)
    {
        var query = ListQuery.Parse(context.Request, NodeCountsFilter, NodeCountsMembers);
        var items = state.ListPoolNodeCounts().Select(c => (c.Sequence, WireJson.ToObject(c.Counts, WireJson.Context.BatchPoolNodeCounts)));
        return WriteListAsync(context, "poolnodecounts", items, query);
    }

    private async Task UpdatePoolAsync(HttpContext context, string poolId)
    {
        byte[] bytes = await RequestBodies.ReadAsync(context, faults.RequestBodyLimit).ConfigureAwait(false);
        using var document = RequestBodies.ParseObject(bytes);
        var update = RequestBodies.ParsePoolUpdate(document.RootElement);
        var (eTag, lastModified) = state.UpdatePool(poolId, update, IfMatch(context));
        await UpdatedAsync(context, $"pools/{poolId}", eTag, lastModified).ConfigureAwait(false);
    }

    private async Task UpdateJobAsync(HttpContext context, string jobId)
    {
        byte[] bytes = await RequestBodies.ReadAsync(context, faults.RequestBodyLimit).ConfigureAwait(false);
        using var document = RequestBodies.ParseObject(bytes);
        var update = RequestBodies.ParseJobUpdate(document.RootElement);
        var (eTag, lastModified) = state.UpdateJob(jobId, update, IfMatch(context));
        await UpdatedAsync(context, $"jobs/{jobId}", eTag, lastModified).ConfigureAwait(false);
    }

    private static string? IfMatch(HttpContext context) =>
        context.Request.Headers.IfMatch is { Count: > 0 } values ? values.ToString() : null;

    /// <summary>The service's answer to an update: 200, no body, the entity's new tag and time, and its URL.</summary>
    private static Task UpdatedAsync(HttpContext context, string relative, string eTag, DateTimeOffset lastModified)
    {
        context.Response.Headers["DataServiceId"] = $"{Responses.BaseUrl(context)}/{relative}";
        Responses.SetEntityHeaders(context, eTag, lastModified);
        return Responses.WriteEmptyAsync(context, StatusCodes.Status200OK);
    }

    /// <summary>A pool's <c>stats</c>: the emulator meters no usage, so the times are real and the amounts zero.</summary>
    private static JsonObject PoolStats(string url, DateTimeOffset start, DateTimeOffset now) => new()
    {
        ["url"] = url + "/stats",
        ["startTime"] = Time(start),
        ["lastUpdateTime"] = Time(now),
        ["usageStats"] = new JsonObject { ["startTime"] = Time(start), ["lastUpdateTime"] = Time(now), ["dedicatedCoreTime"] = "PT0S" },
    };

    /// <summary>A job's <c>stats</c>: task tallies from its tasks; times and I/O are not metered (zero).</summary>
    private static JsonObject JobStats(string url, DateTimeOffset start, DateTimeOffset now, JobTaskTally tally) => new()
    {
        ["url"] = url + "/stats",
        ["startTime"] = Time(start),
        ["lastUpdateTime"] = Time(now),
        ["userCPUTime"] = "PT0S",
        ["kernelCPUTime"] = "PT0S",
        ["wallClockTime"] = "PT0S",
        ["readIOps"] = 0,
        ["writeIOps"] = 0,
        ["readIOGiB"] = 0.0,
        ["writeIOGiB"] = 0.0,
        ["numSucceededTasks"] = tally.Succeeded,
        ["numFailedTasks"] = tally.Failed,
        ["numTaskRetries"] = tally.Retries,
        ["waitTime"] = "PT0S",
    };

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}
