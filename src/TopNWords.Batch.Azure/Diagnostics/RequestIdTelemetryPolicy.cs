using System.Diagnostics;
using Azure.Core;
using Azure.Core.Pipeline;

namespace TopNWords.Batch.Azure;

/// <summary>
/// Puts the request ids of each Azure request (the service's <c>x-ms-request-id</c> or <c>request-id</c>, the client's
/// <c>x-ms-client-request-id</c> or <c>client-request-id</c>) and the host on the span of the workflow's call that made it
/// (<see cref="TopNWordsBatchTelemetry.CallActivityName"/>: the current span, or its nearest ancestor of that name when the
/// Azure SDK's own spans sit in between); the last request of a retried call wins. Nothing else of a request is tagged: no
/// URL (whose query may hold a SAS), no other header. Does nothing when no such span is being recorded.
/// </summary>
internal sealed class RequestIdTelemetryPolicy : HttpPipelinePolicy
{
    /// <summary>The one instance (the policy has no state).</summary>
    public static readonly RequestIdTelemetryPolicy Instance = new();

    private RequestIdTelemetryPolicy()
    {
    }

    /// <inheritdoc />
    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        try
        {
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        }
        finally
        {
            Tag(message);
        }
    }

    /// <inheritdoc />
    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        try
        {
            ProcessNext(message, pipeline);
        }
        finally
        {
            Tag(message);
        }
    }

    /// <summary>The span of the workflow's call in progress on this flow, if one is being recorded.</summary>
    internal static Activity? FindCallActivity()
    {
        for (var activity = Activity.Current; activity is not null; activity = activity.Parent)
        {
            if (activity.OperationName == TopNWordsBatchTelemetry.CallActivityName && activity.Source.Name == TopNWordsBatchTelemetry.ActivitySourceName)
            {
                return activity.IsAllDataRequested ? activity : null;
            }
        }

        return null;
    }

    private static void Tag(HttpMessage message)
    {
        if (FindCallActivity() is not { } activity)
        {
            return;
        }

        string? clientRequestId = message.Request.Headers.TryGetValue("x-ms-client-request-id", out string? c) || message.Request.Headers.TryGetValue("client-request-id", out c) ? c : null;
        string? requestId = message.HasResponse && (message.Response.Headers.TryGetValue("x-ms-request-id", out string? r) || message.Response.Headers.TryGetValue("request-id", out r)) ? r : null;

        // One call may send requests in parallel (a ranged download): its span's tags are set one request at a time.
        lock (activity)
        {
            activity.SetTag(TopNWordsBatchTelemetry.ServerAddressTag, message.Request.Uri.Host);
            if (clientRequestId is not null)
            {
                activity.SetTag(TopNWordsBatchTelemetry.ClientRequestIdTag, clientRequestId);
            }

            if (requestId is not null)
            {
                activity.SetTag(TopNWordsBatchTelemetry.ServiceRequestIdTag, requestId);
            }
        }
    }
}
