using System.Globalization;
using Microsoft.Extensions.Logging;
using TopNWords.Batch.Azure.BatchRest;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Compute;

namespace TopNWords.Batch.Azure.Compute;

/// <summary>
/// The checks of <see cref="AzureBatchCompute.PreflightPoolAsync"/>, before anything is created: the image (data plane,
/// <c>GET /supportedimages</c>), then, through the management plane when configured, the VM size and the account's
/// dedicated-core quota (the cores of the account's other pools counted from the data plane).
/// </summary>
internal sealed class PoolPreflight
{
    /// <summary>What the dedicated-core count of the account's pools needs.</summary>
    internal const string QuotaPoolSelect = "id,vmSize,targetDedicatedNodes,currentDedicatedNodes";

    private const string QuotaAdvice =
        "Ask for fewer or smaller nodes, delete pools you no longer need, or request a higher quota (Azure portal, Batch account, Quotas).";

    private readonly BatchRestClient _client;
    private readonly SupportedImageSelector _images;
    private readonly BatchManagementClient? _management;
    private readonly string? _notConfigured;
    private readonly AzureBatchComputeOptions _options;
    private readonly TimeProvider _time;
    private readonly string _account;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="PoolPreflight"/> class.</summary>
    /// <param name="client">The Batch data-plane client.</param>
    /// <param name="images">The image selector pools are created with.</param>
    /// <param name="management">The management-plane client, or <see langword="null"/> when the VM size and quota are not checked.</param>
    /// <param name="notConfigured">Why <paramref name="management"/> is <see langword="null"/> (for the skipped checks).</param>
    /// <param name="options">The default VM size.</param>
    /// <param name="time">The clock that support end dates are compared with.</param>
    /// <param name="account">The account's display name.</param>
    /// <param name="logger">The logger.</param>
    public PoolPreflight(BatchRestClient client, SupportedImageSelector images, BatchManagementClient? management, string? notConfigured, AzureBatchComputeOptions options, TimeProvider time, string account, ILogger logger)
    {
        _client = client;
        _images = images;
        _management = management;
        _notConfigured = notConfigured;
        _options = options;
        _time = time;
        _account = account;
        _logger = logger;
    }

