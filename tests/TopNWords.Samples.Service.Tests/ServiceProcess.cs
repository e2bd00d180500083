using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace TopNWords.Samples.Service.Tests;

/// <summary>
/// The service as its own process (<c>dotnet TopNWords.Samples.Service.dll --urls http://127.0.0.1:0</c>): the port the OS gave
/// it is read from its "Now listening on" line. Disposing it kills it (with its children) if it still runs.
/// </summary>
internal sealed partial class ServiceProcess : IAsyncDisposable
{
    private const string ServiceDll = "TopNWords.Samples.Service.dll";
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceProcess(Process process)
    {
        _process = process;
    }

    /// <summary>Gets the service's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Gets a client of the service (its base address set).</summary>
    public HttpClient Client { get; private set; } = null!;

    /// <summary>Gets everything the service wrote so far (for assertion messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the service and waits until it listens.</summary>
    /// <param name="root">The local root (<c>TopNWords:Local:RootDirectory</c>).</param>
    /// <param name="data">The data folder (<c>Service:DataDirectory</c>).</param>
    /// <param name="cancellationToken">The hang guard.</param>
    /// <param name="settings">More settings, as configuration keys (<c>Service:NodeCount</c>).</param>
    public static async Task<ServiceProcess> StartAsync(string root, string data, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? settings = null)
    {
        var service = Launch(root, data, settings);
        using var registration = cancellationToken.Register(() => service._listening.TrySetCanceled(cancellationToken));
        var exited = service._process.WaitForExitAsync(cancellationToken);
        var first = await Task.WhenAny(service._listening.Task, exited);
        if (first != service._listening.Task)
        {
            await exited;
            Assert.Fail($"The service ended (exit code {service._process.ExitCode}) before it listened:\n{service.Output}");
        }

        service.Client = new HttpClient { BaseAddress = await service._listening.Task };
        return service;
    }

    /// <summary>Starts the service and waits for it to end (it is expected to refuse to start).</summary>
    public static async Task<(int ExitCode, string Output)> RunToEndAsync(string root, string data, CancellationToken cancellationToken)
    {
        await using var service = Launch(root, data, settings: null);
        await service._process.WaitForExitAsync(cancellationToken);
        service._process.WaitForExit(); // the output is read to its end
        return (service._process.ExitCode, service.Output);
    }

    /// <summary>Kills the service with SIGKILL (not its children: the local compute's tasks must die on their own) and waits for it.</summary>
    public async Task KillAsync(CancellationToken cancellationToken)
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // It ended meanwhile.
        }

        _process.Dispose();
    }

    /// <summary>Asks for a run until it has ended (a hang guard only: no timing is asserted).</summary>
    public async Task<JsonObject> WaitForEndAsync(string location, CancellationToken cancellationToken)
    {
        while (true)
        {
            var run = await GetJsonAsync(location, cancellationToken);
            if ((string?)run["state"] != "Running")
            {
                return run;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), TimeProvider.System, cancellationToken);
        }
    }

    public async Task<JsonObject> GetJsonAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await Client.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
        string body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.That(response.IsSuccessStatusCode, Is.True, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    private static ServiceProcess Launch(string root, string data, IReadOnlyDictionary<string, string>? settings)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = root.Length > 0 ? Path.GetDirectoryName(root)! : AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, ServiceDll));
        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add("http://127.0.0.1:0");
        psi.Environment["TopNWords__Local__RootDirectory"] = root;
        psi.Environment["Service__DataDirectory"] = data;
        psi.Environment.Remove("ASPNETCORE_URLS");
        psi.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        psi.Environment.Remove("DOTNET_ENVIRONMENT");
        foreach ((string key, string value) in settings ?? new Dictionary<string, string>())
        {
            psi.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("'dotnet TopNWords.Samples.Service.dll' did not start.");
        var service = new ServiceProcess(process);
        process.OutputDataReceived += (_, e) => service.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => service.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
