using TopNWords.Batch.Azure.Compute;
using TopNWords.Batch.Azure.Storage;

namespace TopNWords.Batch.Azure;

/// <summary>
/// The settings of the Azure backend that <c>AddAzure()</c> registers, bound from the <c>Azure</c> subsection of the
/// workflow's section (<c>TopNWords:Azure</c>) and validated at start-up when <c>TopNWords:Backend</c> is <c>Azure</c>.
/// </summary>
/// <remarks>
/// Credentials: an account key (or, for storage, a connection string) from configuration; without one, the
/// <c>Azure.Core.TokenCredential</c> registered in the container (Microsoft Entra ID). Keys and connection strings never
/// appear in validation messages, logs or exceptions; keep them out of source control (environment variables, user secrets,
/// Key Vault).
/// </remarks>
public sealed class TopNWordsAzureOptions
{
    /// <summary>The name of the backend (<c>TopNWords:Backend</c>) and of the subsection: <c>Azure</c>.</summary>
    public const string BackendName = "Azure";

    /// <summary>Gets or sets the Azure Blob storage settings (section <c>Storage</c>).</summary>
    /// <value>The default value sets nothing: the connection string or the service URI is required.</value>
    public TopNWordsAzureStorageOptions Storage { get; set; } = new();

    /// <summary>Gets or sets the Azure Batch settings (section <c>Batch</c>).</summary>
    /// <value>The default value sets nothing: the endpoint is required.</value>
    public TopNWordsAzureBatchOptions Batch { get; set; } = new();

    /// <summary>
    /// Gets or sets the task runner that <c>ITaskRunnerProvider</c> gives: a Native AOT Linux executable or its folder
    /// (<see cref="AzureTaskApplications.LinuxTaskRunner"/>), or the folder of a self-contained Linux publish
    /// (<see cref="AzureTaskApplications.SelfContainedTaskRunner"/>).
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the Native AOT runner shipped in the TopNWords.Batch package.</value>
    public string? TaskRunnerPath { get; set; }
}

/// <summary>Azure Blob storage settings of the Azure backend: how to reach and sign in to the account, and <see cref="AzureBlobStorageOptions"/>.</summary>
public sealed class TopNWordsAzureStorageOptions
{
    /// <summary>Gets or sets the storage account's connection string, holding its key (<c>UseDevelopmentStorage=true</c> for Azurite). A secret.</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="ServiceUri"/> is used.</value>
    public string? ConnectionString { get; set; }

    /// <summary>Gets or sets the Blob service endpoint, such as <c>https://myaccount.blob.core.windows.net</c>, when there is no connection string.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Uri? ServiceUri { get; set; }

    /// <summary>Gets or sets the storage account name, for <see cref="AccountKey"/>.</summary>
    /// <value>The default value is <see langword="null"/>: the first label of <see cref="ServiceUri"/>'s host.</value>
    public string? AccountName { get; set; }

    /// <summary>Gets or sets the account key (base64), with <see cref="ServiceUri"/>. A secret.</summary>
    /// <value>The default value is <see langword="null"/>: the container's <c>TokenCredential</c> signs in (URLs are user delegation SAS).</value>
    public string? AccountKey { get; set; }

    /// <summary>Gets or sets <see cref="AzureBlobStorageOptions.MaxParallelism"/>.</summary>
    /// <value>The default value is <see langword="null"/>: 8.</value>
    public int? MaxParallelism { get; set; }

    /// <summary>Gets or sets <see cref="AzureBlobStorageOptions.TransferBlockSize"/>, in bytes.</summary>
    /// <value>The default value is <see langword="null"/>: 4 MiB.</value>
    public int? TransferBlockSize { get; set; }

    /// <summary>Gets or sets <see cref="AzureBlobStorageOptions.SasClockSkew"/>.</summary>
    /// <value>The default value is <see langword="null"/>: 5 minutes.</value>
    public TimeSpan? SasClockSkew { get; set; }

    /// <summary>Gets or sets <see cref="AzureBlobStorageOptions.UserDelegationKeyLifetime"/>.</summary>
    /// <value>The default value is <see langword="null"/>: 6 hours.</value>
    public TimeSpan? UserDelegationKeyLifetime { get; set; }

    /// <summary>Copies the settings that are set onto <paramref name="options"/>.</summary>
    /// <param name="options">The storage options, holding the defaults.</param>
    /// <returns><paramref name="options"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public AzureBlobStorageOptions ApplyTo(AzureBlobStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.MaxParallelism = MaxParallelism ?? options.MaxParallelism;
        options.TransferBlockSize = TransferBlockSize ?? options.TransferBlockSize;
        options.SasClockSkew = SasClockSkew ?? options.SasClockSkew;
        options.UserDelegationKeyLifetime = UserDelegationKeyLifetime ?? options.UserDelegationKeyLifetime;
        return options;
    }
}

