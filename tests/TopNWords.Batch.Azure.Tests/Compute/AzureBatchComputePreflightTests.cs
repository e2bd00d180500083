using System.Text.Json.Nodes;
using Azure.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using TopNWords.Batch.Azure.Compute;
using TopNWords.Batch.Azure.Tests.BatchRest;
using TopNWords.Batch.Azure.Tests.BatchRest.Fakes;
using TopNWords.Batch.Compute;

namespace TopNWords.Batch.Azure.Tests.Compute;

/// <summary>
/// <see cref="AzureBatchCompute.PreflightPoolAsync"/>: the image (data plane), the VM size and the dedicated-core quota
/// (management plane, with a token credential), over the real pipelines and a fake transport that answers by URL.
/// </summary>
[TestFixture]
public class AzureBatchComputePreflightTests
{
    private const string ResourceId = "/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.Batch/batchAccounts/testaccount";
    private const string ManagementHost = "management.azure.com";
    private const string ManagementToken = "mgmt-token-value";
    private const string AccountPath = "/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.Batch/batchAccounts/testaccount";
    private const string SkusPath = "/subscriptions/sub-1/providers/Microsoft.Batch/locations/westus/virtualMachineSkus";

    private static readonly string Skus = SkusJson(
        ("Standard_D2s_v3", "standardDSv3Family", 2),
        ("Standard_D4s_v3", "standardDSv3Family", 4),
        ("Standard_D8s_v3", "standardDSv3Family", 8),
        ("Standard_F2s_v2", "standardFSv2Family", 2));

    [Test]
    public async Task Preflight_ManagementNotConfigured_ChecksTheImageAndSkipsVmSizeAndQuota()
    {
        var harness = new Harness(resourceId: null);

        ComputePreflightResult result = await harness.Compute.PreflightPoolAsync(new PoolSpec("topn-pool", 4));

        Assert.Multiple(() =>
        {
            Assert.That(result.Checked, Has.Count.EqualTo(1));
            Assert.That(result.Checked[0], Does.Contain("canonical/ubuntu-24_04-lts/server").And.Contain("testaccount.westus.batch.azure.com"));
            Assert.That(result.Skipped, Has.Count.EqualTo(2));
            Assert.That(result.Skipped[0], Does.Contain("VM size 'STANDARD_D2S_V3' not checked").And.Contain("ManagementResourceId is not set"));
            Assert.That(result.Skipped[1], Does.Contain("quota not checked").And.Contain("ManagementResourceId is not set"));
            Assert.That(result.CoresPerNode, Is.Null);
            Assert.That(harness.Transport.Requests.Select(r => r.Uri.Host), Is.All.EqualTo(TestClients.Endpoint.Host), "no management request");
        });
    }

    [Test]
    public async Task Preflight_SharedKeyOnly_SkipsVmSizeAndQuotaWithTheReason()
    {
        var harness = new Harness(withManagementCredential: false);

        ComputePreflightResult result = await harness.Compute.PreflightPoolAsync(new PoolSpec("topn-pool", 4));

        Assert.Multiple(() =>
        {
            Assert.That(result.Skipped, Has.Count.EqualTo(2));
            Assert.That(result.Skipped, Has.All.Contain("Shared Key").And.All.Contain("TokenCredential"));
            Assert.That(harness.Transport.Requests.Select(r => r.Uri.Host), Is.All.EqualTo(TestClients.Endpoint.Host), "no management request");
        });
    }

