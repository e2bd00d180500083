using System.Globalization;
using TopNWords.Batch.Azure.BatchRest;
using TopNWords.Batch.Azure.Tests.BatchRest.Fakes;

namespace TopNWords.Batch.Azure.Tests.BatchRest;

/// <summary>Checks of a request as the service receives it.</summary>
internal static class RequestAssert
{
    public const string ApiVersion = "2025-06-01.21.0";

    /// <summary>Method, path (as on the wire), <c>api-version</c>, Shared Key signature with a fresh <c>ocp-date</c>, client request id.</summary>
    public static void IsSignedBatchRequest(RecordedRequest request, string method, string path, IReadOnlyDictionary<string, string>? otherQuery = null)
    {
        var expectedQuery = new Dictionary<string, string> { ["api-version"] = ApiVersion };
        foreach (KeyValuePair<string, string> parameter in otherQuery ?? new Dictionary<string, string>())
        {
            expectedQuery[parameter.Key] = parameter.Value;
        }

        Assert.Multiple(() =>
        {
            Assert.That(request.Method, Is.EqualTo(method));
            Assert.That(request.Uri.Host, Is.EqualTo(TestClients.Endpoint.Host));
            Assert.That(request.Uri.AbsolutePath, Is.EqualTo(path));
            Assert.That(request.Query, Is.EquivalentTo(expectedQuery));
            Assert.That(request.Header("ocp-date"), Is.EqualTo(request.SentAt.ToString("r", CultureInfo.InvariantCulture)));
            Assert.That(request.Header("Authorization"), Does.StartWith($"SharedKey {TestClients.Account}:"));
            Assert.That(request.Header("Authorization"), Is.EqualTo(BatchSharedKeyPolicyTests.IndependentAuthorization(request, TestClients.Key)), "signature (independent computation)");
            Assert.That(Guid.TryParse(request.Header("client-request-id"), out _), Is.True, "client-request-id");
        });
    }

    /// <summary>A JSON body with the Batch content type.</summary>
    public static void HasJsonBody(RecordedRequest request)
    {
        Assert.Multiple(() =>
        {
            Assert.That(request.Header("Content-Type"), Is.EqualTo(BatchRequestFactory.JsonContentType));
            Assert.That(request.ContentLength, Is.EqualTo(request.Body!.Length));
        });
    }

    /// <summary>No body, but <c>Content-Length: 0</c> (body-less POST/DELETE).</summary>
    public static void HasEmptyBody(RecordedRequest request)
    {
        Assert.Multiple(() =>
        {
            Assert.That(request.ContentLength, Is.EqualTo(0));
            Assert.That(request.Body, Is.Empty);
            Assert.That(request.Header("Content-Type"), Is.Null);
        });
    }
}
