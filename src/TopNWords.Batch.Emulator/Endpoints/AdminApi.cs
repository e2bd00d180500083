using System.Text.Json;
using TopNWords.Batch.Emulator.Faults;
using TopNWords.Batch.Emulator.Protocol;
using TopNWords.Batch.Emulator.State;

namespace TopNWords.Batch.Emulator.Endpoints;

/// <summary>
/// Emulator-only endpoints under <c>/admin</c> (not part of the Batch API): faults, request counts, the pools and
/// jobs that exist, and breaking a node now. They need the same authentication as the Batch API, but no
/// <c>api-version</c>, and are never faulted or counted.
/// </summary>
internal sealed class AdminApi(EmulatorState state, FaultInjector faults, RequestCounter counter, Microsoft.Extensions.Logging.ILogger logger)
{
    public void Map(WebApplication app)
    {
        app.MapGet("/admin/faults", GetFaultsAsync).WithMetadata(new BatchOperation("Admin_GetFaults", IsAdmin: true));
        app.MapPost("/admin/faults", SetFaultsAsync).WithMetadata(new BatchOperation("Admin_SetFaults", IsAdmin: true));
        app.MapGet("/admin/requests", GetRequestsAsync).WithMetadata(new BatchOperation("Admin_GetRequests", IsAdmin: true));
        app.MapDelete("/admin/requests", ResetRequestsAsync).WithMetadata(new BatchOperation("Admin_ResetRequests", IsAdmin: true));
        app.MapGet("/admin/resources", GetResourcesAsync).WithMetadata(new BatchOperation("Admin_GetResources", IsAdmin: true));
        app.MapPost("/admin/pools/{poolId}/nodes/{nodeId}/unusable", (HttpContext c, string poolId, string nodeId) => MakeUnusableAsync(c, poolId, nodeId))
            .WithMetadata(new BatchOperation("Admin_MakeNodeUnusable", IsAdmin: true));
    }

    /// <summary>Applies faults and logs them.</summary>
    public void SetFaults(BatchEmulatorFaults value)
    {
        faults.Set(value);
        if (logger.IsEnabled(LogLevel.Information))
        {
            string startTaskFailures = string.Join(", ", value.StartTaskFailureNodes);
            string unusable = string.Join(", ", value.UnusableNodes);
            EmulatorLog.FaultsChanged(logger, value.ServerBusyRate, value.TooManyRequestsRate, value.ThrottleBurstEvery, value.DropConnectionAfterAddTaskCollection, startTaskFailures, unusable);
        }
    }

    private Task GetFaultsAsync(HttpContext context) => WriteAsync(context, faults.Current, EmulatorJsonContext.Default.BatchEmulatorFaults);

    private async Task SetFaultsAsync(HttpContext context)
    {
        byte[] body = await RequestBodies.ReadAsync(context, BatchEmulatorOptions.ServiceRequestBodyLimit).ConfigureAwait(false);
        BatchEmulatorFaults value;
        try
        {
            value = JsonSerializer.Deserialize(body, EmulatorJsonContext.Default.BatchEmulatorFaults) ?? throw BatchErrorResponses.InvalidRequestBody("The body is empty.");
            SetFaults(value);
        }
        catch (JsonException ex)
        {
            throw BatchErrorResponses.InvalidRequestBody("The faults are not valid JSON: " + ex.Message);
        }
        catch (ArgumentException ex)
        {
            throw BatchErrorResponses.InvalidPropertyValue((ex as ArgumentOutOfRangeException)?.ParamName ?? ex.ParamName ?? "faults", null, ex.Message);
        }

        await WriteAsync(context, faults.Current, EmulatorJsonContext.Default.BatchEmulatorFaults).ConfigureAwait(false);
    }

    private Task GetRequestsAsync(HttpContext context) => WriteAsync(context, counter.Snapshot(), EmulatorJsonContext.Default.BatchEmulatorRequestCounts);

    private Task ResetRequestsAsync(HttpContext context)
    {
        counter.Reset();
        return Responses.WriteEmptyAsync(context, StatusCodes.Status204NoContent);
    }

    private Task GetResourcesAsync(HttpContext context) => WriteAsync(context, state.Resources(), EmulatorJsonContext.Default.BatchEmulatorResources);

    private Task MakeUnusableAsync(HttpContext context, string poolId, string nodeId)
    {
        if (!state.MarkNodeUnusable(poolId, nodeId, "requested through /admin"))
        {
            throw BatchErrorResponses.NodeNotFound();
        }

        return Responses.WriteEmptyAsync(context, StatusCodes.Status202Accepted);
    }

    private static async Task WriteAsync<T>(HttpContext context, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
    {
        byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }
}