/// <summary>Azure Batch settings of the Azure backend: how to reach and sign in to the account, and <see cref="AzureBatchComputeOptions"/>.</summary>
public sealed class TopNWordsAzureBatchOptions
{
    /// <summary>Gets or sets the Batch account endpoint, such as <c>https://myaccount.westeurope.batch.azure.com</c> (http only on a loopback address: the emulator).</summary>
    /// <value>The default value is <see langword="null"/>: required.</value>
    public Uri? Endpoint { get; set; }

    /// <summary>Gets or sets the Batch account name, for <see cref="AccountKey"/>.</summary>
    /// <value>The default value is <see langword="null"/>: the first label of <see cref="Endpoint"/>'s host (required with a loopback endpoint).</value>
    public string? AccountName { get; set; }

    /// <summary>Gets or sets the account's access key (base64), for Shared Key authentication. A secret.</summary>
    /// <value>The default value is <see langword="null"/>: the container's <c>TokenCredential</c> signs in (Microsoft Entra ID).</value>
    public string? AccountKey { get; set; }

    /// <summary>Gets or sets <see cref="AzureBatchComputeOptions.VirtualMachineSize"/>.</summary>
    /// <value>The default value is <see langword="null"/>: <c>STANDARD_D2S_V3</c>.</value>
    public string? VirtualMachineSize { get; set; }

    /// <summary>Gets or sets <see cref="AzureBatchComputeOptions.ImagePublisher"/>.</summary>
    /// <value>The default value is <see langword="null"/>: <c>canonical</c>.</value>
    public string? ImagePublisher { get; set; }

    /// <summary>Gets or sets <see cref="AzureBatchComputeOptions.ImageOffer"/>.</summary>
    /// <value>The default value is <see langword="null"/>: <c>ubuntu-24_04-lts</c>.</value>
    public string? ImageOffer { get; set; }

    /// <summary>Gets or sets <see cref="AzureBatchComputeOptions.ImageSkuPrefix"/>.</summary>
    /// <value>The default value is <see langword="null"/>: <c>server</c>.</value>
    public string? ImageSkuPrefix { get; set; }

    /// <summary>Gets or sets <see cref="AzureBatchComputeOptions.PoolPollInterval"/>.</summary>
    /// <value>The default value is <see langword="null"/>: 10 seconds.</value>
    public TimeSpan? PoolPollInterval { get; set; }

    /// <summary>Gets or sets <see cref="AzureBatchComputeOptions.MaxParallelAddTaskRequests"/>.</summary>
    /// <value>The default value is <see langword="null"/>: 4.</value>
    public int? MaxParallelAddTaskRequests { get; set; }

    /// <summary>Gets or sets <see cref="AzureBatchComputeOptions.MaxTaskAddAttempts"/>.</summary>
    /// <value>The default value is <see langword="null"/>: 4.</value>
    public int? MaxTaskAddAttempts { get; set; }

    /// <summary>Gets or sets <see cref="AzureBatchComputeOptions.ManagementResourceId"/> (VM size and quota checks; needs the container's <c>TokenCredential</c>).</summary>
    /// <value>The default value is <see langword="null"/>: not checked.</value>
    public string? ManagementResourceId { get; set; }

    /// <summary>Gets or sets <see cref="AzureBatchComputeOptions.ManagementEndpoint"/>.</summary>
    /// <value>The default value is <see langword="null"/>: <c>https://management.azure.com</c>.</value>
    public Uri? ManagementEndpoint { get; set; }

    /// <summary>Copies the settings that are set onto <paramref name="options"/>.</summary>
    /// <param name="options">The compute options, holding the defaults.</param>
    /// <returns><paramref name="options"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public AzureBatchComputeOptions ApplyTo(AzureBatchComputeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.VirtualMachineSize = VirtualMachineSize ?? options.VirtualMachineSize;
        options.ImagePublisher = ImagePublisher ?? options.ImagePublisher;
        options.ImageOffer = ImageOffer ?? options.ImageOffer;
        options.ImageSkuPrefix = ImageSkuPrefix ?? options.ImageSkuPrefix;
        options.PoolPollInterval = PoolPollInterval ?? options.PoolPollInterval;
        options.MaxParallelAddTaskRequests = MaxParallelAddTaskRequests ?? options.MaxParallelAddTaskRequests;
        options.MaxTaskAddAttempts = MaxTaskAddAttempts ?? options.MaxTaskAddAttempts;
        options.ManagementResourceId = ManagementResourceId ?? options.ManagementResourceId;
        options.ManagementEndpoint = ManagementEndpoint ?? options.ManagementEndpoint;
        return options;
    }
}
