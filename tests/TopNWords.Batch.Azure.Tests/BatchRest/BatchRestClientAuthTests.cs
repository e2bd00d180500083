using Azure;
using Azure.Core;
using Moq;
using TopNWords.Batch.Azure.BatchRest;
using TopNWords.Batch.Azure.BatchRest.Models;

namespace TopNWords.Batch.Azure.Tests.BatchRest;

/// <summary>Microsoft Entra ID authentication, constructor checks, and mocking the client.</summary>
[TestFixture]
public class BatchRestClientAuthTests
{
    [Test]
    public async Task EntraId_SendsABearerTokenForTheBatchScopeOnEveryAttempt()
    {
        var clients = new TestClients();
        var scopes = new List<string[]>();
        var credential = new Mock<TokenCredential>();
        credential.Setup(c => c.GetTokenAsync(It.IsAny<TokenRequestContext>(), It.IsAny<CancellationToken>()))
            .Callback<TokenRequestContext, CancellationToken>((context, _) => scopes.Add(context.Scopes))
            .ReturnsAsync(new AccessToken("token-abc", TimeProvider.System.GetUtcNow().AddHours(1)));
        clients.Transport.Enqueue(503).Enqueue(200, """{"taskCounts":{"active":1},"taskSlotCounts":{"active":1}}""");

        Task<BatchJobTaskCounts> counts = clients.CreateEntraClient(credential.Object).GetJobTaskCountsAsync("job-1");
        clients.Time.Advance(await clients.Time.NextTimerAsync());
        await counts.WaitAsync(TimeSpan.FromSeconds(10), TimeProvider.System);

        Assert.That(clients.Transport.Requests, Has.Count.EqualTo(2));
        Assert.Multiple(() =>
        {
            Assert.That(scopes, Is.Not.Empty);
            Assert.That(scopes, Has.All.EqualTo(new[] { "https://batch.core.windows.net//.default" }));
            foreach (Fakes.RecordedRequest request in clients.Transport.Requests)
            {
                Assert.That(request.Header("Authorization"), Is.EqualTo("Bearer token-abc"));
                Assert.That(request.Query["api-version"], Is.EqualTo(RequestAssert.ApiVersion));
            }
        });
    }

    [Test]
    public void EntraId_PlainHttpEndpoint_NeverSendsTheToken()
    {
        var clients = new TestClients();
        var credential = new Mock<TokenCredential>();
        credential.Setup(c => c.GetTokenAsync(It.IsAny<TokenRequestContext>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new AccessToken("token-abc", TimeProvider.System.GetUtcNow().AddHours(1)));
        var client = new BatchRestClient(new Uri("http://testaccount.westus.batch.azure.com"), credential.Object, clients.Options);

        Assert.ThrowsAsync<InvalidOperationException>(() => client.GetJobAsync("job-1"));
        Assert.That(clients.Transport.Requests, Is.Empty);
    }

    [Test]
    public void Constructors_ValidateArguments()
    {
        var key = new BatchSharedKeyCredential(TestClients.Account, TestClients.Key);
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentNullException>(() => _ = new BatchRestClient(null!, key));
            Assert.Throws<ArgumentNullException>(() => _ = new BatchRestClient(TestClients.Endpoint, (BatchSharedKeyCredential)null!));
            Assert.Throws<ArgumentNullException>(() => _ = new BatchRestClient(TestClients.Endpoint, (TokenCredential)null!));
            Assert.Throws<ArgumentException>(() => _ = new BatchRestClient(new Uri("/relative", UriKind.Relative), key));
            Assert.That(new BatchRestClient(TestClients.Endpoint, key).Endpoint, Is.EqualTo(TestClients.Endpoint));
        });
    }

    [Test]
    public void Operations_NullIds_ThrowArgumentNullException()
    {
        var client = new TestClients().Client;
        Assert.Multiple(() =>
        {
            Assert.ThrowsAsync<ArgumentNullException>(() => client.GetPoolAsync(null!));
            Assert.ThrowsAsync<ArgumentNullException>(() => client.CreatePoolAsync(null!));
            Assert.ThrowsAsync<ArgumentNullException>(() => client.AddTaskCollectionAsync("j", null!));
            Assert.ThrowsAsync<ArgumentNullException>(() => client.GetTaskFileAsync("j", "t", null!));
            Assert.Throws<ArgumentNullException>(() => client.ListTasksAsync(null!));
        });
    }

    [Test]
    public async Task Client_CanBeMockedWithMoq()
    {
        var client = new Mock<BatchRestClient>();
        client.Setup(c => c.PoolExistsAsync("pool-1", It.IsAny<CancellationToken>())).ReturnsAsync(true);
        client.Setup(c => c.ListTasksAsync("job-1", null, null, null, It.IsAny<CancellationToken>()))
            .Returns(AsyncPageable<BatchTask>.FromPages([Page<BatchTask>.FromValues([new BatchTask { Id = "t1" }], null, Mock.Of<Response>())]));

        Assert.That(await client.Object.PoolExistsAsync("pool-1"), Is.True);
        var ids = new List<string?>();
        await foreach (BatchTask task in client.Object.ListTasksAsync("job-1"))
        {
            ids.Add(task.Id);
        }

        Assert.That(ids, Is.EqualTo(new[] { "t1" }));
    }
}
