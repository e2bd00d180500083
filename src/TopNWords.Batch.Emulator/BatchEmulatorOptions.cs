using TopNWords.Batch.Compute.Local;

namespace TopNWords.Batch.Emulator;

/// <summary>Options of a <see cref="BatchEmulator"/>: the port, the account it impersonates, where nodes live, and faults.</summary>
public sealed class BatchEmulatorOptions
{
    /// <summary>The account name used when none is given.</summary>
    public const string DefaultAccountName = "devbatch";

    /// <summary>
    /// A well-known development key (base64 of <c>topnwords-batch-emulator-dev-key!</c>), published here and in the
    /// README. It protects nothing, so the emulator accepts it (and uses it when no key is given) only when
    /// <see cref="AllowInsecureWellKnownKey"/> is set.
    /// </summary>
    public const string DefaultAccountKey = "dG9wbndvcmRzLWJhdGNoLWVtdWxhdG9yLWRldi1rZXkh";

    /// <summary>The environment variable the command line reads the account key from.</summary>
    public const string KeyEnvironmentVariable = "TOPNWORDS_BATCH_EMULATOR_KEY";

    /// <summary>The environment variable the command line reads the bearer token from.</summary>
    public const string BearerTokenEnvironmentVariable = "TOPNWORDS_BATCH_EMULATOR_BEARER_TOKEN";

    /// <summary>The Batch service's limit on a request body (add task collection): 1 MB.</summary>
    public const long ServiceRequestBodyLimit = 1024 * 1024;

    /// <summary>Gets or sets the TCP port on 127.0.0.1; 0 picks a free one.</summary>
    /// <value>The default value is 0.</value>
    public int Port { get; set; }

    /// <summary>Gets or sets the Batch account name that Shared Key requests must sign with.</summary>
    /// <value>The default value is <see cref="DefaultAccountName"/>.</value>
    public string AccountName { get; set; } = DefaultAccountName;

