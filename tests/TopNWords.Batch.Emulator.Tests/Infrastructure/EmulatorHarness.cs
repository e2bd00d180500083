using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using TopNWords.Batch.Azure;
using TopNWords.Batch.Azure.BatchRest;
using TopNWords.Batch.Azure.BatchRest.Models;

namespace TopNWords.Batch.Emulator.Tests.Infrastructure;

/// <summary>
/// One emulator on a real 127.0.0.1 port, with the product's <see cref="BatchRestClient"/> (fast retries) and a raw
/// <see cref="HttpClient"/> that signs with an independent Shared Key signer. Dispose it to stop everything.
/// </summary>
internal sealed class EmulatorHarness : IAsyncDisposable
{
    public const string ApiVersion = "2025-06-01.21.0";
    public const string Account = "emulatortest";

    /// <summary>The test key: base64 of 32 random bytes, new on every run (never a published key).</summary>
    public static readonly string Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private readonly SharedKeySigner _signer;

    private EmulatorHarness(BatchEmulator emulator, Uri baseUri, BatchEmulatorOptions options)
    {
        Emulator = emulator;
        BaseUri = baseUri;
        Options = options;
        _signer = new SharedKeySigner(Account, Key, options.TimeProvider);
        Http = new HttpClient(_signer) { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(30) };
        ClientOptions = NewClientOptions(options.TimeProvider);
        Client = new BatchRestClient(baseUri, new BatchSharedKeyCredential(Account, Key), ClientOptions);
    }

    public BatchEmulator Emulator { get; }

    public Uri BaseUri { get; }

    public BatchEmulatorOptions Options { get; }

    /// <summary>Gets a raw client whose requests are signed (see <see cref="Signer"/>).</summary>
    public HttpClient Http { get; }

    public SharedKeySigner Signer => _signer;

    public BatchClientOptions ClientOptions { get; }

    /// <summary>Gets the product's REST client, pointed at the emulator.</summary>
    public BatchRestClient Client { get; }

    public static async Task<EmulatorHarness> StartAsync(Action<BatchEmulatorOptions>? configure = null)
    {
        var options = new BatchEmulatorOptions { AccountName = Account, AccountKey = Key };
        configure?.Invoke(options);
        var emulator = new BatchEmulator();
        try
        {
            Uri baseUri = await emulator.StartAsync(options);
            return new EmulatorHarness(emulator, baseUri, options);
        }
        catch
        {
            await emulator.DisposeAsync();
            throw;
        }
    }

    /// <summary>Client options with retries quick enough for tests.</summary>
    public static BatchClientOptions NewClientOptions(TimeProvider? time = null, int maxRetries = 6, BatchClientOptions.ServiceVersion version = BatchClientOptions.ServiceVersion.V2025_06_01_21_0)
    {
        var options = new BatchClientOptions(version);
        if (time is not null)
        {
            options.TimeProvider = time;
        }

        options.Retry.MaxRetries = maxRetries;
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(200);
        return options;
    }

    /// <summary>A client for another key or options.</summary>
    public BatchRestClient NewClient(string key, BatchClientOptions? options = null) =>
        new(BaseUri, new BatchSharedKeyCredential(Account, key), options ?? NewClientOptions(Options.TimeProvider));

    /// <summary>A client that calls another service version.</summary>
    public BatchRestClient NewClient(BatchClientOptions.ServiceVersion version) =>
        new(BaseUri, new BatchSharedKeyCredential(Account, Key), NewClientOptions(Options.TimeProvider, version: version));

    /// <summary>A path with the api-version appended.</summary>
    public static string Versioned(string path) => Versioned(path, ApiVersion);

    /// <summary>A path with the given api-version appended.</summary>
    public static string Versioned(string path, string apiVersion) => path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "api-version=" + apiVersion;

    /// <summary>Sends a raw request (signed unless the signer is disabled) and returns the status and the body as JSON (null when empty or not JSON).</summary>
    public async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string pathAndQuery, string? json = null)
    {
        using var request = new HttpRequestMessage(method, pathAndQuery);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { Parameters = { new("odata", "minimalmetadata") } };
        }

        var response = await Http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        JsonNode? body = null;
        if (text.Length > 0)
        {
            try
            {
                body = JsonNode.Parse(text);
            }
            catch (System.Text.Json.JsonException)
            {
                body = null;
            }
        }

        return (response.StatusCode, body, response);
    }

    /// <summary>Creates a pool through the REST client (the default verified Ubuntu image).</summary>
    public Task CreatePoolAsync(string poolId, int nodes = 1, int slots = 1, BatchStartTask? startTask = null) =>
        Client.CreatePoolAsync(new BatchPoolCreateContent
        {
            Id = poolId,
            VmSize = "STANDARD_D2S_V3",
            VirtualMachineConfiguration = new BatchVirtualMachineConfiguration
            {
                ImageReference = new BatchImageReference { Publisher = "canonical", Offer = "ubuntu-24_04-lts", Sku = "server" },
                NodeAgentSkuId = "batch.node.ubuntu 24.04",
            },
            TargetDedicatedNodes = nodes,
            TaskSlotsPerNode = slots,
            StartTask = startTask,
        });

    /// <summary>Creates a job on a pool.</summary>
    public Task CreateJobAsync(string jobId, string poolId) =>
        Client.CreateJobAsync(new BatchJobCreateContent { Id = jobId, PoolInfo = new BatchPoolInfo { PoolId = poolId } });

    /// <summary>Waits until every node of a pool satisfies a condition; fails the test after a deadline.</summary>
    public async Task<List<BatchNode>> WaitForNodesAsync(string poolId, Func<BatchNode, bool> condition, string what)
    {
        List<BatchNode> nodes = [];
        await Wait.UntilAsync(
            async () =>
            {
                nodes = [];
                await foreach (var node in Client.ListNodesAsync(poolId))
                {
                    nodes.Add(node);
                }

                return nodes.Count > 0 && nodes.All(condition);
            },
            () => $"the nodes of pool {poolId} are not {what}: {string.Join(", ", nodes.Select(n => $"{n.Id}={n.State}"))}");
        return nodes;
    }

    /// <summary>Waits until a task satisfies a condition.</summary>
    public async Task<BatchTask> WaitForTaskAsync(string jobId, string taskId, Func<BatchTask, bool> condition, string what)
    {
        BatchTask? task = null;
        await Wait.UntilAsync(
            async () => condition(task = await Client.GetTaskAsync(jobId, taskId)),
            () => $"task {taskId} of job {jobId} is not {what}: state {task?.State}");
        return task!;
    }

    /// <summary>Waits until a job has this many completed tasks.</summary>
    public async Task WaitForCompletedAsync(string jobId, int count)
    {
        BatchJobTaskCounts? counts = null;
        await Wait.UntilAsync(
            async () => (counts = await Client.GetJobTaskCountsAsync(jobId)).TaskCounts!.Completed >= count,
            () => $"job {jobId} has {counts?.TaskCounts?.Completed} of {count} task(s) completed");
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Emulator.DisposeAsync();
    }
}

/// <summary>Waits for conditions (never a fixed sleep), failing the test with a description after a deadline.</summary>
internal static class Wait
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static async Task UntilAsync(Func<Task<bool>> condition, Func<string> describe)
    {
        using var deadline = new CancellationTokenSource(Deadline, TimeProvider.System);
        while (!await condition())
        {
            if (deadline.IsCancellationRequested)
            {
                Assert.Fail($"Gave up after {Deadline.TotalSeconds} s: {describe()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25), TimeProvider.System);
        }
    }
}
