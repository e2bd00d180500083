using System.Globalization;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using TopNWords.Batch.Azure.Storage;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Azure.Tests.Storage;

/// <summary>The SAS URLs of <see cref="AzureBlobStorage"/>, checked with raw HTTP requests that Azurite judges.</summary>
[TestFixture]
public sealed class AzureBlobStorageSasTests : AzuriteTestBase
{
    [Test]
    public async Task GetBlobReadUrlAsync_Url_ReadsThatBlobButCannotWriteListOrDelete()
    {
        var storage = NewStorage();
        string container = await NewContainerAsync(storage);
        await storage.UploadAsync(container, "input.txt", new MemoryStream(Bytes("input")), null, Token);
        var url = await storage.GetBlobReadUrlAsync(container, "input.txt", TimeProvider.System.GetUtcNow().AddHours(1), Token);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(QueryValue(url, "sp"), Is.EqualTo("r"), "the only permission is read");
            Assert.That(QueryValue(url, "sr"), Is.EqualTo("b"), "the resource is one blob");
            Assert.That(await SendAsync(HttpMethod.Get, url), Is.EqualTo(HttpStatusCode.OK), "read");
            Assert.That(await SendAsync(HttpMethod.Put, url, Bytes("overwritten")), Is.EqualTo(HttpStatusCode.Forbidden), "overwrite the blob");
            Assert.That(await SendAsync(HttpMethod.Put, WithBlob(ContainerOf(url), "new.txt"), Bytes("new")), Is.EqualTo(HttpStatusCode.Forbidden), "create another blob");
            Assert.That(await SendAsync(HttpMethod.Get, WithExtraQuery(ContainerOf(url), "restype=container&comp=list")), Is.EqualTo(HttpStatusCode.Forbidden), "list the container");
            Assert.That(await SendAsync(HttpMethod.Delete, url), Is.EqualTo(HttpStatusCode.Forbidden), "delete the blob");
        }

        var listed = new List<string>();
        await foreach (var blob in storage.ListBlobsAsync(container, cancellationToken: Token))
        {
            listed.Add(blob.Name);
        }

