
namespace TopNWords.Batch.Emulator;

/// <summary>Options of a <see cref="BatchEmulator"/>: the port, the account it impersonates, where nodes live, and faults.</summary>
public sealed class BatchEmulatorOptions
{
    /// <summary>The account name used when none is given.</summary>
    public const string DefaultAccountName = "devbatch";

    /// <summary>
    /// The account key used when none is given: a well-known development key (base64 of
    /// <c>topnwords-batch-emulator-dev-key!</c>), like Azurite's, for local use only; it protects nothing.
    /// </summary>
    public const string DefaultAccountKey = "dG9wbndvcmRzLWJhdGNoLWVtdWxhdG9yLWRldi1rZXkh";

    /// <summary>The Batch service's limit on a request body (add task collection): 1 MB.</summary>
    public const long ServiceRequestBodyLimit = 1024 * 1024;

    /// <summary>Gets or sets the TCP port on 127.0.0.1; 0 picks a free one.</summary>
    /// <value>The default value is 0.</value>
    public int Port { get; set; }

    /// <summary>Gets or sets the Batch account name that Shared Key requests must sign with.</summary>
    /// <value>The default value is <see cref="DefaultAccountName"/>.</value>
    public string AccountName { get; set; } = DefaultAccountName;

    /// <summary>Gets or sets the account key (base64), as the portal shows it. It is never logged or answered.</summary>
    /// <value>The default value is <see cref="DefaultAccountKey"/>.</value>
    public string AccountKey { get; set; } = DefaultAccountKey;

    /// <summary>
    /// Gets or sets a static bearer token that authenticates requests as well as Shared Key does (for testing
    /// Microsoft Entra ID clients); <see langword="null"/> refuses bearer tokens.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? BearerToken { get; set; }

    /// <summary>Gets or sets how far a request's <c>ocp-date</c> may be from the emulator's clock.</summary>
    /// <value>The default value is 15 minutes, as the service allows.</value>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Gets or sets the folder that holds the nodes' folders; <see langword="null"/> for a new temporary folder, deleted on disposal.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? WorkingDirectory { get; set; }

    /// <summary>Gets or sets how long each node stays <c>starting</c> before its start task runs (slow allocation).</summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/>.</value>
    public TimeSpan NodeStartupDelay { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Gets or sets the most nodes a pool gets; a pool asking for more gets this many and the resize error
    /// <c>AccountCoreQuotaReached</c>, as an account at its quota does.
    /// </summary>
    /// <value>The default value is 32.</value>
    public int MaxNodesPerPool { get; set; } = 32;

    /// <summary>Gets or sets the faults injected from the start.</summary>
    /// <value>The default value is no fault.</value>
    public BatchEmulatorFaults Faults { get; set; } = new();

    /// <summary>Gets or sets the clock: entity times, the Shared Key date check, and the nodes' waits.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets the logger factory (requests, node and task changes; never keys, signatures or SAS tokens).</summary>
    /// <value>The default value is <see langword="null"/>: no logging.</value>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">An option is invalid (the message never quotes the key).</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Port, nameof(Port));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535, nameof(Port));
        ArgumentException.ThrowIfNullOrWhiteSpace(AccountName, nameof(AccountName));
        ArgumentNullException.ThrowIfNull(AccountKey, nameof(AccountKey));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        ArgumentNullException.ThrowIfNull(Faults, nameof(Faults));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxNodesPerPool, 1, nameof(MaxNodesPerPool));
        ArgumentOutOfRangeException.ThrowIfLessThan(NodeStartupDelay, TimeSpan.Zero, nameof(NodeStartupDelay));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxClockSkew, TimeSpan.Zero, nameof(MaxClockSkew));
        _ = DecodeKey();
        Faults.Validate();
    }

    internal byte[] DecodeKey()
    {
        try
        {
            byte[] key = Convert.FromBase64String(AccountKey);
            return key.Length > 0 ? key : throw new ArgumentException("The emulator's account key is empty.", nameof(AccountKey));
        }
        catch (FormatException)
        {
            throw new ArgumentException("The emulator's account key is not a valid base64 string.", nameof(AccountKey));
        }
    }
}