    [Test]
    public void Preflight_ImageNotSupported_IsInvalidRequestNamingTheImageAndWhatToDo()
    {
        var harness = new Harness(images: ComputeHarness.ImagesJson(("debian", "debian-12", "12", "batch.node.debian 12", "verified", null)));

        var ex = Assert.ThrowsAsync<BatchComputeException>(() => harness.Compute.PreflightPoolAsync(new PoolSpec("topn-pool", 1)));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.InvalidRequest));
            Assert.That(ex.ErrorCode, Is.EqualTo("ImageNotSupported"));
            Assert.That(ex.Message, Does.Contain("'canonical'").And.Contain("'ubuntu-24_04-lts'").And.Contain("ImagePublisher"));
            Assert.That(harness.Transport.Requests.Select(r => r.Uri.Host), Is.All.EqualTo(TestClients.Endpoint.Host), "nothing else asked once the image is missing");
        });
    }

    [Test]
    public void Preflight_ImagePastEndOfSupport_IsInvalidRequest()
    {
        var harness = new Harness(images: ComputeHarness.ImagesJson(("canonical", "ubuntu-24_04-lts", "server", "batch.node.ubuntu 24.04", "verified", "2020-01-01T00:00:00Z")));

        var ex = Assert.ThrowsAsync<BatchComputeException>(() => harness.Compute.PreflightPoolAsync(new PoolSpec("topn-pool", 1)));

        Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.InvalidRequest));
    }

    [Test]
    public void Preflight_VmSizeUnknown_IsInvalidRequestNamingItAndAvailableSizes()
    {
        var harness = new Harness();

        var ex = Assert.ThrowsAsync<BatchComputeException>(() => harness.Compute.PreflightPoolAsync(new PoolSpec("topn-pool", 2) { VirtualMachineSize = "Standard_D3s_v9" }));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.InvalidRequest));
            Assert.That(ex.ErrorCode, Is.EqualTo("VmSizeNotSupported"));
            Assert.That(ex.ResourceId, Is.EqualTo("topn-pool"));
            Assert.That(ex.Message, Does.Contain("VM size 'Standard_D3s_v9'").And.Contain("westus").And.Contain(ResourceId).And.Contain("pool 'topn-pool'"));
            Assert.That(ex.Message, Does.Contain("Standard_D2s_v3").And.Contain("PoolSpec.VirtualMachineSize"));
        });
    }

    [Test]
    public void Preflight_VmSizePastItsBatchEndOfSupport_IsInvalidRequest()
    {
        var harness = new Harness(skus: """{"value":[{"name":"Standard_A1","familyName":"standardA0_A7Family","batchSupportEndOfLife":"2024-08-31T00:00:00Z","capabilities":[{"name":"vCPUs","value":"1"}]}]}""");

        var ex = Assert.ThrowsAsync<BatchComputeException>(() => harness.Compute.PreflightPoolAsync(new PoolSpec("topn-pool", 1) { VirtualMachineSize = "Standard_A1" }));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.InvalidRequest));
            Assert.That(ex.Message, Does.Contain("end of support").And.Contain("2024-08-31"));
        });
    }

    [Test]
    public void Preflight_FamilyQuotaEnforcedAndExceeded_IsQuotaExceededNamingTheFamilyQuotaAndTheNumbers()
    {
        // 2 D4s_v3 nodes of another pool hold 8 of the family's 10 cores; 4 D2s_v3 nodes need 8.
        var harness = new Harness(
            account: AccountJson(total: 100, enforced: true, ("standardDSv3Family", 10), ("standardFSv2Family", 50)),
            pools: PoolsJson(("busy", "standard_d4s_v3", 2, 2), ("other-family", "Standard_F2s_v2", 5, 5)));

        var ex = Assert.ThrowsAsync<BatchComputeException>(() => harness.Compute.PreflightPoolAsync(new PoolSpec("topn-pool", 4)));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.QuotaExceeded));
            Assert.That(ex.ErrorCode, Is.EqualTo("VmFamilyCoreQuotaExceeded"));
            Assert.That(ex.ResourceId, Is.EqualTo("topn-pool"));
            Assert.That(ex.Message, Does.Contain("Pool 'topn-pool' needs 8 dedicated cores (4 node(s) × 2 vCPUs of STANDARD_D2S_V3 = 8)"));
            Assert.That(ex.Message, Does.Contain($"the 'standardDSv3Family' dedicated-core quota of Batch account '{ResourceId}' is 10 with 8 in use, so 2 are free"));
            Assert.That(ex.Message, Does.Contain("request a higher quota"));
        });
        ComputeHarness.AssertNoSecret([ex!.Message], "message");
        Assert.That(ex.Message, Does.Not.Contain(ManagementToken));
    }

    [Test]
    public void Preflight_TotalQuotaExceeded_IsQuotaExceededNamingTheTotalQuotaAndTheNumbers()
    {
        // Not enforced per family: 3 × 4 (D4s_v3) + max(1, 2) × 2 (F2s_v2) = 16 of 20 in use; the pool's own earlier self
        // (a resumed run) and a pool of an unknown size are not counted; 4 × 2 = 8 needed, 4 free.
        var harness = new Harness(
            account: AccountJson(total: 20, enforced: false, ("standardDSv3Family", 2)),
            pools: PoolsJson(("a", "Standard_D4s_v3", 3, 0), ("b", "Standard_F2s_v2", 1, 2), ("TOPN-POOL", "Standard_D8s_v3", 10, 10), ("legacy", "Standard_X1", 4, 4)));

        var ex = Assert.ThrowsAsync<BatchComputeException>(() => harness.Compute.PreflightPoolAsync(new PoolSpec("topn-pool", 4)));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.QuotaExceeded));
            Assert.That(ex.ErrorCode, Is.EqualTo("CoreQuotaExceeded"));
            Assert.That(ex.Message, Does.Contain("Pool 'topn-pool' needs 8 dedicated cores (4 node(s) × 2 vCPUs of STANDARD_D2S_V3 = 8)"));
            Assert.That(ex.Message, Does.Contain($"the dedicated-core quota of Batch account '{ResourceId}' is 20 with 16 in use, so 4 are free"));
        });
    }

    [Test]
    public async Task Preflight_Fits_ChecksImageVmSizeFamilyAndTotal_WithBearerTokensOnlyForTheManagementHost()
    {
        var harness = new Harness(
            account: AccountJson(total: 100, enforced: true, ("standardDSv3Family", 50)),
            pools: PoolsJson(("busy", "Standard_D4s_v3", 2, 2)));

        ComputePreflightResult result = await harness.Compute.PreflightPoolAsync(new PoolSpec("topn-pool", 4));

        Assert.Multiple(() =>
        {
            Assert.That(result.Skipped, Is.Empty);
            Assert.That(result.CoresPerNode, Is.EqualTo(2));
            Assert.That(result.Checked, Has.Count.EqualTo(4));
            Assert.That(result.Checked[1], Does.Contain("VM size 'STANDARD_D2S_V3' is available").And.Contain("westus").And.Contain("2 vCPUs").And.Contain("standardDSv3Family"));
            Assert.That(result.Checked[2], Does.Contain("'standardDSv3Family'").And.Contain("= 8 needed, quota 50, 8 in use"));
            Assert.That(result.Checked[3], Does.Contain("quota 100, 8 in use"));
        });

        var requests = harness.Transport.Requests;
        var management = requests.Where(r => r.Uri.Host == ManagementHost).ToList();
        var batch = requests.Where(r => r.Uri.Host == TestClients.Endpoint.Host).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(management.Select(r => r.Uri.AbsolutePath), Is.EqualTo(new[] { AccountPath, SkusPath }));
            Assert.That(management.Select(r => r.Query["api-version"]), Is.All.EqualTo("2025-06-01"));
            Assert.That(management.Select(r => r.Header("Authorization")), Is.All.EqualTo("Bearer " + ManagementToken));
            Assert.That(harness.Scopes, Is.Not.Empty.And.All.EqualTo("https://management.azure.com/.default"));
            Assert.That(batch.Select(r => r.Header("Authorization")), Is.All.StartWith("SharedKey "), "the Batch credential stays on the Batch endpoint");
            Assert.That(requests.Count(r => r.Uri.Host != ManagementHost && r.Uri.Host != TestClients.Endpoint.Host), Is.Zero);
        });
        RequestAssert.IsSignedBatchRequest(batch.Single(r => r.Uri.AbsolutePath == "/pools"), "GET", "/pools", new Dictionary<string, string>
        {
            ["$select"] = "id,vmSize,targetDedicatedNodes,currentDedicatedNodes",
            ["maxresults"] = "1000",
        });
    }

    [Test]
    public async Task Preflight_VmSizesOnTwoPages_FollowsTheNextLinkOnTheManagementHost()
    {
        string next = $"https://{ManagementHost}{SkusPath}?api-version=2025-06-01&$skiptoken=page2";
        var harness = new Harness(skus: $$"""{"value":[{"name":"Standard_F2s_v2","familyName":"standardFSv2Family","capabilities":[{"name":"vCPUs","value":"2"}]}],"nextLink":"{{next}}"}""");
        harness.SkuPage2 = Skus;

        ComputePreflightResult result = await harness.Compute.PreflightPoolAsync(new PoolSpec("topn-pool", 1));

        Assert.Multiple(() =>
        {
            Assert.That(result.CoresPerNode, Is.EqualTo(2));
            Assert.That(harness.Transport.Requests.Count(r => r.Uri.AbsolutePath == SkusPath), Is.EqualTo(2));
            Assert.That(harness.Transport.Requests.Last(r => r.Uri.AbsolutePath == SkusPath).Header("Authorization"), Is.EqualTo("Bearer " + ManagementToken));
        });
    }

    [Test]
    public void Preflight_VmSizesNextLinkToAnotherHost_IsRefusedAndNothingIsSentThere()
    {
        var harness = new Harness(skus: """{"value":[],"nextLink":"https://attacker.example.net/steal?api-version=2025-06-01"}""");

        var ex = Assert.ThrowsAsync<BatchComputeException>(() => harness.Compute.PreflightPoolAsync(new PoolSpec("topn-pool", 1)));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Message, Does.Contain("another host (https://attacker.example.net)").And.Contain("not followed"));
            Assert.That(ex.Message, Does.Not.Contain("/steal"));
            Assert.That(harness.Transport.Requests.Select(r => r.Uri.Host), Has.None.EqualTo("attacker.example.net"));
        });
    }

    [Test]
    public void Preflight_ManagementForbidden_IsForbiddenNamingTheAccountAndTheRole()
    {
        var harness = new Harness(accountStatus: 403, account: """{"error":{"code":"AuthorizationFailed","message":"The client does not have authorization to perform action 'Microsoft.Batch/batchAccounts/read'."}}""");

        var ex = Assert.ThrowsAsync<BatchComputeException>(() => harness.Compute.PreflightPoolAsync(new PoolSpec("topn-pool", 1)));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.Forbidden));
            Assert.That(ex.ErrorCode, Is.EqualTo("AuthorizationFailed"));
            Assert.That(ex.Message, Does.Contain(ResourceId).And.Contain("Reader").And.Contain("403 AuthorizationFailed"));
            Assert.That(ex.Message, Does.Not.Contain(ManagementToken));
        });
    }

    [Test]
    public void Preflight_ResourceIdOfAnotherAccount_IsInvalidRequestNamingBoth()
    {
        var harness = new Harness(account: AccountJson(total: 100, enforced: false).Replace("testaccount.westus.batch.azure.com", "otheraccount.eastus.batch.azure.com", StringComparison.Ordinal));

        var ex = Assert.ThrowsAsync<BatchComputeException>(() => harness.Compute.PreflightPoolAsync(new PoolSpec("topn-pool", 1)));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.InvalidRequest));
            Assert.That(ex.ErrorCode, Is.EqualTo("ManagementAccountMismatch"));
            Assert.That(ex.Message, Does.Contain("otheraccount.eastus.batch.azure.com").And.Contain("testaccount.westus.batch.azure.com").And.Contain(ResourceId));
            Assert.That(harness.Transport.Requests.Any(r => r.Uri.AbsolutePath == SkusPath), Is.False);
        });
    }

    [Test]
    public void Preflight_ManagementServerErrorAfterRetries_IsUnavailable()
    {
        var harness = new Harness(accountStatus: 503, account: """{"error":{"code":"ServiceUnavailable","message":"Try later."}}""");

        var ex = Assert.ThrowsAsync<BatchComputeException>(() => harness.Compute.PreflightPoolAsync(new PoolSpec("topn-pool", 1)));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.Unavailable));
            Assert.That(ex.Message, Does.Contain("503 ServiceUnavailable").And.Contain("try again later"));
        });
    }

    [Test]
    public async Task Preflight_UserSubscriptionAccount_ChecksVmSizeAndSkipsTheQuota()
    {
        var harness = new Harness(account: """{"location":"westus","properties":{"poolAllocationMode":"UserSubscription"}}""");

        ComputePreflightResult result = await harness.Compute.PreflightPoolAsync(new PoolSpec("topn-pool", 1000));

        Assert.Multiple(() =>
        {
            Assert.That(result.Checked, Has.Count.EqualTo(2));
            Assert.That(result.Skipped, Has.Count.EqualTo(1));
            Assert.That(result.Skipped[0], Does.Contain("UserSubscription"));
            Assert.That(result.CoresPerNode, Is.EqualTo(2));
        });
    }

    [Test]
    public void Options_ManagementResourceIdAndEndpoint_AreValidated()
    {
        var credential = new BatchSharedKeyCredential(TestClients.Account, TestClients.Key);
        Assert.Multiple(() =>
        {
            var ex = Assert.Throws<ArgumentException>(() => _ = new AzureBatchCompute(TestClients.Endpoint, credential, new AzureBatchComputeOptions { ManagementResourceId = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/a" }));
            Assert.That(ex!.ParamName, Is.EqualTo("ManagementResourceId"));
            Assert.That(ex.Message, Does.Contain("/providers/Microsoft.Batch/batchAccounts/{accountName}").And.Contain("Microsoft.Storage"));
            Assert.Throws<ArgumentException>(() => _ = new AzureBatchCompute(TestClients.Endpoint, credential, new AzureBatchComputeOptions { ManagementResourceId = "testaccount" }));
            Assert.Throws<ArgumentException>(() => _ = new AzureBatchCompute(TestClients.Endpoint, credential, new AzureBatchComputeOptions { ManagementResourceId = ResourceId + "/pools/p" }));
            Assert.Throws<ArgumentException>(() => _ = new AzureBatchCompute(TestClients.Endpoint, credential, new AzureBatchComputeOptions { ManagementResourceId = ResourceId, ManagementEndpoint = new Uri("http://management.azure.com") }));
            Assert.Throws<ArgumentNullException>(() => _ = new AzureBatchCompute(TestClients.Endpoint, credential, new AzureBatchComputeOptions { ManagementEndpoint = null! }));
            Assert.DoesNotThrow(() => _ = new AzureBatchCompute(TestClients.Endpoint, credential, new AzureBatchComputeOptions { ManagementResourceId = ResourceId.ToUpperInvariant() }));
            Assert.That(new AzureBatchComputeOptions().ManagementEndpoint, Is.EqualTo(new Uri("https://management.azure.com")));
        });
    }

    [Test]
    public void ManagementScope_IsTheEndpointsDefaultScope()
    {
        Assert.Multiple(() =>
        {
            Assert.That(BatchManagementClient.Scope(new Uri("https://management.azure.com")), Is.EqualTo("https://management.azure.com/.default"));
            Assert.That(BatchManagementClient.Scope(new Uri("https://management.chinacloudapi.cn/")), Is.EqualTo("https://management.chinacloudapi.cn/.default"));
        });
    }

    private static string AccountJson(int total, bool enforced, params (string Family, int Quota)[] families)
    {
        var list = new JsonArray([.. families.Select(f => (JsonNode)new JsonObject { ["name"] = f.Family, ["coreQuota"] = f.Quota })]);
        return new JsonObject
        {
            ["id"] = ResourceId,
            ["name"] = "testaccount",
            ["type"] = "Microsoft.Batch/batchAccounts",
            ["location"] = "westus",
            ["properties"] = new JsonObject
            {
                ["accountEndpoint"] = "testaccount.westus.batch.azure.com",
                ["poolAllocationMode"] = "BatchService",
                ["dedicatedCoreQuota"] = total,
                ["dedicatedCoreQuotaPerVMFamily"] = list,
                ["dedicatedCoreQuotaPerVMFamilyEnforced"] = enforced,
                ["lowPriorityCoreQuota"] = 100,
                ["poolQuota"] = 100,
            },
        }.ToJsonString();
    }

    private static string SkusJson(params (string Name, string Family, int VCpus)[] skus)
        => new JsonObject
        {
            ["value"] = new JsonArray([.. skus.Select(s => (JsonNode)new JsonObject
            {
                ["name"] = s.Name,
                ["familyName"] = s.Family,
                ["capabilities"] = new JsonArray(
                    new JsonObject { ["name"] = "MemoryGB", ["value"] = "8" },
                    new JsonObject { ["name"] = "vCPUs", ["value"] = s.VCpus.ToString(System.Globalization.CultureInfo.InvariantCulture) }),
            })]),
        }.ToJsonString();

    private static string PoolsJson(params (string Id, string VmSize, int Target, int Current)[] pools)
        => new JsonObject
        {
            ["value"] = new JsonArray([.. pools.Select(p => (JsonNode)new JsonObject
            {
                ["id"] = p.Id,
                ["vmSize"] = p.VmSize,
                ["targetDedicatedNodes"] = p.Target,
                ["currentDedicatedNodes"] = p.Current,
            })]),
        }.ToJsonString();

    /// <summary>A compute with a Shared Key data plane and (optionally) a token credential for the management plane; the transport answers by URL.</summary>
    private sealed class Harness
    {
        private readonly List<string> _scopes = [];

        public Harness(
            string? resourceId = ResourceId,
            bool withManagementCredential = true,
            string? images = null,
            string? account = null,
            int accountStatus = 200,
            string? skus = null,
            string? pools = null)
        {
            Clients = new TestClients(maxRetries: 0);
            var options = new AzureBatchComputeOptions
            {
                ClientOptions = Clients.Options,
                ManagementResourceId = resourceId,
                LoggerFactory = new LoggerFactory([new FakeLoggerProvider(new FakeLogCollector())]),
            };
            images ??= ComputeHarness.Ubuntu2404Images;
            account ??= AccountJson(total: 100, enforced: false);
            skus ??= Skus;
            pools ??= """{"value":[]}""";
            Transport.Fallback = request => (request.Uri.Host, request.Uri.AbsolutePath) switch
            {
                (ManagementHost, AccountPath) => FakeResponse.Create(accountStatus, account),
                (ManagementHost, SkusPath) when request.Query.ContainsKey("$skiptoken") => FakeResponse.Create(200, SkuPage2 ?? """{"value":[]}"""),
                (ManagementHost, SkusPath) => FakeResponse.Create(200, skus),
                (_, "/supportedimages") => FakeResponse.Create(200, images),
                (_, "/pools") => FakeResponse.Create(200, pools),
                _ => FakeResponse.Create(404, """{"error":{"code":"NotFound","message":"not scripted"}}"""),
            };
            Compute = new AzureBatchCompute(Clients.Client, options, withManagementCredential ? new RecordingCredential(_scopes) : null);
        }

        public TestClients Clients { get; }

        public FakeBatchTransport Transport => Clients.Transport;

        public AzureBatchCompute Compute { get; }

        public string? SkuPage2 { get; set; }

        public IReadOnlyList<string> Scopes
        {
            get
            {
                lock (_scopes)
                {
                    return [.. _scopes];
                }
            }
        }
    }

    private sealed class RecordingCredential(List<string> scopes) : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            lock (scopes)
            {
                scopes.AddRange(requestContext.Scopes);
            }

            return new AccessToken(ManagementToken, TimeProvider.System.GetUtcNow().AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
            => new(GetToken(requestContext, cancellationToken));
    }
}
