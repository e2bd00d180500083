using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging.Abstractions;
using TopNWords.Batch.Compute.Local;
using TopNWords.Batch.Emulator.Auth;
using TopNWords.Batch.Emulator.Endpoints;
using TopNWords.Batch.Emulator.Faults;
using TopNWords.Batch.Emulator.State;

namespace TopNWords.Batch.Emulator;

/// <summary>
/// A loopback Azure Batch data-plane emulator: an HTTP server on 127.0.0.1 that serves the Batch operations the
/// top-N-words workflow uses (pools, nodes and their files, jobs, tasks and their files, task counts, supported
/// images) in the service's wire format, authenticates Shared Key requests as the service does, and runs tasks as
/// local processes with the same engine as <see cref="LocalProcessCompute"/>. Point any Batch client at
/// <see cref="BaseUri"/> with the account name and key of <see cref="BatchEmulatorOptions"/>. It answers only
/// requests addressed to <c>127.0.0.1</c> or <c>localhost</c> at its port, and needs a key of its own unless the
/// insecure <see cref="BatchEmulatorOptions.AllowInsecureWellKnownKey"/> is set.
/// </summary>
/// <example>
/// <code>
/// string key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
/// await using var emulator = new BatchEmulator();
/// Uri endpoint = await emulator.StartAsync(new BatchEmulatorOptions { AccountName = "devbatch", AccountKey = key });
/// var compute = new AzureBatchCompute(endpoint, new BatchSharedKeyCredential("devbatch", key));
/// </code>
/// </example>
public sealed class BatchEmulator : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private WebApplication? _app;
    private EmulatorState? _state;
    private FaultInjector? _faults;
    private RequestCounter? _counter;
    private AdminApi? _admin;
    private bool _disposed;

    private Uri? _baseUri;

    /// <summary>Gets the base URI (<c>http://127.0.0.1:port</c>) once started.</summary>
    /// <exception cref="InvalidOperationException">The emulator has not been started.</exception>
    public Uri BaseUri => _baseUri ?? throw new InvalidOperationException("The emulator has not been started; call StartAsync first.");

    /// <summary>Gets the account name requests must be signed with, once started.</summary>
    public string AccountName { get; private set; } = string.Empty;

    /// <summary>Gets the folder that holds the nodes' folders, once started.</summary>
    public string WorkingDirectory => Started().State.RootPath;

    /// <summary>
    /// Starts the emulator on 127.0.0.1 and returns once it is listening. Tasks run on this machine, as this
    /// user, in folders under <see cref="BatchEmulatorOptions.WorkingDirectory"/>.
    /// </summary>
    /// <param name="options">The options.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The base URI to use as the Batch account endpoint, such as <c>http://127.0.0.1:50123</c>.</returns>
    /// <exception cref="ArgumentException">
    /// An option is invalid, or no account key is set (or the well-known one is) without
    /// <see cref="BatchEmulatorOptions.AllowInsecureWellKnownKey"/>.
    /// </exception>
    /// <exception cref="InvalidOperationException">The emulator was started already.</exception>
    public async Task<Uri> StartAsync(BatchEmulatorOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_app is not null)
            {
                throw new InvalidOperationException("The emulator is already started.");
            }
        }

        ILoggerFactory loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        ILogger logger = loggerFactory.CreateLogger("TopNWords.Batch.Emulator");
        var faults = new FaultInjector(options.Faults);
        var computeOptions = new LocalProcessComputeOptions
        {
            RootPath = options.WorkingDirectory,
            TimeProvider = options.TimeProvider,
            NodeStartupDelay = options.NodeStartupDelay,
            LoggerFactory = loggerFactory,
            PollInterval = TimeSpan.FromMilliseconds(100),
            NodeFaultInjector = faults.ForNode,
        };
        foreach (string name in options.PassThroughEnvironmentVariables)
        {
            computeOptions.PassThroughEnvironmentVariables.Add(name);
        }

        var engine = new LocalProcessCompute(computeOptions);
        var state = new EmulatorState(engine, faults, options.TimeProvider, logger, options.MaxNodesPerPool);
        var counter = new RequestCounter();
        var authenticator = new SharedKeyAuthenticator(options.AccountName, options.DecodeKey(), options.BearerToken, options.MaxClockSkew, options.TimeProvider);

        WebApplication app;
        try
        {
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(BatchEmulator).Assembly.GetName().Name });
            builder.Services.AddRoutingCore();
            builder.Services.AddSingleton(loggerFactory);
            builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
            builder.WebHost.UseKestrelCore();
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.Listen(IPAddress.Loopback, options.Port);
                kestrel.AddServerHeader = false;
                kestrel.Limits.MaxRequestBodySize = null; // the emulator's own limit answers RequestBodyTooLarge
            });
            app = builder.Build();
            app.Use(new LoopbackHostFilter(options.TimeProvider, logger).InvokeAsync); // first: before routing, faults and authentication
            app.UseRouting();
            var pipeline = new RequestPipeline(authenticator, faults, counter, options.TimeProvider, logger);
            app.Use(pipeline.InvokeAsync);
            new BatchApi(state, faults, logger).Map(app);
            var admin = new AdminApi(state, faults, counter, logger);
            admin.Map(app);
            _admin = admin;
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await state.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        string address = addresses?.FirstOrDefault() ?? throw new InvalidOperationException("Kestrel reported no address.");
        var bound = new Uri(address);
        _baseUri = new Uri($"http://127.0.0.1:{bound.Port}");
        AccountName = options.AccountName;
        lock (_gate)
        {
            (_app, _state, _faults, _counter) = (app, state, faults, counter);
        }

        EmulatorLog.Listening(logger, options.AccountName, _baseUri);
        if (options.UsesWellKnownKey)
        {
            EmulatorLog.InsecureWellKnownKey(logger);
        }

        return _baseUri;
    }

    /// <summary>Replaces the injected faults (the random sequence restarts from their seed).</summary>
    /// <param name="faults">The faults; copied.</param>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void SetFaults(BatchEmulatorFaults faults)
    {
        ArgumentNullException.ThrowIfNull(faults);
        var started = Started();
        started.Admin.SetFaults(faults);
    }

    /// <summary>Gets a copy of the injected faults (with the connection drops still to come).</summary>
    /// <returns>The faults.</returns>
    public BatchEmulatorFaults GetFaults() => Started().Faults.Current;

    /// <summary>Gets how many Batch requests came, per operation.</summary>
    /// <returns>The counts.</returns>
    public BatchEmulatorRequestCounts GetRequestCounts() => Started().Counter.Snapshot();

    /// <summary>Sets the request counts back to zero.</summary>
    public void ResetRequestCounts() => Started().Counter.Reset();

    /// <summary>Gets the pools and jobs that exist (being deleted ones included).</summary>
    /// <returns>Their ids.</returns>
    public BatchEmulatorResources GetResources() => Started().State.Resources();

    /// <summary>Turns a node <c>unusable</c> now: its running tasks are requeued and nothing more is scheduled on it.</summary>
    /// <param name="poolId">The pool id.</param>
    /// <param name="nodeId">The node id.</param>
    /// <returns><see langword="false"/> when there is no such node.</returns>
    public bool MakeNodeUnusable(string poolId, string nodeId)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolId);
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        return Started().State.MarkNodeUnusable(poolId, nodeId, "requested by the host");
    }

    /// <summary>Stops listening, kills every task process still running, and removes the nodes' folders (when the emulator created them).</summary>
    /// <returns>A task that completes when everything has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        WebApplication? app;
        EmulatorState? state;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            (app, state) = (_app, _state);
        }

        if (app is not null)
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5), TimeProvider.System);
            await app.StopAsync(stop.Token).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }

        if (state is not null)
        {
            await state.DisposeAsync().ConfigureAwait(false);
        }
    }

    private (EmulatorState State, FaultInjector Faults, RequestCounter Counter, AdminApi Admin) Started()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _state is null || _faults is null || _counter is null || _admin is null
                ? throw new InvalidOperationException("The emulator has not been started; call StartAsync first.")
                : (_state, _faults, _counter, _admin);
        }
    }
}
