using Azure.Core;
using Microsoft.Extensions.Logging;

namespace TopNWords.Batch.Azure.Compute;

/// <summary>Options of <see cref="AzureBatchCompute"/>.</summary>
public sealed class AzureBatchComputeOptions
{
    /// <summary>The default image publisher: Canonical.</summary>
    public const string DefaultImagePublisher = "canonical";

    /// <summary>The default image offer: Ubuntu Server 24.04 LTS.</summary>
    public const string DefaultImageOffer = "ubuntu-24_04-lts";

    /// <summary>The default image SKU prefix: the x64 server image of the offer.</summary>
    public const string DefaultImageSkuPrefix = "server";

    /// <summary>The default VM size: 2 vCPUs, 8 GiB, available in most regions.</summary>
    public const string DefaultVirtualMachineSize = "STANDARD_D2S_V3";

    private TimeProvider? _timeProvider;

    /// <summary>
    /// Gets or sets the options of the underlying Batch data-plane client: service version, transport,
    /// retries (the one retry layer: 408, 429 and 5xx with <c>Retry-After</c>), diagnostics and its clock.
    /// </summary>
    /// <value>The default value is a new <see cref="BatchClientOptions"/>.</value>
    public BatchClientOptions ClientOptions { get; set; } = new();

    /// <summary>Gets or sets the publisher of the pool's Marketplace image (compared case-insensitively).</summary>
    /// <value>The default value is <c>canonical</c>.</value>
    public string ImagePublisher { get; set; } = DefaultImagePublisher;

    /// <summary>Gets or sets the offer of the pool's Marketplace image (compared case-insensitively).</summary>
    /// <value>The default value is <c>ubuntu-24_04-lts</c> (Ubuntu Server 24.04 LTS).</value>
    public string ImageOffer { get; set; } = DefaultImageOffer;

    /// <summary>
    /// Gets or sets the start of the image's SKU. Among the account's supported Linux images of
    /// <see cref="ImagePublisher"/> and <see cref="ImageOffer"/> that Azure Batch verified and still supports,
    /// an exact SKU match wins, then the image supported longest, then the highest SKU name. Arm64 images
    /// are skipped unless the prefix names <c>arm64</c> (the VM size must match the image's architecture).
    /// </summary>
    /// <value>The default value is <c>server</c>.</value>
    public string ImageSkuPrefix { get; set; } = DefaultImageSkuPrefix;

    /// <summary>Gets or sets the VM size of pools whose <see cref="TopNWords.Batch.Compute.PoolSpec.VirtualMachineSize"/> is not set.</summary>
    /// <value>The default value is <c>STANDARD_D2S_V3</c>.</value>
    public string VirtualMachineSize { get; set; } = DefaultVirtualMachineSize;

    /// <summary>Gets or sets how often the pool and its nodes are polled while waiting for the pool to be ready.</summary>
    /// <value>The default value is 10 seconds (allocating nodes takes minutes; each poll is two requests).</value>
    public TimeSpan PoolPollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets how many add-task-collection requests (each of at most 100 tasks) are in flight at once.
    /// </summary>
    /// <value>
    /// The default value is 4: 10,000 tasks are 100 requests, which 4 at a time add in about a quarter of the
    /// serial time, while staying well below the rates at which the service starts answering 429.
    /// </value>
    public int MaxParallelAddTaskRequests { get; set; } = 4;

    /// <summary>
    /// Gets or sets how many times in all a task that the service refused with a per-task <c>servererror</c>
    /// is sent (the first attempt included) before the add fails naming it.
    /// </summary>
    /// <value>The default value is 4.</value>
    public int MaxTaskAddAttempts { get; set; } = 4;

