using TopNWords.Batch.Emulator.Auth;
using TopNWords.Batch.Emulator.Faults;
using TopNWords.Batch.Emulator.Protocol;
using TopNWords.Batch.Emulator.State;

namespace TopNWords.Batch.Emulator;

/// <summary>
/// What every request goes through before its operation runs: a <c>request-id</c>, counting, injected faults,
/// authentication, the <c>api-version</c> check; and, after it, the service's error body for any refusal.
/// </summary>
internal sealed class RequestPipeline(SharedKeyAuthenticator authenticator, FaultInjector faults, RequestCounter counter, TimeProvider time, ILogger logger)
{
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var operation = context.GetEndpoint()?.Metadata.GetMetadata<BatchOperation>() ?? new BatchOperation(BatchOperation.Unknown);
        var request = new EmulatorRequest(Guid.NewGuid().ToString(), time.GetUtcNow(), operation);
        request.Attach(context);
        var headers = context.Response.Headers;
        headers["request-id"] = request.RequestId;
        headers["DataServiceVersion"] = "3.0";
        if (string.Equals(context.Request.Headers["return-client-request-id"], "true", StringComparison.OrdinalIgnoreCase))
        {
            headers["client-request-id"] = context.Request.Headers["client-request-id"].ToString();
        }

        bool injected = false;
        try
        {
            if (!operation.IsAdmin && faults.ForRequest(operation.Name) is { } fault)
            {
                injected = true;
                EmulatorLog.FaultInjected(logger, fault.Status, fault.Code, operation.Name);
                throw fault;
            }

            try
            {
                authenticator.Authenticate(context);
            }
            catch (BatchRequestException ex)
            {
                EmulatorLog.AuthenticationFailed(logger, context.Request.Method, context.Request.Path, ex.Values.Count > 0 ? ex.Values[0].Value : ex.Message);
                throw;
            }

            if (!operation.IsAdmin)
            {
                request.ApiVersion = CheckApiVersion(context.Request);
            }

            if (context.GetEndpoint() is null)
            {
                throw BatchErrorResponses.ResourceNotFound();
            }

            await next(context).ConfigureAwait(false);
        }
        catch (BatchRequestException ex) when (!context.Response.HasStarted)
        {
            context.Response.Clear();
            headers["request-id"] = request.RequestId;
            headers["DataServiceVersion"] = "3.0";
            await Responses.WriteErrorAsync(context, ex).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // the client went away
        }
        finally
        {
            injected |= request.Dropped;
            if (!operation.IsAdmin)
            {
                counter.Count(operation.Name, context.Response.StatusCode, injected);
            }

            if (logger.IsEnabled(LogLevel.Debug))
            {
                string path = context.Request.Path;
                EmulatorLog.Request(logger, context.Request.Method, path, operation.Name, context.Response.StatusCode);
            }
        }
    }

    /// <summary>The request's api-version when it is one the emulator serves (the service's 400 otherwise).</summary>
    internal static string CheckApiVersion(HttpRequest request)
    {
        if (!request.Query.TryGetValue("api-version", out var values) || string.IsNullOrEmpty(values.ToString()))
        {
            throw BatchErrorResponses.MissingRequiredQueryParameter("api-version");
        }

        string version = values.ToString();
        if (values.Count != 1 || !ApiVersionShapes.IsServed(version))
        {
            throw BatchErrorResponses.InvalidQueryParameterValue(
                "api-version",
                version,
                $"The api-version is not one this emulator serves. Send one of the stable Batch data-plane versions {string.Join(", ", ApiVersionShapes.Served)}.");
        }

        return version;
    }
}
