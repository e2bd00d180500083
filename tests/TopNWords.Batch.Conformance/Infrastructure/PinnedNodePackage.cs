using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace TopNWords.Batch.Conformance.Infrastructure;

/// <summary>
/// A Node.js package the repository pins in a folder of its own under <c>eng/</c> (a <c>package.json</c> with one
/// exact version and its <c>package-lock.json</c>), installed there with <c>npm ci</c> when it is missing: Azurite
/// (<c>eng/azurite</c>) and the official Azure Batch SDK for JavaScript (<c>eng/batch-js</c>).
/// </summary>
public sealed class PinnedNodePackage
{
    private const string SolutionFileName = "TopNWords.Batch.sln";
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Initializes a new instance of the <see cref="PinnedNodePackage"/> class.</summary>
    /// <param name="folder">The folder under <c>eng/</c> of the repository, such as <c>azurite</c>.</param>
    /// <param name="packageName">The pinned package, such as <c>azurite</c> or <c>@azure/batch</c>.</param>
    /// <param name="repositoryRoot">The repository root, or <see langword="null"/> to find it from the test assembly's folder.</param>
    public PinnedNodePackage(string folder, string packageName, string? repositoryRoot = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentException.ThrowIfNullOrEmpty(packageName);
        Folder = Path.Combine(repositoryRoot ?? FindRepositoryRoot(), "eng", folder);
        PackageName = packageName;
    }

    /// <summary>Gets the full path of the package's folder (<c>eng/&lt;folder&gt;</c>).</summary>
    public string Folder { get; }

    /// <summary>Gets the pinned package's name.</summary>
    public string PackageName { get; }

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

        throw new InvalidOperationException($"No {SolutionFileName} was found in '{start}' or any folder above it: the pinned Node.js packages are installed from eng/ of the repository, so run the tests from a clone of it.");
    }

    /// <summary>Finds Node.js on the <c>PATH</c>.</summary>
    /// <param name="purpose">What needs it, for the error message (such as <c>Azurite</c>).</param>
    /// <returns>The full path of <c>node</c>.</returns>
    /// <exception cref="InvalidOperationException">Node.js is not on the <c>PATH</c>.</exception>
    public static string FindNode(string purpose) => FindExecutable("node")
        ?? throw new InvalidOperationException($"{purpose} needs Node.js, but 'node' is not on the PATH. Install Node.js (20 or later; CI has it), then run the tests again.");

    /// <summary>Finds an executable on the <c>PATH</c> (with the Windows suffixes on Windows).</summary>
    /// <param name="name">Its name, such as <c>node</c>.</param>
    /// <returns>Its full path, or <see langword="null"/> when it is not on the <c>PATH</c>.</returns>
    public static string? FindExecutable(string name)
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

    /// <summary>
    /// Runs <c>npm ci</c> in <see cref="Folder"/> unless the pinned version is already installed there. Concurrent
    /// calls, from this or other processes, install once.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait or the install.</param>
    /// <returns>The full path of the installed package's folder (<c>node_modules/&lt;package&gt;</c>).</returns>
    /// <exception cref="InvalidOperationException">The manifest is missing, npm is missing, or <c>npm ci</c> failed (the message holds its output).</exception>
    public async Task<string> EnsureInstalledAsync(CancellationToken cancellationToken = default)
    {
        string pinned = PinnedVersion();
        if (InstalledVersion() == pinned)
        {
            return InstalledFolder;
        }

        string lockPath = Path.Combine(Path.GetTempPath(), $"topnwords-npm-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Folder)))[..16]}.lock");
        using var installTimer = new CancellationTokenSource(InstallTimeout, TimeProvider.System);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, installTimer.Token);
        using (await AcquireLockAsync(lockPath, timeout.Token).ConfigureAwait(false))
        {
            if (InstalledVersion() == pinned)
            {
                return InstalledFolder; // another process installed it while this one waited
            }

            string npm = FindExecutable(RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "npm.cmd" : "npm")
                ?? throw new InvalidOperationException($"{PackageName} {pinned} is not installed in '{Folder}' and 'npm' is not on the PATH to install it. Install Node.js (with npm), or run 'npm ci' in that folder.");
            var (exitCode, output) = await RunAsync(npm, ["ci", "--no-audit", "--no-fund"], Folder, environment: null, timeout.Token).ConfigureAwait(false);
            if (exitCode != 0 || InstalledVersion() != pinned)
            {
                throw new InvalidOperationException($"'npm ci' in '{Folder}' failed (exit code {exitCode}), so {PackageName} {pinned} could not be installed. Its output ends with:{Environment.NewLine}{Tail(output, 4000)}");
            }
        }

        return InstalledFolder;
    }

    /// <summary>Runs a process to its end and returns its exit code and its output (standard output and error, the last 64 KiB).</summary>
    /// <param name="fileName">The program.</param>
    /// <param name="arguments">Its arguments (never a secret: pass those in <paramref name="environment"/>).</param>
    /// <param name="workingDirectory">Its working folder.</param>
    /// <param name="environment">Variables to set for it, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the run: the whole process tree is killed.</param>
    /// <returns>The exit code and the output.</returns>
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
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

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        var output = new ProcessOutputCapture();
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

    /// <summary>The end of a long text, for error messages.</summary>
    /// <param name="text">The text.</param>
    /// <param name="length">How many characters to keep.</param>
    /// <returns>The last <paramref name="length"/> characters, after an ellipsis when cut.</returns>
    public static string Tail(string text, int length)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length <= length ? text : "…" + text[^length..];
    }

    private string InstalledFolder => Path.Combine([Folder, "node_modules", .. PackageName.Split('/')]);

    private string PinnedVersion()
    {
        string manifest = Path.Combine(Folder, "package.json");
        if (!File.Exists(manifest))
        {
            throw new InvalidOperationException($"'{manifest}' is missing: the repository pins {PackageName} there.");
        }

        using var json = JsonDocument.Parse(File.ReadAllText(manifest));
        return json.RootElement.GetProperty("dependencies").TryGetProperty(PackageName, out var version) && version.GetString() is { Length: > 0 } pinned
            ? pinned
            : throw new InvalidOperationException($"'{manifest}' pins no {PackageName} version.");
    }

    private string? InstalledVersion()
    {
        string manifest = Path.Combine(InstalledFolder, "package.json");
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
}

/// <summary>The last 64 KiB of a process's output lines, thread-safe.</summary>
public sealed class ProcessOutputCapture
{
    private const int MaxLength = 64 * 1024;
    private readonly StringBuilder _text = new();
    private readonly Lock _gate = new();

    /// <summary>Adds a line (ignored when <see langword="null"/>, which ends the stream).</summary>
    /// <param name="line">The line.</param>
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

    /// <inheritdoc/>
    public override string ToString()
    {
        lock (_gate)
        {
            return _text.ToString();
        }
    }
}
