using Azure.Core;
using TopNWords.Batch.Azure.BatchRest;

namespace TopNWords.Batch.Azure;

/// <summary>
/// Options for the Azure Batch data-plane client: service version, transport, retries, diagnostics and time.
/// </summary>
/// <remarks>
/// <para>
/// Retries are configured through <see cref="ClientOptions.Retry"/>, an Azure.Core <see cref="RetryOptions"/>, exactly as
/// the Blob storage's are through <see cref="Storage.AzureBlobStorageOptions.Retry"/>, with the same defaults: a few quick
/// tries (<see cref="RetryOptions.MaxRetries"/> 3, <see cref="RetryOptions.Mode"/> exponential from
/// <see cref="RetryOptions.Delay"/> 0.5 seconds, doubling, with jitter, at most <see cref="RetryOptions.MaxDelay"/> 10 seconds
/// apart, <see cref="RetryOptions.NetworkTimeout"/> 60 seconds per request). 408, 429, 500, 502, 503, 504 and network
/// failures are retried, waiting as long as the service asks with <c>Retry-After</c>, <c>retry-after-ms</c> or
/// <c>x-ms-retry-after-ms</c> when it does; no other status is retried. The workflow's own retries, not these, carry a run
/// through a long outage. The default <see cref="ClientOptions.RetryPolicy"/> is the client's own policy, which waits
/// through <see cref="TimeProvider"/>; replacing it replaces the only retry layer.
/// </para>
/// <para>
/// HTTP logging (Azure.Core's event source) never records the <c>Authorization</c> header or SAS
/// signatures: only the headers and query parameters in <see cref="DiagnosticsOptions.LoggedHeaderNames"/> and
/// <see cref="DiagnosticsOptions.LoggedQueryParameters"/> are written, and <c>sig</c> is not one of them.
/// Request bodies (which carry the SAS URLs of resource files and output containers) are logged only if
/// <see cref="DiagnosticsOptions.IsLoggingContentEnabled"/> is turned on; leave it off outside local debugging.
/// </para>
/// </remarks>
public class BatchClientOptions : ClientOptions
{
    private const ServiceVersion LatestVersion = ServiceVersion.V2025_06_01_21_0;

    private TimeProvider _timeProvider = TimeProvider.System;

    /// <summary>The versions of the Azure Batch data-plane REST API that this client supports.</summary>
    public enum ServiceVersion
    {
#pragma warning disable CA1707 // Identifiers should not contain underscores: Azure SDK naming for service versions.
        /// <summary>The <c>2022-10-01.16.0</c> version of the Azure Batch data-plane REST API.</summary>
        V2022_10_01_16_0 = 1,

        /// <summary>The <c>2023-05-01.17.0</c> version of the Azure Batch data-plane REST API.</summary>
        V2023_05_01_17_0 = 2,

        /// <summary>The <c>2023-11-01.18.0</c> version of the Azure Batch data-plane REST API.</summary>
        V2023_11_01_18_0 = 3,

        /// <summary>The <c>2024-02-01.19.0</c> version of the Azure Batch data-plane REST API.</summary>
        V2024_02_01_19_0 = 4,

        /// <summary>The <c>2024-07-01.20.0</c> version of the Azure Batch data-plane REST API.</summary>
        V2024_07_01_20_0 = 5,

        /// <summary>The <c>2025-06-01.21.0</c> version of the Azure Batch data-plane REST API.</summary>
        V2025_06_01_21_0 = 6,
#pragma warning restore CA1707
    }

    /// <summary>Initializes a new instance of the <see cref="BatchClientOptions"/> class.</summary>
    /// <param name="version">The service version to call. The default value is the latest version the client supports.</param>
    /// <exception cref="NotSupportedException"><paramref name="version"/> is not a known version.</exception>
    public BatchClientOptions(ServiceVersion version = LatestVersion)
    {
        Version = version is >= ServiceVersion.V2022_10_01_16_0 and <= LatestVersion
            ? version
            : throw new NotSupportedException($"The Azure Batch service version {version} is not supported.");

        HttpRetryDefaults.Apply(Retry);
        RetryPolicy = new BatchRetryPolicy(Retry, _timeProvider);

        AddMissing(Diagnostics.LoggedHeaderNames, BatchDiagnostics.SafeHeaderNames);
        AddMissing(Diagnostics.LoggedQueryParameters, BatchDiagnostics.SafeQueryParameters);
    }

    /// <summary>Gets the service version the client calls.</summary>
    /// <value>The default value is <see cref="ServiceVersion.V2025_06_01_21_0"/>.</value>
    public ServiceVersion Version { get; }

    /// <summary>
    /// Gets or sets the time source: the <c>ocp-date</c> of Shared Key requests and the waits between retries.
    /// Set it before creating a client.
    /// </summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    /// <exception cref="ArgumentNullException">The value is <see langword="null"/>.</exception>
    public TimeProvider TimeProvider
    {
        get => _timeProvider;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _timeProvider = value;
            if (RetryPolicy is BatchRetryPolicy)
            {
                RetryPolicy = new BatchRetryPolicy(Retry, value);
            }
        }
    }

    /// <summary>Checks the options; the constructors of <see cref="BatchRestClient"/> call it.</summary>
    /// <exception cref="ArgumentNullException"><see cref="TimeProvider"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// A setting of <see cref="ClientOptions.Retry"/> is out of range: <see cref="RetryOptions.MaxRetries"/> or
    /// <see cref="RetryOptions.Delay"/> is negative, <see cref="RetryOptions.MaxDelay"/> is less than the delay,
    /// <see cref="RetryOptions.NetworkTimeout"/> is neither positive nor infinite, or <see cref="RetryOptions.Mode"/> is not
    /// a <see cref="RetryMode"/>. The exception's <see cref="ArgumentException.ParamName"/> names it, such as <c>Retry.MaxRetries</c>.
    /// </exception>
    /// <exception cref="NotSupportedException"><see cref="Version"/> is not a known version.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        HttpRetryDefaults.Validate(Retry, nameof(BatchClientOptions));
        _ = ApiVersion;
    }

    internal string ApiVersion => Version switch
    {
        ServiceVersion.V2022_10_01_16_0 => "2022-10-01.16.0",
        ServiceVersion.V2023_05_01_17_0 => "2023-05-01.17.0",
        ServiceVersion.V2023_11_01_18_0 => "2023-11-01.18.0",
        ServiceVersion.V2024_02_01_19_0 => "2024-02-01.19.0",
        ServiceVersion.V2024_07_01_20_0 => "2024-07-01.20.0",
        ServiceVersion.V2025_06_01_21_0 => "2025-06-01.21.0",
        _ => throw new NotSupportedException($"The Azure Batch service version {Version} is not supported."),
    };

    private static void AddMissing(IList<string> allowed, IEnumerable<string> names)
    {
        foreach (string name in names)
        {
            if (!allowed.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                allowed.Add(name);
            }
        }
    }
}
