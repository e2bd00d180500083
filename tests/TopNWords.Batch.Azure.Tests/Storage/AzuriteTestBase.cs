using System.Net;
using System.Net.Sockets;
using System.Text;
using Azure.Storage.Blobs;
using TopNWords.Batch.Azure.Storage;
using TopNWords.Batch.Conformance.Infrastructure;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Azure.Tests.Storage;

/// <summary>Helpers for tests that talk to the assembly's Azurite: containers deleted after each test, raw HTTP, a raw SDK client.</summary>
public abstract class AzuriteTestBase
{
    /// <summary>The REST version raw requests declare (the one <c>UrlTransfer</c> uses).</summary>
    protected const string RestVersion = "2021-12-02";

    private readonly List<string> _containers = [];
    private CancellationTokenSource? _timeout;

    /// <summary>Gets a client for raw HTTP requests against Azurite.</summary>
    protected static HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Gets the running Azurite.</summary>
    protected static AzuriteServer Server => AzuriteSetUp.Server;

    /// <summary>Gets the SDK client of the development account, to look behind the storage's back.</summary>
    protected static BlobServiceClient RawService => new(Server.ConnectionString);

    /// <summary>Gets a token that cancels a test's operations after one minute.</summary>
    protected CancellationToken Token => _timeout?.Token ?? CancellationToken.None;

    [SetUp]
    public void SetUpAzuriteTest()
    {
        _containers.Clear();
        _timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1), TimeProvider.System);
    }

    [TearDown]
    public async Task TearDownAzuriteTestAsync()
    {
        var service = RawService;
        foreach (string container in _containers)
        {
            await service.GetBlobContainerClient(container).DeleteIfExistsAsync();
        }

        _timeout?.Dispose();
        _timeout = null;
    }

    /// <summary>The storage under test, from the development account's connection string.</summary>
    protected static AzureBlobStorage NewStorage(AzureBlobStorageOptions? options = null)
        => AzureBlobStorage.FromConnectionString(Server.ConnectionString, options);

    /// <summary>A new container name, deleted after the test.</summary>
    protected string NewContainerName()
    {
        string name = $"blob-{Guid.NewGuid():N}";
        _containers.Add(name);
        return name;
    }

    /// <summary>Creates a new container through <paramref name="storage"/>.</summary>
    protected async Task<string> NewContainerAsync(IBlobStorage storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        string name = NewContainerName();
        await storage.CreateContainerIfNotExistsAsync(name, Token);
        return name;
    }

    /// <summary>A request with the REST version header set.</summary>
    protected static HttpRequestMessage Request(HttpMethod method, Uri url, byte[]? body = null)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Add("x-ms-version", RestVersion);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Headers.Add("x-ms-blob-type", "BlockBlob");
        }

        return request;
    }

    /// <summary>Sends a raw request and returns its status.</summary>
    protected async Task<HttpStatusCode> SendAsync(HttpMethod method, Uri url, byte[]? body = null)
    {
        using var request = Request(method, url, body);
        using var response = await Http.SendAsync(request, Token);
        return response.StatusCode;
    }

    /// <summary>The value of a query parameter, unescaped, or <see langword="null"/>.</summary>
    protected static string? QueryValue(Uri url, string key)
    {
        ArgumentNullException.ThrowIfNull(url);
        foreach (string part in url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && part[..eq] == key)
            {
                return Uri.UnescapeDataString(part[(eq + 1)..]);
            }
        }

        return null;
    }

    /// <summary>The URL with <paramref name="query"/> appended to its query.</summary>
    protected static Uri WithExtraQuery(Uri url, string query)
    {
        ArgumentNullException.ThrowIfNull(url);
        var builder = new UriBuilder(url);
        builder.Query = builder.Query.TrimStart('?') + "&" + query;
        return builder.Uri;
    }

    /// <summary>The URL of blob <paramref name="blobName"/> in the container at <paramref name="containerUrl"/>, query kept.</summary>
    protected static Uri WithBlob(Uri containerUrl, string blobName)
    {
        ArgumentNullException.ThrowIfNull(containerUrl);
        ArgumentNullException.ThrowIfNull(blobName);
        var builder = new UriBuilder(containerUrl);
        builder.Path = builder.Path.TrimEnd('/') + "/" + string.Join('/', blobName.Split('/').Select(Uri.EscapeDataString));
        return builder.Uri;
    }

    /// <summary>The URL with its last path segment removed (a blob URL made into its container's), query kept.</summary>
    protected static Uri ContainerOf(Uri blobUrl)
    {
        ArgumentNullException.ThrowIfNull(blobUrl);
        var builder = new UriBuilder(blobUrl);
        builder.Path = builder.Path[..builder.Path.TrimEnd('/').LastIndexOf('/')];
        return builder.Uri;
    }

    /// <summary>A port on 127.0.0.1 that nothing listens on (it was free a moment ago).</summary>
    protected static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>The UTF-8 bytes of <paramref name="text"/>.</summary>
    protected static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