    /// <summary>
    /// Gets or sets the account key (base64), as the portal shows it. It is never logged or answered. Use a key of
    /// your own, such as 32 random bytes (<c>Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))</c>).
    /// </summary>
    /// <value>
    /// The default value is <see langword="null"/>: not set, which <see cref="Validate"/> refuses unless
    /// <see cref="AllowInsecureWellKnownKey"/> is set (then the key is <see cref="DefaultAccountKey"/>).
    /// </value>
    public string? AccountKey { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the emulator may use the published <see cref="DefaultAccountKey"/>
    /// (when <see cref="AccountKey"/> is not set or is that key). Insecure: a Shared Key signature does not cover
    /// the host, so any web page that knows the key, and makes its own host name resolve to 127.0.0.1 (DNS
    /// rebinding), can sign requests in the browser and create a pool whose start task runs a command as you. The
    /// emulator also answers only requests addressed to <c>127.0.0.1</c> or <c>localhost</c> at its port, which stops
    /// rebinding, but with a published key any other user or program on this machine can still do the same.
    /// </summary>
    /// <value>The default value is <see langword="false"/>: the well-known key is refused.</value>
    public bool AllowInsecureWellKnownKey { get; set; }

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

    /// <summary>
    /// Gets the names of further environment variables of the emulator's process that every task and start task
    /// receives, on top of the basic set a Batch node gives (see
    /// <see cref="LocalProcessComputeOptions.PassThroughEnvironmentVariables"/>). Tasks never inherit the
    /// whole environment, so the emulator's key, or any other secret in its environment, does not reach task code
    /// unless named here. On the command line: <c>--pass-env NAME</c> (repeatable).
    /// </summary>
    /// <remarks>
    /// Names must be non-empty, without <c>=</c>, not <c>AZ_BATCH_*</c>, and not the variables the command line reads
    /// the emulator's own secrets from (<see cref="KeyEnvironmentVariable"/>, <see cref="BearerTokenEnvironmentVariable"/>);
    /// <see cref="Validate"/> throws <see cref="ArgumentException"/> otherwise.
    /// </remarks>
    /// <value>The default value is an empty collection: tasks receive the basic set only.</value>
    public ICollection<string> PassThroughEnvironmentVariables { get; } = new List<string>();

    /// <summary>Gets or sets the faults injected from the start.</summary>
    /// <value>The default value is no fault.</value>
    public BatchEmulatorFaults Faults { get; set; } = new();

    /// <summary>Gets or sets the clock: entity times, the Shared Key date check, and the nodes' waits.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets the logger factory (requests, node and task changes; never keys, signatures or SAS tokens).</summary>
    /// <value>The default value is <see langword="null"/>: no logging.</value>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Checks the options; <see cref="BatchEmulator.StartAsync"/> calls it before it starts anything.</summary>
    /// <exception cref="ArgumentNullException"><see cref="TimeProvider"/> or <see cref="Faults"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <see cref="Port"/> is not 0 to 65535, <see cref="MaxNodesPerPool"/> is less than 1, <see cref="NodeStartupDelay"/> is
    /// negative, <see cref="MaxClockSkew"/> is not positive, or a value of <see cref="Faults"/> is out of range (see
    /// <see cref="BatchEmulatorFaults.Validate"/>).
    /// </exception>
    /// <exception cref="ArgumentException">
    /// <see cref="AccountName"/> is empty or white space, <see cref="AccountKey"/> is not base64, or no account key is set (or
    /// the well-known one is) without <see cref="AllowInsecureWellKnownKey"/> (the message never quotes the key).
    /// </exception>
    /// <remarks>Each exception's <see cref="ArgumentException.ParamName"/> names the option, and its message says what to set.</remarks>
    public void Validate()
    {
        if (Port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(Port), Port, "BatchEmulatorOptions.Port must be a TCP port from 1 to 65535, or 0 to pick a free one (the default).");
        }

        if (string.IsNullOrWhiteSpace(AccountName))
        {
            throw new ArgumentException($"BatchEmulatorOptions.AccountName is empty: set the Batch account name that clients sign with (the default is '{DefaultAccountName}').", nameof(AccountName));
        }

        if (TimeProvider is null)
        {
            throw new ArgumentNullException(nameof(TimeProvider), "BatchEmulatorOptions.TimeProvider is null: leave it at TimeProvider.System, or set the clock to use (such as a FakeTimeProvider in tests).");
        }

        if (Faults is null)
        {
            throw new ArgumentNullException(nameof(Faults), "BatchEmulatorOptions.Faults is null: leave the default (no fault), or set a BatchEmulatorFaults.");
        }

        if (MaxNodesPerPool < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxNodesPerPool), MaxNodesPerPool, "BatchEmulatorOptions.MaxNodesPerPool must be at least 1 (the default is 32).");
        }

        if (NodeStartupDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(NodeStartupDelay), NodeStartupDelay, "BatchEmulatorOptions.NodeStartupDelay must not be negative: set how long nodes stay starting, or TimeSpan.Zero (the default).");
        }

        if (MaxClockSkew <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxClockSkew), MaxClockSkew, "BatchEmulatorOptions.MaxClockSkew must be positive: set how far a request's ocp-date may be from the emulator's clock (the default is 15 minutes, as the service allows).");
        }

        _ = DecodeKey();
        Faults.Validate();
        ValidatePassThroughEnvironmentVariables();
    }

    /// <summary>Checks the pass-through names by the local compute's own rules (its exception names the property, which has the same name here), and keeps the emulator's secrets in.</summary>
    private void ValidatePassThroughEnvironmentVariables()
    {
        var compute = new LocalProcessComputeOptions();
        foreach (string name in PassThroughEnvironmentVariables)
        {
            if (string.Equals(name, KeyEnvironmentVariable, StringComparison.OrdinalIgnoreCase) || string.Equals(name, BearerTokenEnvironmentVariable, StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"PassThroughEnvironmentVariables holds '{name}', which holds a secret of the emulator itself: tasks never receive it.", nameof(PassThroughEnvironmentVariables));
            }

            compute.PassThroughEnvironmentVariables.Add(name);
        }

        compute.Validate();
    }

    /// <summary>Gets a value indicating whether the emulator runs with the published <see cref="DefaultAccountKey"/>.</summary>
    internal bool UsesWellKnownKey => AccountKey is null || Decode(AccountKey, nameof(AccountKey)).AsSpan().SequenceEqual(Decode(DefaultAccountKey, nameof(AccountKey)));

    /// <summary>The key the emulator verifies signatures with.</summary>
    internal byte[] DecodeKey()
    {
        if (AccountKey is null)
        {
            return AllowInsecureWellKnownKey ? Decode(DefaultAccountKey, nameof(AccountKey)) : throw NoKey(
                "The emulator has no account key.", nameof(AccountKey));
        }

        byte[] key = Decode(AccountKey, nameof(AccountKey));
        return AllowInsecureWellKnownKey || !key.AsSpan().SequenceEqual(Decode(DefaultAccountKey, nameof(AccountKey))) ? key : throw NoKey(
            "The emulator's account key is the published well-known development key.", nameof(AccountKey));
    }

    /// <summary>Decodes a key; <paramref name="paramName"/> is the option an invalid key is reported against.</summary>
    private static byte[] Decode(string base64, string paramName)
    {
        try
        {
            byte[] key = Convert.FromBase64String(base64);
            return key.Length > 0 ? key : throw new ArgumentException("The emulator's account key is empty.", paramName);
        }
        catch (FormatException)
        {
            throw new ArgumentException("The emulator's account key is not a valid base64 string.", paramName);
        }
    }

    private static ArgumentException NoKey(string what, string paramName) => new(
        what + " Give it a key of your own (base64, such as 32 random bytes: openssl rand -base64 32): in process, "
        + $"{nameof(BatchEmulatorOptions)}.{nameof(AccountKey)}; on the command line, the environment variable {KeyEnvironmentVariable}, "
        + "--key-file <path>, or --key-file - to read it from standard input. Or opt in to the well-known key with "
        + $"{nameof(AllowInsecureWellKnownKey)} (--insecure-use-well-known-key): insecure, because the key is published and a "
        + "Shared Key signature does not cover the host, so any web page that rebinds its name to 127.0.0.1 could sign "
        + "requests and create a pool whose start task runs commands as you.",
        paramName);
}