    /// <summary>Runs the checks for <paramref name="pool"/>.</summary>
    public async Task<ComputePreflightResult> RunAsync(PoolSpec pool, CancellationToken cancellationToken)
    {
        var passed = new List<string>();
        var skipped = new List<string>();
        string vmSize = pool.VirtualMachineSize ?? _options.VirtualMachineSize;

        SupportedImageSelector.SelectedImage image = await _images.GetAsync(pool.Id, cancellationToken).ConfigureAwait(false);
        passed.Add($"Image {image.Publisher}/{image.Offer}/{image.Sku} (node agent '{image.NodeAgentSkuId}') is supported by Azure Batch account '{_account}'.");

        if (_management is null)
        {
            skipped.Add($"VM size '{vmSize}' not checked: {_notConfigured}");
            skipped.Add($"Dedicated-core quota not checked: {_notConfigured}");
            return Done(pool, passed, skipped, null);
        }

        BatchAccountQuotas account = await _management.GetAccountAsync(cancellationToken).ConfigureAwait(false);
        if (account.AccountEndpoint is { Length: > 0 } endpoint && !string.Equals(HostOf(endpoint), _account, StringComparison.OrdinalIgnoreCase))
        {
            throw new BatchComputeException(
                BatchComputeErrorKind.InvalidRequest,
                $"AzureBatchComputeOptions.ManagementResourceId names Batch account '{_management.AccountId}', whose endpoint is {endpoint}, but this compute talks to {_account}: " +
                $"its VM sizes and quota would be another account's, so pool '{pool.Id}' was not checked. Set ManagementResourceId to the id of the account at {_account}.",
                pool.Id,
                "ManagementAccountMismatch");
        }

        IReadOnlyList<VirtualMachineSkuInfo> skus = await _management.ListVirtualMachineSkusAsync(account.Location, cancellationToken).ConfigureAwait(false);
        VirtualMachineSkuInfo sku = FindSize(pool, vmSize, account.Location, skus);
        passed.Add($"VM size '{vmSize}' is available to Azure Batch in {account.Location} ({Describe(sku)}).");

        if (sku.VCpus is not int vcpus)
        {
            skipped.Add($"Dedicated-core quota not checked: location {account.Location} does not report the vCPUs of VM size '{vmSize}'.");
            return Done(pool, passed, skipped, null);
        }

        if (account.DedicatedCoreQuota is not int totalQuota)
        {
            skipped.Add(
                $"Dedicated-core quota not checked: Batch account '{_management.AccountId}' reports no dedicated-core quota " +
                $"(pool allocation mode {account.PoolAllocationMode ?? "unknown"}: its nodes count against the subscription's regional vCPU quota, which this check does not read).");
            return Done(pool, passed, skipped, vcpus);
        }

        CoreUsage usage = await CountDedicatedCoresAsync(pool.Id, sku.Family, skus, cancellationToken).ConfigureAwait(false);
        int needed = checked(pool.NodeCount * vcpus);
        string demand = $"{pool.NodeCount} node(s) × {vcpus} vCPUs of {vmSize} = {needed}";
        if (account.PerFamilyEnforced && sku.Family is { } family)
        {
            int familyQuota = account.FamilyQuotas.TryGetValue(family, out int q) ? q : 0;
            Require(pool, demand, needed, familyQuota, usage.FamilyCores, $"'{family}' dedicated-core quota", "VmFamilyCoreQuotaExceeded");
            passed.Add($"Dedicated cores fit the '{family}' quota: {demand} needed, quota {familyQuota}, {usage.FamilyCores} in use{usage.Note}.");
        }

        Require(pool, demand, needed, totalQuota, usage.TotalCores, "dedicated-core quota", "CoreQuotaExceeded");
        passed.Add($"Dedicated cores fit the account's quota: {demand} needed, quota {totalQuota}, {usage.TotalCores} in use{usage.Note}.");
        return Done(pool, passed, skipped, vcpus);
    }

    /// <summary>The VM sizes whose names share the longest start with <paramref name="wanted"/>, for the message.</summary>
    internal static IEnumerable<string> Suggestions(string wanted, IEnumerable<VirtualMachineSkuInfo> skus, int count)
        => skus
            .Select(s => s.Name)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .OrderByDescending(name => CommonPrefix(name, wanted))
            .ThenBy(name => name, StringComparer.OrdinalIgnoreCase)
            .Take(count);

    private static int CommonPrefix(string a, string b)
    {
        int n = 0;
        while (n < a.Length && n < b.Length && char.ToUpperInvariant(a[n]) == char.ToUpperInvariant(b[n]))
        {
            n++;
        }

        return n;
    }

    /// <summary>The host of an account endpoint the management plane reports (a host, or a URL in some clouds' answers).</summary>
    private static string HostOf(string endpoint)
        => Uri.TryCreate(endpoint, UriKind.Absolute, out Uri? uri) && !string.IsNullOrEmpty(uri.Host) ? uri.Host : endpoint.Trim().TrimEnd('/');

    private static string Describe(VirtualMachineSkuInfo sku)
        => (sku.VCpus is int v ? v.ToString(CultureInfo.InvariantCulture) + " vCPUs" : "vCPUs not reported") + (sku.Family is { } f ? ", family " + f : string.Empty);

    private ComputePreflightResult Done(PoolSpec pool, List<string> passed, List<string> skipped, int? coresPerNode)
    {
        AzureBatchLog.PreflightDone(_logger, _account, pool.Id, passed.Count, skipped.Count);
        return new ComputePreflightResult(passed, skipped, coresPerNode);
    }

