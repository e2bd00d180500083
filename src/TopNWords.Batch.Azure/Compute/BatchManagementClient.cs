using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Internal;

namespace TopNWords.Batch.Azure.Compute;

/// <summary>
/// The two reads of the Batch management plane (<c>Microsoft.Batch</c>, Azure Resource Manager) that the pool preflight
/// needs: the account (location and dedicated-core quotas) and the VM sizes Batch supports in its location.
/// </summary>
/// <remarks>
/// Requests carry only a bearer token for the management endpoint's own scope (<c>{endpoint}/.default</c>), never the Batch
/// credential; a <c>nextLink</c> is followed only to the management endpoint itself (same scheme, host and port). Transient
/// failures are retried by the pipeline (the Batch client's retry options). Failures are
/// <see cref="BatchComputeException"/>s naming the account's resource id and what to do.
/// </remarks>
internal sealed class BatchManagementClient
{
    /// <summary>The <c>Microsoft.Batch</c> management API version (the newest stable one).</summary>
    internal const string ApiVersion = "2025-06-01";

    /// <summary>The most pages of VM sizes read (a guard against a service that links pages in a circle).</summary>
    private const int MaxPages = 100;

    private readonly HttpPipeline _pipeline;
    private readonly Uri _endpoint;
    private readonly BatchAccountResourceId _account;

    /// <summary>Initializes a new instance of the <see cref="BatchManagementClient"/> class.</summary>
    /// <param name="endpoint">The Azure Resource Manager endpoint (HTTPS).</param>
    /// <param name="account">The Batch account.</param>
    /// <param name="credential">The token credential; tokens are requested for <c>{endpoint}/.default</c> only.</param>
    /// <param name="options">Transport, retries and diagnostics (the Batch client's).</param>
    public BatchManagementClient(Uri endpoint, BatchAccountResourceId account, TokenCredential credential, ClientOptions options)
    {
        _endpoint = endpoint;
        _account = account;
        _pipeline = HttpPipelineBuilder.Build(
            options,
            perCallPolicies: [],
            perRetryPolicies: [new BearerTokenAuthenticationPolicy(credential, Scope(endpoint))],
            new ResponseClassifier());
    }

    /// <summary>The account's resource id, for messages.</summary>
    public string AccountId => _account.ToString();

    /// <summary>The token scope of a management endpoint: <c>https://management.azure.com/.default</c> for the public cloud.</summary>
    internal static string Scope(Uri endpoint) => endpoint.GetLeftPart(UriPartial.Authority) + "/.default";

    /// <summary>Gets the account's location and dedicated-core quotas (<c>GET {account id}</c>).</summary>
    public async Task<BatchAccountQuotas> GetAccountAsync(CancellationToken cancellationToken)
    {
        var uri = new RequestUriBuilder();
        uri.Reset(_endpoint);
        foreach (string segment in _account.Segments)
        {
            uri.AppendPath("/", escape: false);
            uri.AppendPath(segment, escape: true);
        }

        uri.AppendQuery("api-version", ApiVersion, escapeValue: true);
        using JsonDocument document = await GetJsonAsync(uri.ToUri(), "read", cancellationToken).ConfigureAwait(false);
        JsonElement root = document.RootElement;
        JsonElement properties = root.TryGetProperty("properties", out JsonElement p) && p.ValueKind == JsonValueKind.Object ? p : default;
        var families = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        if (properties.ValueKind == JsonValueKind.Object
            && properties.TryGetProperty("dedicatedCoreQuotaPerVMFamily", out JsonElement list)
            && list.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in list.EnumerateArray())
            {
                if (String(item, "name") is { Length: > 0 } name && Int(item, "coreQuota") is int quota)
                {
                    families[name] = quota;
                }
            }
        }

        string location = String(root, "location") ?? string.Empty;
        if (location.Length == 0)
        {
            throw new BatchComputeException(
                BatchComputeErrorKind.Other,
                $"Batch account '{AccountId}' as the management endpoint {Origin(_endpoint)} reports it has no location, so its VM sizes cannot be listed. Check AzureBatchComputeOptions.ManagementResourceId and ManagementEndpoint.",
                _account.AccountName);
        }

