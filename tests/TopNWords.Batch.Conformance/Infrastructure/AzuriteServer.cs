using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace TopNWords.Batch.Conformance.Infrastructure;

/// <summary>
/// Azurite's Blob service, run from the repository's pinned copy (<c>eng/azurite</c>) on a free port of
/// 127.0.0.1 with in-memory persistence, for tests and benchmarks. Start one per test assembly (from an
/// NUnit <c>[SetUpFixture]</c>) and dispose it to stop the process.
/// </summary>
/// <remarks>
/// When <c>eng/azurite/node_modules</c> lacks the pinned Azurite, <see cref="StartAsync"/> runs
/// <c>npm ci</c> there first (<see cref="PinnedNodePackage"/>: one process at a time, through a lock file). Node.js
/// must be on the <c>PATH</c>; without it, starting fails with a message saying so (the tests are not skipped).
/// </remarks>
public sealed class AzuriteServer : IAsyncDisposable, IDisposable
{
    /// <summary>The well-known development account every Azurite serves.</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>The published key of <see cref="AccountName"/> (not a secret: it only opens local emulators).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const int MaxPortAttempts = 3;
    private static readonly TimeSpan DefaultStartupTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly Process _process;
    private readonly ProcessOutputCapture _output;
    private readonly string _workDirectory;
    private int _disposed;

    private AzuriteServer(Process process, ProcessOutputCapture output, string workDirectory, int port)
    {
        _process = process;
        _output = output;
        _workDirectory = workDirectory;
        Port = port;
        BlobEndpoint = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/{AccountName}");
        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint={BlobEndpoint};";
    }

    /// <summary>Gets the port the Blob service listens on (on 127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>Gets the Blob service endpoint of the development account, <c>http://127.0.0.1:&lt;port&gt;/devstoreaccount1</c>.</summary>
    public Uri BlobEndpoint { get; }

    /// <summary>Gets a connection string for the development account on this server.</summary>
    public string ConnectionString { get; }

    /// <summary>Gets what Azurite has written to its standard output and standard error so far (the last 64 KiB).</summary>
    public string Output => _output.ToString();

    /// <summary>Gets a value indicating whether the Azurite process has stopped.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Installs Azurite when needed, starts it on a free port and waits until it accepts connections.</summary>
    /// <param name="startupTimeout">How long to wait for it to accept connections, or <see langword="null"/> for 90 seconds.</param>
    /// <param name="cancellationToken">Cancels the start (the process is stopped).</param>
    /// <returns>The running server; dispose it to stop it.</returns>
    /// <exception cref="InvalidOperationException">Node.js is missing, the install failed, or Azurite did not start (the message holds its output).</exception>
    public static async Task<AzuriteServer> StartAsync(TimeSpan? startupTimeout = null, CancellationToken cancellationToken = default)
    {
        string node = PinnedNodePackage.FindNode("Azurite");
        string package = await new PinnedNodePackage("azurite", "azurite").EnsureInstalledAsync(cancellationToken).ConfigureAwait(false);
        string script = Path.Combine(package, "dist", "src", "blob", "main.js");

        for (int attempt = 1; ; attempt++)
        {
            int port = FindFreePort();
            var server = Launch(node, script, port);
            try
            {
                await server.WaitUntilListeningAsync(startupTimeout ?? DefaultStartupTimeout, cancellationToken).ConfigureAwait(false);
                return server;
            }
            catch (AddressInUseException) when (attempt < MaxPortAttempts)
            {
                // Another process took the free port between the probe and Azurite's listen: try another.
                await server.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Stops Azurite (its whole process tree) and removes its working folder.</summary>
    /// <returns>A task that completes when it has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30), TimeProvider.System);
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            // Already gone, or it would not die in time: nothing more a test run can do.
        }
        finally
        {
            _process.Dispose();
            try
            {
                Directory.Delete(_workDirectory, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Best effort.
            }
        }
    }

    /// <summary>Stops Azurite.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static AzuriteServer Launch(string node, string script, int port)
    {
        string work = Directory.CreateTempSubdirectory("topnwords-azurite-").FullName;
        var startInfo = new ProcessStartInfo(node)
        {
            WorkingDirectory = work,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (string argument in new[]
        {
            script,
            "--blobHost", "127.0.0.1",
            "--blobPort", port.ToString(CultureInfo.InvariantCulture),
            "--inMemoryPersistence",
            "--disableTelemetry",
            "--skipApiVersionCheck",
            "--loose",
            "--silent",
        })
        {
            startInfo.ArgumentList.Add(argument);
        }

        var output = new ProcessOutputCapture();
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            process.Dispose();
            Directory.Delete(work, recursive: true);
            throw new InvalidOperationException($"Could not start Azurite with '{node}': {ex.Message}", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new AzuriteServer(process, output, work, port);
    }

    private async Task WaitUntilListeningAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                // Let the output readers drain what the process wrote before it died.
                await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                string output = Output;
                if (output.Contains("EADDRINUSE", StringComparison.Ordinal))
                {
                    throw new AddressInUseException();
                }

                throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode} before listening on 127.0.0.1:{Port}. Its output:{Environment.NewLine}{PinnedNodePackage.Tail(output, 4000)}");
            }

            if (await AcceptsConnectionsAsync(Port, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            if (clock.Elapsed > timeout)
            {
                throw new InvalidOperationException($"Azurite did not accept connections on 127.0.0.1:{Port} within {timeout.TotalSeconds:0} seconds. Its output so far:{Environment.NewLine}{PinnedNodePackage.Tail(Output, 4000)}");
            }

            await Task.Delay(PollInterval, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<bool> AcceptsConnectionsAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient(AddressFamily.InterNetwork);
        using var attemptTimer = new CancellationTokenSource(TimeSpan.FromSeconds(2), TimeProvider.System);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attemptTimer.Token);
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, attempt.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    private static int FindFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Thrown when Azurite could not listen because the port was taken.</summary>
    private sealed class AddressInUseException : Exception
    {
    }
}
