using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Moq;
using TopNWords.Batch.Azure.Storage;
using TopNWords.Batch.Conformance.Infrastructure;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Azure.Tests.Storage;

/// <summary>
/// User delegation SAS URLs (a <see cref="AzureBlobStorage"/> built with a Microsoft Entra ID credential).
/// Azurite serves user delegation keys only over HTTPS with its OAuth mode, so the service client is a Moq
/// double here: these tests check which key signs which URL, its caching and renewal, and failures.
/// </summary>
[TestFixture]
public sealed class AzureBlobStorageUserDelegationTests
{
    private const string Account = "someaccount";
    private static readonly Uri Endpoint = new($"https://{Account}.blob.core.windows.net/");

    private FakeTimeProvider _time = null!;
    private Mock<BlobServiceClient> _service = null!;
    private List<BlobGetUserDelegationKeyOptions> _keyRequests = null!;
    private FakeLogCollector _logs = null!;
    private ILoggerFactory _loggerFactory = null!;

    [SetUp]
    public void SetUp()
    {
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        _keyRequests = [];
        _logs = new FakeLogCollector();
        _loggerFactory = new LoggerFactory([new FakeLoggerProvider(_logs)]);
        _service = new Mock<BlobServiceClient>(MockBehavior.Strict);
        _service.SetupGet(s => s.Uri).Returns(Endpoint);
        _service.SetupGet(s => s.AccountName).Returns(Account);
        _service
            .Setup(s => s.GetUserDelegationKeyAsync(It.IsAny<BlobGetUserDelegationKeyOptions>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((BlobGetUserDelegationKeyOptions options, CancellationToken _) =>
            {
                _keyRequests.Add(options);
                return Response.FromValue(Key(_keyRequests.Count, options.StartsOn!.Value, options.ExpiresOn), Mock.Of<Response>());
            });
    }

    [TearDown]
    public void TearDown() => _loggerFactory.Dispose();

    [Test]
    public void MaxUrlLifetime_UserDelegation_IsSevenDays()
    {
        IBlobStorage storage = NewStorage();

        Assert.That(storage.MaxUrlLifetime, Is.EqualTo(TimeSpan.FromDays(7)));
    }

    [Test]
    public void MaxUrlLifetime_AccountKey_IsUnlimited()
    {
        // The published Azurite development key: a well-known test value, not a secret.
        IBlobStorage keyed = AzureBlobStorage.FromAccountKey(Account, AzuriteServer.AccountKey, Endpoint);
        IBlobStorage fromConnectionString = AzureBlobStorage.FromConnectionString(
            $"DefaultEndpointsProtocol=https;AccountName={Account};AccountKey={AzuriteServer.AccountKey};EndpointSuffix=core.windows.net");

        Assert.Multiple(() =>
        {
            Assert.That(keyed.MaxUrlLifetime, Is.Null);
            Assert.That(fromConnectionString.MaxUrlLifetime, Is.Null);
        });
    }

    [Test]
    public async Task GetBlobReadUrlAsync_UserDelegation_SignsReadOnlyUrlWithTheKey()
    {
        var storage = NewStorage();
        var expiresOn = _time.GetUtcNow().AddHours(2);

        var url = await storage.GetBlobReadUrlAsync("inputs", "dir/task data.txt", expiresOn);

        Assert.That(url.GetLeftPart(UriPartial.Path), Is.EqualTo($"https://{Account}.blob.core.windows.net/inputs/dir/task%20data.txt"));
        var query = Query(url);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(query["sp"], Is.EqualTo("r"));
            Assert.That(query["sr"], Is.EqualTo("b"));
            Assert.That(query["spr"], Is.EqualTo("https"));
            Assert.That(query["st"], Is.EqualTo("2026-03-01T11:55:00Z"), "5 minutes before now");
            Assert.That(query["se"], Is.EqualTo("2026-03-01T14:00:00Z"));
            Assert.That(query["skoid"], Is.EqualTo(ObjectId), "signed with the user delegation key, not an account key");
            Assert.That(query["sktid"], Is.EqualTo(TenantId));
            Assert.That(query["sig"], Is.EqualTo(ExpectedSignature(url, "dir/task data.txt", 0)));
        }
    }

    [Test]
    public async Task GetContainerWriteUrlAsync_UserDelegation_SignsCreateWriteOnlyContainerUrl()
    {
        var storage = NewStorage();

        var url = await storage.GetContainerWriteUrlAsync("outputs", _time.GetUtcNow().AddHours(2));

        Assert.That(url.GetLeftPart(UriPartial.Path), Is.EqualTo($"https://{Account}.blob.core.windows.net/outputs"));
        var query = Query(url);
        Assert.That(query["sp"], Is.EqualTo("cw"));
        Assert.That(query["sr"], Is.EqualTo("c"));
        Assert.That(query["skoid"], Is.EqualTo(ObjectId));
        Assert.That(query["sig"], Is.EqualTo(ExpectedSignature(url, null, 0)));
    }

    [Test]
    public async Task Urls_UserDelegation_ShareOneKeyUntilItIsAboutToExpire()
    {
        var storage = NewStorage(new AzureBlobStorageOptions { UserDelegationKeyLifetime = TimeSpan.FromHours(6) });

        await storage.GetBlobReadUrlAsync("inputs", "a.txt", _time.GetUtcNow().AddHours(1));
        await storage.GetContainerWriteUrlAsync("outputs", _time.GetUtcNow().AddHours(1));
        _time.Advance(TimeSpan.FromHours(4));
        await storage.GetBlobReadUrlAsync("inputs", "b.txt", _time.GetUtcNow().AddHours(1));

        Assert.That(_keyRequests, Has.Count.EqualTo(1), "one key for every URL that expires before it");
        Assert.That(_keyRequests[0].StartsOn, Is.EqualTo(new DateTimeOffset(2026, 3, 1, 11, 55, 0, TimeSpan.Zero)));
        Assert.That(_keyRequests[0].ExpiresOn, Is.EqualTo(new DateTimeOffset(2026, 3, 1, 18, 0, 0, TimeSpan.Zero)));

        _time.Advance(TimeSpan.FromMinutes(100)); // 20 minutes left: less than a tenth of its lifetime (36 minutes)
        var url = await storage.GetBlobReadUrlAsync("inputs", "c.txt", _time.GetUtcNow().AddMinutes(10));

        Assert.That(_keyRequests, Has.Count.EqualTo(2), "renewed before it expired");
        Assert.That(Query(url)["skoid"], Is.EqualTo(ObjectId));
        Assert.That(Query(url)["sig"], Is.EqualTo(ExpectedSignature(url, "c.txt", 1)), "signed with the new key");
    }

    [Test]
    public async Task Urls_UserDelegation_UrlOutlivingTheKeyGetsALongerKey()
    {
        var storage = NewStorage(new AzureBlobStorageOptions { UserDelegationKeyLifetime = TimeSpan.FromHours(1) });
        await storage.GetBlobReadUrlAsync("inputs", "a.txt", _time.GetUtcNow().AddMinutes(30));

        var longExpiry = _time.GetUtcNow().AddDays(2);
        await storage.GetBlobReadUrlAsync("inputs", "b.txt", longExpiry);

        Assert.That(_keyRequests, Has.Count.EqualTo(2));
        Assert.That(_keyRequests[1].ExpiresOn, Is.GreaterThanOrEqualTo(longExpiry), "the key lives at least as long as the URL");
        Assert.That(_keyRequests[1].ExpiresOn, Is.LessThanOrEqualTo(_time.GetUtcNow().AddDays(7)), "and never beyond the service's 7 days");
    }

    [Test]
    public void Urls_UserDelegation_ExpiryBeyondSevenDays_IsRefusedWithoutARequest()
    {
        var storage = NewStorage();

        Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => storage.GetBlobReadUrlAsync("inputs", "a.txt", _time.GetUtcNow().AddDays(8)));

        Assert.That(_keyRequests, Is.Empty);
    }