        return new BatchAccountQuotas(
            location,
            String(properties, "accountEndpoint"),
            String(properties, "poolAllocationMode"),
            Int(properties, "dedicatedCoreQuota"),
            properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty("dedicatedCoreQuotaPerVMFamilyEnforced", out JsonElement enforced) && enforced.ValueKind == JsonValueKind.True,
            families);
    }

    /// <summary>
    /// Lists the VM sizes Azure Batch supports in a location for the account's subscription
    /// (<c>GET /subscriptions/{s}/providers/Microsoft.Batch/locations/{location}/virtualMachineSkus</c>), every page.
    /// </summary>
    public async Task<IReadOnlyList<VirtualMachineSkuInfo>> ListVirtualMachineSkusAsync(string location, CancellationToken cancellationToken)
    {
        var uri = new RequestUriBuilder();
        uri.Reset(_endpoint);
        foreach (string segment in (string[])["subscriptions", _account.SubscriptionId, "providers", "Microsoft.Batch", "locations", location, "virtualMachineSkus"])
        {
            uri.AppendPath("/", escape: false);
            uri.AppendPath(segment, escape: true);
        }

        uri.AppendQuery("api-version", ApiVersion, escapeValue: true);
        var skus = new List<VirtualMachineSkuInfo>();
        Uri? next = uri.ToUri();
        for (int page = 0; next is not null; page++)
        {
            if (page == MaxPages)
            {
                throw new BatchComputeException(
                    BatchComputeErrorKind.Other,
                    $"The VM sizes of location '{location}' for Batch account '{AccountId}' did not end after {MaxPages} pages; the management endpoint {Origin(_endpoint)} keeps returning next links. Try again later, or leave ManagementResourceId unset to skip the VM size and quota checks.",
                    _account.AccountName);
            }

            using JsonDocument document = await GetJsonAsync(next, "list the VM sizes of location '" + location + "' for", cancellationToken).ConfigureAwait(false);
            JsonElement root = document.RootElement;
            if (root.TryGetProperty("value", out JsonElement values) && values.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement sku in values.EnumerateArray())
                {
                    if (String(sku, "name") is { Length: > 0 } name)
                    {
                        skus.Add(new VirtualMachineSkuInfo(name, String(sku, "familyName"), VCpus(sku), Time(sku, "batchSupportEndOfLife")));
                    }
                }
            }

            next = String(root, "nextLink") is { Length: > 0 } link ? ResolveNextLink(link) : null;
        }

        return skus;
    }

    /// <summary>A next link, only if it points at the management endpoint (its scheme, host and port); it gets the API version if it lacks one.</summary>
    private Uri ResolveNextLink(string link)
    {
        if (!Uri.TryCreate(_endpoint, link, out Uri? target)
            || !target.IsAbsoluteUri
            || !string.Equals(target.Scheme, _endpoint.Scheme, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(target.IdnHost, _endpoint.IdnHost, StringComparison.OrdinalIgnoreCase)
            || target.Port != _endpoint.Port
            || !string.IsNullOrEmpty(target.UserInfo))
        {
            throw new BatchComputeException(
                BatchComputeErrorKind.Other,
                $"The management endpoint returned a next link to another host ({(target is { IsAbsoluteUri: true } ? Origin(target) : "not a URI")}) while listing VM sizes for Batch account '{AccountId}'. " +
                $"It was not followed and no token was sent to it; check that AzureBatchComputeOptions.ManagementEndpoint ({Origin(_endpoint)}) is the cloud's Azure Resource Manager endpoint and that no proxy rewrites its responses.",
                _account.AccountName);
        }

        if (target.Query.Contains("api-version=", StringComparison.OrdinalIgnoreCase))
        {
            return target;
        }

        var builder = new RequestUriBuilder();
        builder.Reset(target);
        builder.AppendQuery("api-version", ApiVersion, escapeValue: true);
        return builder.ToUri();
    }

    private async Task<JsonDocument> GetJsonAsync(Uri uri, string action, CancellationToken cancellationToken)
    {
        using HttpMessage message = _pipeline.CreateMessage();
        message.Request.Method = RequestMethod.Get;
        message.Request.Uri.Reset(uri);
        message.Request.Headers.SetValue(HttpHeader.Names.Accept, "application/json");
        try
        {
            await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex)
        {
            throw new BatchComputeException(
                BatchComputeErrorKind.Unavailable,
                $"Could not {action} Batch account '{AccountId}' at the management endpoint {Origin(_endpoint)}: no response after the retries BatchClientOptions.Retry allows. Check the network, or try again later.",
                _account.AccountName,
                errorCode: null,
                innerException: ex);
        }

        Response response = message.Response;
        if (response.IsError)
        {
            throw Failure(response, action);
        }

        try
        {
            return JsonDocument.Parse(response.Content.ToMemory());
        }
        catch (JsonException ex)
        {
            throw new BatchComputeException(
                BatchComputeErrorKind.Other,
                $"Could not {action} Batch account '{AccountId}': the management endpoint {Origin(_endpoint)} answered {response.Status} with a body that is not JSON. Check ManagementEndpoint.",
                _account.AccountName,
                errorCode: null,
                innerException: ex);
        }
    }

    /// <summary>The compute failure of a management error response: kind by status, the service's code and (redacted) message, and what to do.</summary>
    private BatchComputeException Failure(Response response, string action)
    {
        string? code = null;
        string? detail = null;
        try
        {
            using JsonDocument error = JsonDocument.Parse(response.Content.ToMemory());
            if (error.RootElement.ValueKind == JsonValueKind.Object && error.RootElement.TryGetProperty("error", out JsonElement e) && e.ValueKind == JsonValueKind.Object)
            {
                code = String(e, "code");
                detail = String(e, "message");
            }
        }
        catch (JsonException)
        {
            // No JSON error body: the status says enough.
        }

        int status = response.Status;
        string what = $"{status}{(code is null ? string.Empty : " " + code)}";
        (BatchComputeErrorKind kind, string advice) = status switch
        {
            401 or 403 => (BatchComputeErrorKind.Forbidden,
                "give the credential's identity read access to the Batch account (for example the Reader role on it or its resource group), or leave AzureBatchComputeOptions.ManagementResourceId unset to skip the VM size and quota checks."),
            404 => (BatchComputeErrorKind.NotFound,
                "check AzureBatchComputeOptions.ManagementResourceId (subscription, resource group, account name) and ManagementEndpoint."),
            408 or 429 or >= 500 => (BatchComputeErrorKind.Unavailable,
                "the management endpoint is busy or failing after the retries BatchClientOptions.Retry allows; try again later."),
            400 => (BatchComputeErrorKind.InvalidRequest,
                "check AzureBatchComputeOptions.ManagementResourceId and ManagementEndpoint."),
            _ => (BatchComputeErrorKind.Other, "check AzureBatchComputeOptions.ManagementResourceId and ManagementEndpoint."),
        };
        string service = string.IsNullOrWhiteSpace(detail) ? string.Empty : " Service: " + SecretRedaction.RedactText(AzureBatchErrors.OneLine(detail.Trim()));
        return new BatchComputeException(
            kind,
            $"Could not {action} Batch account '{AccountId}' at the management endpoint {Origin(_endpoint)} ({what}): {advice}{service}",
            _account.AccountName,
            code);
    }

    private static string Origin(Uri uri)
        => uri.Scheme + "://" + uri.Host + (uri.IsDefaultPort ? string.Empty : ":" + uri.Port.ToString(CultureInfo.InvariantCulture));

    private static string? String(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int? Int(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number) ? number : null;

    private static DateTimeOffset? Time(JsonElement element, string name)
        => String(element, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset time) ? time : null;

    /// <summary>The <c>vCPUs</c> capability of a SKU (a string, as the service sends capabilities).</summary>
    private static int? VCpus(JsonElement sku)
    {
        if (sku.TryGetProperty("capabilities", out JsonElement capabilities) && capabilities.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement capability in capabilities.EnumerateArray())
            {
                if (string.Equals(String(capability, "name"), "vCPUs", StringComparison.OrdinalIgnoreCase)
                    && int.TryParse(String(capability, "value"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int vcpus))
                {
                    return vcpus;
                }
            }
        }

        return null;
    }
}

/// <summary>A Batch account's location and dedicated-core quotas, as the management plane reports them.</summary>
/// <param name="Location">The account's Azure region, such as <c>westus</c>.</param>
/// <param name="AccountEndpoint">The account's data-plane endpoint host, such as <c>myaccount.westus.batch.azure.com</c>, when reported.</param>
/// <param name="PoolAllocationMode"><c>BatchService</c> or <c>UserSubscription</c>, when reported.</param>
/// <param name="DedicatedCoreQuota">The total dedicated-core quota; absent for user-subscription accounts (the subscription's quota applies).</param>
/// <param name="PerFamilyEnforced">Whether the per-family quotas are enforced (then the total is enforced too).</param>
/// <param name="FamilyQuotas">The dedicated-core quota per VM family (case-insensitive names).</param>
internal sealed record BatchAccountQuotas(string Location, string? AccountEndpoint, string? PoolAllocationMode, int? DedicatedCoreQuota, bool PerFamilyEnforced, IReadOnlyDictionary<string, int> FamilyQuotas);

/// <summary>A VM size Azure Batch supports in a location.</summary>
/// <param name="Name">The size, such as <c>Standard_D2s_v3</c>.</param>
/// <param name="Family">Its quota family, such as <c>standardDSv3Family</c>.</param>
/// <param name="VCpus">Its vCPUs, when reported.</param>
/// <param name="BatchSupportEndOfLife">When Azure Batch stops supporting it, when announced.</param>
internal sealed record VirtualMachineSkuInfo(string Name, string? Family, int? VCpus, DateTimeOffset? BatchSupportEndOfLife);
