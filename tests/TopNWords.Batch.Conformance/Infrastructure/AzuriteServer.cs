using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace TopNWords.Batch.Conformance.Infrastructure;

/// <summary>
/// Azurite's Blob service, run from the repository's pinned copy (<c>eng/azurite</c>) on a free port of
/// 127.0.0.1 with in-memory persistence, for tests and benchmarks. Start one per test assembly (from an
/// NUnit <c>[SetUpFixture]</c>) and dispose it to stop the process.
/// </summary>
/// <remarks>
/// When <c>eng/azurite/node_modules</c> lacks the pinned Azurite, <see cref="StartAsync"/> runs
/// <c>npm ci</c> there first (one process at a time, across test processes, through a lock file). Node.js
/// must be on the <c>PATH</c>; without it, starting fails with a message saying so (the tests are not skipped).
/// </remarks>
public sealed class AzuriteServer : IAsyncDisposable, IDisposable
{
    /// <summary>The well-known development account every Azurite serves.</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>The published key of <see cref="AccountName"/> (not a secret: it only opens local emulators).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const string SolutionFileName = "TopNWords.Batch.sln";
    private const int MaxPortAttempts = 3;
    private static readonly TimeSpan DefaultStartupTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly Process _process;
    private readonly OutputCapture _output;
    private readonly string _workDirectory;
    private int _disposed;

    private AzuriteServer(Process process, OutputCapture output, string workDirectory, int port)
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
        string root = FindRepositoryRoot();
        string node = FindExecutable("node")
            ?? throw new InvalidOperationException("Azurite needs Node.js, but 'node' is not on the PATH. Install Node.js (20 or later; CI has it), then run the tests again.");
        string script = await EnsureInstalledAsync(root, cancellationToken).ConfigureAwait(false);

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

    /// <summary>Finds the repository root: the nearest folder at or above <paramref name="startDirectory"/> that holds <c>TopNWords.Batch.sln</c>.</summary>
    /// <param name="startDirectory">Where to start, or <see langword="null"/> for the test assembly's folder.</param>
    /// <returns>The full path of the root.</returns>
    public static string FindRepositoryRoot(string? startDirectory = null)
    {
        string start = Path.GetFullPath(startDirectory ?? AppContext.BaseDirectory);
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFileName)))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No {SolutionFileName} was found in '{start}' or any folder above it: Azurite is installed from eng/azurite of the repository, so run the tests from a clone of it.");
    }

    /// <summary>
    /// Runs <c>npm ci</c> in <c>eng/azurite</c> unless the pinned Azurite is already installed there. Concurrent
    /// calls, from this or other processes, install once.
    /// </summary>
    /// <param name="repositoryRoot">The repository root (see <see cref="FindRepositoryRoot"/>).</param>
    /// <param name="cancellationToken">Cancels the wait or the install.</param>
    /// <returns>The full path of Azurite's Blob service entry script.</returns>
    public static async Task<string> EnsureInstalledAsync(string repositoryRoot, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(repositoryRoot);
        string folder = Path.Combine(repositoryRoot, "eng", "azurite");
        string script = Path.Combine(folder, "node_modules", "azurite", "dist", "src", "blob", "main.js");
        string pinned = PinnedVersion(folder);
        if (InstalledVersion(folder) == pinned && File.Exists(script))
        {
            return script;
        }

        string lockPath = Path.Combine(Path.GetTempPath(), $"topnwords-azurite-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(folder)))[..16]}.lock");
        using var installTimer = new CancellationTokenSource(InstallTimeout, TimeProvider.System);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, installTimer.Token);
        using (await AcquireLockAsync(lockPath, timeout.Token).ConfigureAwait(false))
        {
            if (InstalledVersion(folder) == pinned && File.Exists(script))
            {
                return script; // another process installed it while this one waited
            }

            string npm = FindExecutable(RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "npm.cmd" : "npm")
                ?? throw new InvalidOperationException($"Azurite {pinned} is not installed in '{folder}' and 'npm' is not on the PATH to install it. Install Node.js (with npm), or run 'npm ci' in eng/azurite.");
            var (exitCode, output) = await RunAsync(npm, ["ci", "--no-audit", "--no-fund"], folder, timeout.Token).ConfigureAwait(false);
            if (exitCode != 0 || !File.Exists(script))
            {
                throw new InvalidOperationException($"'npm ci' in '{folder}' failed (exit code {exitCode}), so Azurite {pinned} could not be installed. Its output ends with:{Environment.NewLine}{Tail(output, 4000)}");
            }
        }

        return script;
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

        var output = new OutputCapture();
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

                throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode} before listening on 127.0.0.1:{Port}. Its output:{Environment.NewLine}{Tail(output, 4000)}");
            }

            if (await AcceptsConnectionsAsync(Port, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            if (clock.Elapsed > timeout)
            {
                throw new InvalidOperationException($"Azurite did not accept connections on 127.0.0.1:{Port} within {timeout.TotalSeconds:0} seconds. Its output so far:{Environment.NewLine}{Tail(Output, 4000)}");
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

    private static string? FindExecutable(string name)
    {
        string? path = Environment.GetEnvironmentVariable("PATH");
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        string[] suffixes = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) && !Path.HasExtension(name) ? [".exe", ".cmd", string.Empty] : [string.Empty];
        foreach (string dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (string suffix in suffixes)
            {
                string candidate = Path.Combine(dir.Trim('"'), name + suffix);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    private static string PinnedVersion(string folder)
    {
        string manifest = Path.Combine(folder, "package.json");
        if (!File.Exists(manifest))
        {
            throw new InvalidOperationException($"'{manifest}' is missing: the repository pins Azurite there.");
        }

        using var json = JsonDocument.Parse(File.ReadAllText(manifest));
        return json.RootElement.GetProperty("dependencies").GetProperty("azurite").GetString()
            ?? throw new InvalidOperationException($"'{manifest}' pins no Azurite version.");
    }

    private static string? InstalledVersion(string folder)
    {
        string manifest = Path.Combine(folder, "node_modules", "azurite", "package.json");
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(manifest));
            return json.RootElement.TryGetProperty("version", out var version) ? version.GetString() : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Holds an exclusive lock file, shared by every process on the machine, until disposed.</summary>
    private static async Task<FileStream> AcquireLockAsync(string path, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException)
            {
                // Another process is installing: wait for it.
                await Task.Delay(TimeSpan.FromMilliseconds(500), TimeProvider.System, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string fileName, string[] arguments, string workingDirectory, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var output = new OutputCapture();
        using var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, output.ToString());
    }

    private static string Tail(string text, int length) => text.Length <= length ? text : "…" + text[^length..];

    /// <summary>Thrown when Azurite could not listen because the port was taken.</summary>
    private sealed class AddressInUseException : Exception
    {
    }

    /// <summary>The last 64 KiB of a process's output lines, thread-safe.</summary>
    private sealed class OutputCapture
    {
        private const int MaxLength = 64 * 1024;
        private readonly StringBuilder _text = new();
        private readonly Lock _gate = new();

        public void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_gate)
            {
                _text.AppendLine(line);
                if (_text.Length > MaxLength)
                {
                    _text.Remove(0, _text.Length - MaxLength);
                }
            }
        }

        public override string ToString()
        {
            lock (_gate)
            {
                return _text.ToString();
            }
        }
    }
}