    [Test]
    public void Urls_UserDelegation_KeyRefused_ThrowsForbiddenNamingTheAccountAndRole()
    {
        _service
            .Setup(s => s.GetUserDelegationKeyAsync(It.IsAny<BlobGetUserDelegationKeyOptions>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new RequestFailedException(403, "This request is not authorized: https://someaccount.blob.core.windows.net/?restype=service&comp=userdelegationkey&sig=leaked", "AuthorizationPermissionMismatch", null));
        var storage = NewStorage();

        var ex = Assert.ThrowsAsync<BlobStorageException>(() => storage.GetBlobReadUrlAsync("inputs", "a.txt", _time.GetUtcNow().AddHours(1)));

        Assert.That(ex.Kind, Is.EqualTo(BlobStorageErrorKind.Forbidden));
        Assert.That(ex.Message, Does.Contain($"'{Account}'").And.Contain("user delegation key").And.Contain("Storage Blob Delegator").And.Contain("AuthorizationPermissionMismatch"));
        Assert.That(ex.ContainerName, Is.EqualTo("inputs"));
        Assert.That(ex.BlobName, Is.EqualTo("a.txt"));
        Assert.That(ex.ToString(), Does.Not.Contain("leaked"), "the SDK's message (which can echo the request) is not kept");
    }

    [Test]
    public async Task Logs_UserDelegation_NeverHoldTheKeyOrSignature()
    {
        var storage = NewStorage();

        var url = await storage.GetBlobReadUrlAsync("inputs", "a.txt", _time.GetUtcNow().AddHours(1));

        var records = _logs.GetSnapshot();
        Assert.That(records.Select(r => r.Id.Id), Does.Contain(4106), "the key was logged as obtained");
        foreach (var record in records)
        {
            string text = record.Message + " " + string.Join(" ", record.StructuredState?.Select(kv => kv.Value) ?? []);
            Assert.That(text, Does.Not.Contain(KeyValue(1)).And.Not.Contain(Query(url)["sig"]).And.Not.Contain("sig="));
        }
    }

    private const string ObjectId = "11111111-2222-3333-4444-555555555555";
    private const string TenantId = "66666666-7777-8888-9999-000000000000";

    private AzureBlobStorage NewStorage(AzureBlobStorageOptions? options = null)
    {
        options ??= new AzureBlobStorageOptions();
        options.TimeProvider = _time;
        options.LoggerFactory = _loggerFactory;
        return new AzureBlobStorage(_service.Object, AzureBlobStorage.Prepare(options), userDelegation: true, secrets: []);
    }

    private static string KeyValue(int n) => Convert.ToBase64String(Enumerable.Repeat((byte)n, 32).ToArray());

    private static UserDelegationKey Key(int n, DateTimeOffset startsOn, DateTimeOffset expiresOn)
        => BlobsModelFactory.UserDelegationKey(ObjectId, TenantId, startsOn, expiresOn, "b", "2025-11-05", KeyValue(n));

    /// <summary>The signature the same SAS fields give with the <paramref name="keyIndex"/>th key handed out, computed by the SDK on its own.</summary>
    private string ExpectedSignature(Uri url, string? blobName, int keyIndex)
    {
        var query = Query(url);
        var request = _keyRequests[keyIndex];
        var builder = new BlobSasBuilder
        {
            BlobContainerName = url.Segments[1].TrimEnd('/'),
            BlobName = blobName,
            Resource = query["sr"],
            StartsOn = DateTimeOffset.Parse(query["st"], CultureInfo.InvariantCulture),
            ExpiresOn = DateTimeOffset.Parse(query["se"], CultureInfo.InvariantCulture),
            Protocol = SasProtocol.Https,
        };
        builder.SetPermissions(query["sp"]);
        return builder.ToSasQueryParameters(Key(keyIndex + 1, request.StartsOn!.Value, request.ExpiresOn), Account).Signature;
    }

    private static Dictionary<string, string> Query(Uri url)
    {
        return url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
    }
}
