using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using TopNWords.Batch.Azure;
using TopNWords.Batch.Azure.BatchRest;
using TopNWords.Batch.Emulator.Protocol;

namespace TopNWords.Batch.Emulator;

/// <summary>
/// A client of the emulator's own <c>/admin</c> endpoints (not part of the Batch API), for tests and scripts that
/// run the emulator as a separate process: set and read faults, read request counts per operation, list what
/// exists, break a node. Requests are signed with Shared Key like Batch requests.
/// </summary>
public sealed class BatchEmulatorAdminClient
{
    private readonly HttpPipeline _pipeline;
    private readonly Uri _endpoint;

    /// <summary>Initializes a new instance of the <see cref="BatchEmulatorAdminClient"/> class.</summary>
    /// <param name="endpoint">The emulator's base URI (what it printed: <c>http://127.0.0.1:port</c>).</param>
    /// <param name="credential">The emulator's account name and key.</param>
    public BatchEmulatorAdminClient(Uri endpoint, BatchSharedKeyCredential credential)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(credential);
        var options = new BatchClientOptions();
        options.Retry.MaxRetries = 0;
        _endpoint = endpoint;
        _pipeline = new BatchRestClient(endpoint, credential, options).Pipeline; // Shared Key signing, no retries
    }

    /// <summary>Gets the faults in force (with the connection drops still to come).</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The faults.</returns>
    public Task<BatchEmulatorFaults> GetFaultsAsync(CancellationToken cancellationToken = default) =>
        SendAsync(RequestMethod.Get, "admin/faults", null, EmulatorJsonContext.Default.BatchEmulatorFaults, cancellationToken)!;

    /// <summary>Replaces the faults (the random sequence restarts from their seed).</summary>
    /// <param name="faults">The faults.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The faults now in force.</returns>
    public Task<BatchEmulatorFaults> SetFaultsAsync(BatchEmulatorFaults faults, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(faults);
        return SendAsync(RequestMethod.Post, "admin/faults", JsonSerializer.SerializeToUtf8Bytes(faults, EmulatorJsonContext.Default.BatchEmulatorFaults), EmulatorJsonContext.Default.BatchEmulatorFaults, cancellationToken)!;
    }

    /// <summary>Gets how many Batch requests came, per operation.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The counts.</returns>
    public Task<BatchEmulatorRequestCounts> GetRequestCountsAsync(CancellationToken cancellationToken = default) =>
        SendAsync(RequestMethod.Get, "admin/requests", null, EmulatorJsonContext.Default.BatchEmulatorRequestCounts, cancellationToken)!;

    /// <summary>Sets the request counts back to zero.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when they are reset.</returns>
    public Task ResetRequestCountsAsync(CancellationToken cancellationToken = default) =>
        SendAsync<object>(RequestMethod.Delete, "admin/requests", null, null, cancellationToken);

    /// <summary>Gets the pools and jobs that exist (being deleted ones included).</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>Their ids.</returns>
    public Task<BatchEmulatorResources> GetResourcesAsync(CancellationToken cancellationToken = default) =>
        SendAsync(RequestMethod.Get, "admin/resources", null, EmulatorJsonContext.Default.BatchEmulatorResources, cancellationToken)!;

    /// <summary>Turns a node <c>unusable</c> now.</summary>
    /// <param name="poolId">The pool id.</param>
    /// <param name="nodeId">The node id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the node is marked.</returns>
    public Task MakeNodeUnusableAsync(string poolId, string nodeId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolId);
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        return SendAsync<object>(RequestMethod.Post, $"admin/pools/{Uri.EscapeDataString(poolId)}/nodes/{Uri.EscapeDataString(nodeId)}/unusable", null, null, cancellationToken);
    }

    private async Task<T?> SendAsync<T>(RequestMethod method, string path, byte[]? body, JsonTypeInfo<T>? typeInfo, CancellationToken cancellationToken)
        where T : class
    {
        using HttpMessage message = _pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(new Uri(_endpoint, path));
        if (body is not null)
        {
            message.Request.Headers.SetValue("Content-Type", "application/json");
            message.Request.Content = RequestContent.Create(body);
        }

        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        Response response = message.Response;
        if (response.Status >= 300)
        {
            throw new BatchServiceException($"The emulator's {method} /{path} failed: {response.Status} {response.Content}", response.Status, null, response.Content.ToString(), null, null);
        }

        return typeInfo is null ? null : JsonSerializer.Deserialize(response.Content.ToMemory().Span, typeInfo);
    }
}