        Assert.That(listed, Is.EqualTo(new[] { "input.txt" }));
        Assert.That(await ReadAsync(storage, container, "input.txt"), Is.EqualTo(Bytes("input")), "the blob is unchanged");
    }

    [Test]
    public async Task GetContainerWriteUrlAsync_Url_CreatesBlobsButCannotReadListOrDelete()
    {
        var storage = NewStorage();
        string container = await NewContainerAsync(storage);
        await storage.UploadAsync(container, "existing.txt", new MemoryStream(Bytes("existing")), null, Token);
        var url = await storage.GetContainerWriteUrlAsync(container, TimeProvider.System.GetUtcNow().AddHours(1), Token);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(QueryValue(url, "sp"), Is.EqualTo("cw"), "the only permissions are create and write");
            Assert.That(QueryValue(url, "sr"), Is.EqualTo("c"), "the resource is the container");
            Assert.That(await SendAsync(HttpMethod.Put, WithBlob(url, "task-1/out.txt"), Bytes("output")), Is.EqualTo(HttpStatusCode.Created), "create a blob");
            Assert.That(await SendAsync(HttpMethod.Get, WithBlob(url, "task-1/out.txt")), Is.EqualTo(HttpStatusCode.Forbidden), "read the blob it wrote");
            Assert.That(await SendAsync(HttpMethod.Get, WithBlob(url, "existing.txt")), Is.EqualTo(HttpStatusCode.Forbidden), "read another blob");
            Assert.That(await SendAsync(HttpMethod.Get, WithExtraQuery(url, "restype=container&comp=list")), Is.EqualTo(HttpStatusCode.Forbidden), "list the container");
            Assert.That(await SendAsync(HttpMethod.Delete, WithBlob(url, "existing.txt")), Is.EqualTo(HttpStatusCode.Forbidden), "delete a blob");
            Assert.That(await SendAsync(HttpMethod.Delete, WithExtraQuery(url, "restype=container")), Is.EqualTo(HttpStatusCode.Forbidden), "delete the container");
        }

        Assert.That(await ReadAsync(storage, container, "task-1/out.txt"), Is.EqualTo(Bytes("output")));
        Assert.That(await ReadAsync(storage, container, "existing.txt"), Is.EqualTo(Bytes("existing")));
    }

    [Test]
    public async Task Urls_ExpiryInThePast_AreRefusedByTheService()
    {
        var storage = NewStorage();
        string container = await NewContainerAsync(storage);
        await storage.UploadAsync(container, "input.txt", new MemoryStream(Bytes("input")), null, Token);
        var past = TimeProvider.System.GetUtcNow().AddMinutes(-1);

        var readUrl = await storage.GetBlobReadUrlAsync(container, "input.txt", past, Token);
        var writeUrl = await storage.GetContainerWriteUrlAsync(container, past, Token);

        Assert.That(await SendAsync(HttpMethod.Get, readUrl), Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await SendAsync(HttpMethod.Put, WithBlob(writeUrl, "late.txt"), Bytes("late")), Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task Urls_StartTime_IsTheSkewBeforeNowAndExpiryIsAsGiven()
    {
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        var storage = NewStorage(new AzureBlobStorageOptions { TimeProvider = time });
        var storageWithSkew = NewStorage(new AzureBlobStorageOptions { TimeProvider = time, SasClockSkew = TimeSpan.FromMinutes(2) });
        var expiresOn = time.GetUtcNow().AddHours(3);
        string container = NewContainerName();

        var readUrl = await storage.GetBlobReadUrlAsync(container, "a b.txt", expiresOn, Token);
        var writeUrl = await storage.GetContainerWriteUrlAsync(container, expiresOn, Token);
        var skewedUrl = await storageWithSkew.GetBlobReadUrlAsync(container, "a b.txt", expiresOn, Token);

        foreach (var url in new[] { readUrl, writeUrl })
        {
            Assert.That(QueryValue(url, "st"), Is.EqualTo(Format(time.GetUtcNow().AddMinutes(-5))), "the default skew is 5 minutes");
            Assert.That(QueryValue(url, "se"), Is.EqualTo(Format(expiresOn)));
            Assert.That(QueryValue(url, "spr"), Is.EqualTo("https,http"), "Azurite's endpoint is http");
        }

        Assert.That(QueryValue(skewedUrl, "st"), Is.EqualTo(Format(time.GetUtcNow().AddMinutes(-2))));
    }

    [Test]
    public async Task Urls_HttpsEndpoint_AreHttpsOnly()
    {
        // Signing needs no request: an https account that does not exist is enough.
        var storage = AzureBlobStorage.FromAccountKey("someaccount", Convert.ToBase64String(new byte[64]));

        var readUrl = await storage.GetBlobReadUrlAsync("container", "blob.txt", TimeProvider.System.GetUtcNow().AddHours(1), Token);
        var writeUrl = await storage.GetContainerWriteUrlAsync("container", TimeProvider.System.GetUtcNow().AddHours(1), Token);

        Assert.That(readUrl.GetLeftPart(UriPartial.Path), Is.EqualTo("https://someaccount.blob.core.windows.net/container/blob.txt"));
        Assert.That(writeUrl.GetLeftPart(UriPartial.Path), Is.EqualTo("https://someaccount.blob.core.windows.net/container"));
        Assert.That(QueryValue(readUrl, "spr"), Is.EqualTo("https"));
        Assert.That(QueryValue(writeUrl, "spr"), Is.EqualTo("https"));
    }

    [TestCase("name with spaces.txt")]
    [TestCase("données été/日本 語.txt")]
    [TestCase("emoji 😀 and ümlaut.bin")]
    public async Task Urls_SpacesAndNonAsciiNames_RoundTripThroughRawHttp(string blobName)
    {
        var storage = NewStorage();
        string container = await NewContainerAsync(storage);
        byte[] data = Bytes("content of " + blobName);
        var writeUrl = await storage.GetContainerWriteUrlAsync(container, TimeProvider.System.GetUtcNow().AddHours(1), Token);

        Assert.That(await SendAsync(HttpMethod.Put, WithBlob(writeUrl, blobName), data), Is.EqualTo(HttpStatusCode.Created));

        var listed = new List<BlobItemInfo>();
        await foreach (var blob in storage.ListBlobsAsync(container, cancellationToken: Token))
        {
            listed.Add(blob);
        }

        Assert.That(listed.Select(b => b.Name), Is.EqualTo(new[] { blobName }), "listed under exactly that name");
        var readUrl = await storage.GetBlobReadUrlAsync(container, blobName, TimeProvider.System.GetUtcNow().AddHours(1), Token);
        using var response = await Http.SendAsync(Request(HttpMethod.Get, readUrl), Token);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await response.Content.ReadAsByteArrayAsync(Token), Is.EqualTo(data));
    }

    private async Task<byte[]> ReadAsync(IBlobStorage storage, string container, string blobName)
    {
        await using var stream = await storage.OpenReadAsync(container, blobName, Token);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, Token);
        return copy.ToArray();
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
