using System.Text.Json.Nodes;
using Azure.Core;
using Moq;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Azure.Tests.BatchRest;
using TopNWords.Batch.Azure.Tests.BatchRest.Fakes;

namespace TopNWords.Batch.Azure.Tests;

/// <summary>Service errors become <see cref="BatchServiceException"/> with every detail and no secret.</summary>
[TestFixture]
public class BatchServiceExceptionTests
{
    private const string DecodedKey = "0123456789abcdef0123456789abcdef";

    [Test]
    public void CreatePool_409PoolExists_BecomesBatchServiceExceptionWithAllFields()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(
            409,
            """
            {"odata.metadata":"https://testaccount.westus.batch.azure.com/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element",
             "code":"PoolExists",
             "message":{"lang":"en-US","value":"The specified pool already exists.\nRequestId:5a1c4b0e-7b8f-4c55-9d1a-000000000001\nTime:2025-07-01T12:00:00.1234567Z"},
             "values":[{"key":"PoolId","value":"p1"}]}
            """,
            ("request-id", "5a1c4b0e-7b8f-4c55-9d1a-000000000001"),
            ("Content-Type", "application/json;odata=minimalmetadata"));

        var ex = Assert.ThrowsAsync<BatchServiceException>(() => clients.Client.CreatePoolAsync(new BatchPoolCreateContent { Id = "p1", VmSize = "standard_a1" }));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Status, Is.EqualTo(409));
            Assert.That(ex.ErrorCode, Is.EqualTo("PoolExists"));
            Assert.That(ex.ErrorMessage, Is.EqualTo("The specified pool already exists.\nRequestId:5a1c4b0e-7b8f-4c55-9d1a-000000000001\nTime:2025-07-01T12:00:00.1234567Z"));
            Assert.That(ex.Values, Is.EqualTo(new[] { new KeyValuePair<string, string>("PoolId", "p1") }));
            Assert.That(ex.RequestId, Is.EqualTo("5a1c4b0e-7b8f-4c55-9d1a-000000000001"));
            Assert.That(ex.Message, Is.EqualTo("Create pool 'p1' failed: 409 PoolExists: The specified pool already exists. (PoolId=p1) RequestId: 5a1c4b0e-7b8f-4c55-9d1a-000000000001."));
            Assert.That(clients.Transport.Requests, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public void GetTask_404WithoutValues_MessageNamesOperationAndResource()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(404, """{"code":"TaskNotFound","message":{"lang":"en-US","value":"The specified task does not exist."}}""", ("request-id", "r-404"));

        var ex = Assert.ThrowsAsync<BatchServiceException>(() => clients.Client.GetTaskAsync("job-1", "topNtask7"));

        Assert.That(ex!.Message, Is.EqualTo("Get task 'job-1/topNtask7' failed: 404 TaskNotFound: The specified task does not exist. RequestId: r-404."));
        Assert.That(ex.Values, Is.Empty);
    }

    [Test]
    public void Error_NonJsonBody_FallsBackToTheStatusAndReasonPhrase()
    {
        var clients = new TestClients();
        var response = new FakeResponse(400, "Bad Request");
        response.SetContent("<html>proxy error</html>"u8.ToArray());
        clients.Transport.Enqueue(response);

        var ex = Assert.ThrowsAsync<BatchServiceException>(() => clients.Client.DeleteJobAsync("job-1"));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Message, Is.EqualTo("Delete job 'job-1' failed: 400 Bad Request"));
            Assert.That(ex.ErrorCode, Is.Null);
            Assert.That(ex.ErrorMessage, Is.Null);
        });
    }

    [Test]
    public void Success_UnreadableBody_ThrowsBatchServiceException()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(200, "{not json", ("request-id", "r-bad"));

        var ex = Assert.ThrowsAsync<BatchServiceException>(() => clients.Client.GetPoolAsync("p1"));

        Assert.That(ex!.Message, Does.StartWith("Get pool 'p1' failed: 200 with a body that is not the expected JSON"));
        Assert.That(ex.RequestId, Is.EqualTo("r-bad"));
    }

    [Test]
    public void Error_403AuthenticationFailed_ContainsNeitherTheKeyNorTheAuthorizationHeader()
    {
        var clients = new TestClients();
        string? sentAuthorization = null;
        clients.Transport.Enqueue(request =>
        {
            sentAuthorization = request.Header("Authorization")!;
            string signature = sentAuthorization[(sentAuthorization.LastIndexOf(':') + 1)..];
            var body = new JsonObject
            {
                ["odata.metadata"] = "https://testaccount.westus.batch.azure.com/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element",
                ["code"] = "AuthenticationFailed",
                ["message"] = new JsonObject
                {
                    ["lang"] = "en-US",
                    ["value"] = $"Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature. Received: {sentAuthorization}\nRequestId:r-403\nTime:2025-07-01T12:00:00Z",
                },
                ["values"] = new JsonArray(new JsonObject
                {
                    ["key"] = "AuthenticationErrorDetail",
                    ["value"] = $"The MAC signature found in the HTTP request '{signature}' is not the same as any computed signature. Server used following string to sign: 'GET\n\n\n\n\n\n\n\n\n\n\n\nocp-date:Tue, 01 Jul 2025 12:00:00 GMT\n/testaccount/pools/p1\napi-version:2025-06-01.21.0'.",
                }),
            };
            return FakeResponse.Create(403, body.ToJsonString(), ("request-id", "r-403"));
        });

        var ex = Assert.ThrowsAsync<BatchServiceException>(() => clients.Client.GetPoolAsync("p1"));

        string authorization = sentAuthorization ?? throw new AssertionException("no request was sent");
        string signatureOnly = authorization[(authorization.LastIndexOf(':') + 1)..];
        string everything = string.Join("\n", ex!.ToString(), ex.Message, ex.ErrorMessage, string.Join("\n", ex.Values.Select(v => v.Key + "=" + v.Value)));
        Assert.Multiple(() =>
        {
            Assert.That(ex.Status, Is.EqualTo(403));
            Assert.That(ex.ErrorCode, Is.EqualTo("AuthenticationFailed"));
            Assert.That(ex.RequestId, Is.EqualTo("r-403"));
            Assert.That(ex.Message, Does.StartWith("Get pool 'p1' failed: 403 AuthenticationFailed: Server failed to authenticate the request."));
            Assert.That(ex.Message, Does.Contain("within 15 minutes of its ocp-date"), "says what to check next");
            Assert.That(ex.Values.Single().Value, Does.Contain("Server used following string to sign"), "the useful part of the detail is kept");
            Assert.That(everything, Does.Not.Contain(TestClients.Key));
            Assert.That(everything, Does.Not.Contain(DecodedKey));
            Assert.That(everything, Does.Not.Contain(authorization));
            Assert.That(everything, Does.Not.Contain(signatureOnly));
            Assert.That(everything, Does.Contain("REDACTED"));
        });
    }

    [Test]
    public void Error_SasUrlsInMessageAndValues_HaveTheirSignatureRedacted()
    {
        var clients = new TestClients();
        clients.Transport.Enqueue(400, """
            {"code":"InvalidPropertyValue",
             "message":{"lang":"en-US","value":"The value for one of the properties is invalid: https://acct.blob.core.windows.net/input/f.txt?sv=2024-11-04&sp=r&sig=AbC%2Bdef%3D"},
             "values":[{"key":"PropertyName","value":"httpUrl"},
                       {"key":"PropertyValue","value":"https://acct.blob.core.windows.net/input/f.txt?sig=rawsecretvalue&sv=2024-11-04"}]}
            """);

        var ex = Assert.ThrowsAsync<BatchServiceException>(() => clients.Client.AddTaskCollectionAsync("job-1", [new BatchTaskCreateContent { Id = "t", CommandLine = "x" }]));

        string everything = string.Join("\n", ex!.ToString(), ex.ErrorMessage, string.Join("\n", ex.Values.Select(v => v.Value)));
        Assert.Multiple(() =>
        {
            Assert.That(everything, Does.Not.Contain("AbC%2Bdef%3D"));
            Assert.That(everything, Does.Not.Contain("rawsecretvalue"));
            Assert.That(ex.ErrorMessage, Does.EndWith("?sv=2024-11-04&sp=r&sig=REDACTED"));
            Assert.That(ex.Values[1].Value, Is.EqualTo("https://acct.blob.core.windows.net/input/f.txt?sig=REDACTED&sv=2024-11-04"));
            Assert.That(ex.Message, Does.StartWith("Add tasks to job 'job-1' failed: 400 InvalidPropertyValue:"));
        });
    }

    [Test]
    public void Error_EntraId_BearerTokenEchoedByTheService_IsRedacted()
    {
        var clients = new TestClients();
        var credential = new Mock<TokenCredential>();
        credential.Setup(c => c.GetTokenAsync(It.IsAny<TokenRequestContext>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new AccessToken("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.secret-token-body.signature", TimeProvider.System.GetUtcNow().AddHours(1)));
        clients.Transport.Enqueue(401, """{"code":"InvalidAuthenticationToken","message":{"lang":"en-US","value":"The token 'Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.secret-token-body.signature' is expired."}}""");

        var ex = Assert.ThrowsAsync<BatchServiceException>(() => clients.CreateEntraClient(credential.Object).GetJobAsync("job-1"));

        Assert.That(ex!.ToString() + ex.ErrorMessage, Does.Not.Contain("secret-token-body"));
        Assert.That(ex.Message, Does.Contain("The token 'REDACTED' is expired."));
    }

    [Test]
    public void PublicConstructors_KeepTheirArguments()
    {
        var inner = new IOException("x");
        var ex = new BatchServiceException("m", 503, "ServerBusy", "busy", [new("k", "v")], "rid", inner);

        Assert.Multiple(() =>
        {
            Assert.That(ex.Message, Is.EqualTo("m"));
            Assert.That(ex.Status, Is.EqualTo(503));
            Assert.That(ex.ErrorCode, Is.EqualTo("ServerBusy"));
            Assert.That(ex.ErrorMessage, Is.EqualTo("busy"));
            Assert.That(ex.Values, Has.Count.EqualTo(1));
            Assert.That(ex.RequestId, Is.EqualTo("rid"));
            Assert.That(ex.InnerException, Is.SameAs(inner));
            Assert.That(new BatchServiceException().Values, Is.Empty);
            Assert.That(new BatchServiceException("only message").Status, Is.Zero);
        });
    }
}