    /// <summary>Gets or sets the clock of the pool wait and of image support dates.</summary>
    /// <value>
    /// The default value is the <see cref="BatchClientOptions.TimeProvider"/> of <see cref="ClientOptions"/>, which is
    /// <see cref="TimeProvider.System"/> unless set there: one clock for the client and the compute.
    /// </value>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public TimeProvider TimeProvider
    {
        get => _timeProvider ?? ClientOptions?.TimeProvider ?? TimeProvider.System;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _timeProvider = value;
        }
    }

    /// <summary>The default Azure Resource Manager endpoint: the public Azure cloud's.</summary>
    public static readonly Uri DefaultManagementEndpoint = new("https://management.azure.com");

    /// <summary>
    /// Gets or sets the Batch account's Azure Resource Manager resource id,
    /// <c>/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Batch/batchAccounts/{accountName}</c>
    /// (<c>az batch account show -n {accountName} -g {resourceGroup} --query id</c>).
    /// </summary>
    /// <remarks>
    /// The Batch data plane has no API for VM sizes or quotas, so <see cref="AzureBatchCompute.PreflightPoolAsync"/> checks the
    /// pool's VM size and the account's dedicated-core quota through the management plane, with the
    /// <see cref="TokenCredential"/> the compute was built with (a bearer token for the management endpoint's own scope;
    /// the identity needs read access to the Batch account, such as the Reader role). Without a resource id, or with Shared Key
    /// authentication, those two checks are skipped and reported as skipped.
    /// </remarks>
    /// <value>The default value is <see langword="null"/>: VM size and quota are not checked.</value>
    public string? ManagementResourceId { get; set; }

    /// <summary>Gets or sets the Azure Resource Manager endpoint the VM size and quota checks use (HTTPS).</summary>
    /// <remarks>Tokens are requested for the scope <c>{endpoint}/.default</c>, such as <c>https://management.azure.com/.default</c>.</remarks>
    /// <value>The default value is <c>https://management.azure.com</c> (set another for a sovereign cloud).</value>
    public Uri ManagementEndpoint { get; set; } = DefaultManagementEndpoint;

    /// <summary>Gets or sets the logger factory. Its loggers never receive keys, tokens or SAS URLs.</summary>
    /// <value>The default value is <see langword="null"/>: no logging.</value>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Checks the options; the constructors of <see cref="AzureBatchCompute"/> call it.</summary>
    /// <exception cref="ArgumentNullException"><see cref="ClientOptions"/>, <see cref="ImageSkuPrefix"/> or <see cref="ManagementEndpoint"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <see cref="ImagePublisher"/>, <see cref="ImageOffer"/> or <see cref="VirtualMachineSize"/> is empty or white space;
    /// <see cref="ManagementResourceId"/> is not a Batch account's resource id; or <see cref="ManagementEndpoint"/> is not an absolute HTTPS URL.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="PoolPollInterval"/> is not positive, or <see cref="MaxParallelAddTaskRequests"/> or <see cref="MaxTaskAddAttempts"/> is less than 1.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(ClientOptions, nameof(ClientOptions));
        ArgumentException.ThrowIfNullOrWhiteSpace(ImagePublisher, nameof(ImagePublisher));
        ArgumentException.ThrowIfNullOrWhiteSpace(ImageOffer, nameof(ImageOffer));
        ArgumentNullException.ThrowIfNull(ImageSkuPrefix, nameof(ImageSkuPrefix));
        ArgumentException.ThrowIfNullOrWhiteSpace(VirtualMachineSize, nameof(VirtualMachineSize));
        if (PoolPollInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(PoolPollInterval), PoolPollInterval, "The pool poll interval must be positive.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxParallelAddTaskRequests, 1, nameof(MaxParallelAddTaskRequests));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTaskAddAttempts, 1, nameof(MaxTaskAddAttempts));
        ArgumentNullException.ThrowIfNull(ManagementEndpoint, nameof(ManagementEndpoint));
        if (!ManagementEndpoint.IsAbsoluteUri || ManagementEndpoint.Scheme != Uri.UriSchemeHttps || !string.IsNullOrEmpty(ManagementEndpoint.Query) || !string.IsNullOrEmpty(ManagementEndpoint.UserInfo))
        {
            throw new ArgumentException(
                $"AzureBatchComputeOptions.ManagementEndpoint must be an absolute HTTPS URL without query or user info, such as {DefaultManagementEndpoint.AbsoluteUri} (bearer tokens are never sent over plain HTTP).",
                nameof(ManagementEndpoint));
        }

        if (ManagementResourceId is not null)
        {
            _ = BatchAccountResourceId.Parse(ManagementResourceId, nameof(ManagementResourceId));
        }
    }
}