    private VirtualMachineSkuInfo FindSize(PoolSpec pool, string vmSize, string location, IReadOnlyList<VirtualMachineSkuInfo> skus)
    {
        VirtualMachineSkuInfo? sku = skus.FirstOrDefault(s => string.Equals(s.Name, vmSize, StringComparison.OrdinalIgnoreCase));
        if (sku is null)
        {
            string examples = string.Join(", ", Suggestions(vmSize, skus, 5));
            throw new BatchComputeException(
                BatchComputeErrorKind.InvalidRequest,
                $"VM size '{vmSize}' is not one Azure Batch supports in {location} for Batch account '{_management!.AccountId}', so pool '{pool.Id}' cannot be created. " +
                $"Set PoolSpec.VirtualMachineSize or AzureBatchComputeOptions.VirtualMachineSize to a listed size" +
                (examples.Length == 0 ? " (the location lists none)" : $", such as {examples}") +
                $" (az batch location list-skus --location {location}).",
                pool.Id,
                "VmSizeNotSupported");
        }

        if (sku.BatchSupportEndOfLife is { } end && end <= _time.GetUtcNow())
        {
            throw new BatchComputeException(
                BatchComputeErrorKind.InvalidRequest,
                $"VM size '{vmSize}' is past its Azure Batch end of support ({end.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}) in {location}, so pool '{pool.Id}' cannot be created. " +
                "Set PoolSpec.VirtualMachineSize or AzureBatchComputeOptions.VirtualMachineSize to a size Batch still supports.",
                pool.Id,
                "VmSizeNotSupported");
        }

        return sku;
    }

    private void Require(PoolSpec pool, string demand, int needed, int quota, int used, string quotaName, string code)
    {
        int free = Math.Max(0, quota - used);
        if (needed <= free)
        {
            return;
        }

        throw new BatchComputeException(
            BatchComputeErrorKind.QuotaExceeded,
            $"Pool '{pool.Id}' needs {needed} dedicated cores ({demand}), but the {quotaName} of Batch account '{_management!.AccountId}' is {quota} with {used} in use, so {free} are free. {QuotaAdvice}",
            pool.Id,
            code);
    }

    /// <summary>
    /// The dedicated cores the account's pools hold or ask for (the larger of target and current nodes, times the vCPUs of
    /// their size), in all and in <paramref name="family"/>; the pool being checked is not counted (a resumed run's pool).
    /// </summary>
    private async Task<CoreUsage> CountDedicatedCoresAsync(string poolId, string? family, IReadOnlyList<VirtualMachineSkuInfo> skus, CancellationToken cancellationToken)
    {
        var bySize = new Dictionary<string, VirtualMachineSkuInfo>(StringComparer.OrdinalIgnoreCase);
        foreach (VirtualMachineSkuInfo sku in skus)
        {
            bySize.TryAdd(sku.Name, sku);
        }

        int total = 0;
        int inFamily = 0;
        var uncounted = new List<string>();
        try
        {
            await foreach (BatchPool pool in _client.ListPoolsAsync(select: QuotaPoolSelect, maxResults: AzureBatchCompute.ListPageSize, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (string.Equals(pool.Id, poolId, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                int nodes = Math.Max(pool.TargetDedicatedNodes ?? 0, pool.CurrentDedicatedNodes ?? 0);
                if (nodes == 0)
                {
                    continue;
                }

                if (pool.VmSize is null || !bySize.TryGetValue(pool.VmSize, out VirtualMachineSkuInfo? size) || size.VCpus is not int vcpus)
                {
                    uncounted.Add($"'{pool.Id}' ({pool.VmSize ?? "no VM size"})");
                    continue;
                }

                int cores = checked(nodes * vcpus);
                total = checked(total + cores);
                if (family is not null && string.Equals(size.Family, family, StringComparison.OrdinalIgnoreCase))
                {
                    inFamily = checked(inFamily + cores);
                }
            }
        }
        catch (BatchServiceException ex)
        {
            throw AzureBatchErrors.Fail(_logger, _account, ex, "list the pools (for the dedicated-core quota check of pool '" + poolId + "') of", "account", _account);
        }

        string note = uncounted.Count == 0 ? string.Empty : "; not counted, VM size unknown: " + string.Join(", ", uncounted);
        return new CoreUsage(total, inFamily, note);
    }

    private sealed record CoreUsage(int TotalCores, int FamilyCores, string Note);
}
