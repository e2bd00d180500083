using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace TopNWords.Samples.Service.Tests;

/// <summary>
/// The service sample over real HTTP on loopback: one service process (local default, its own temporary root and data folder)
/// for the fixture; each test talks to it with an <see cref="HttpClient"/>.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ServiceEndToEndTests
{
    private string _work = null!;
    private string _data = null!;
    private string _root = null!;
    private ServiceProcess _service = null!;

    private static CancellationToken Deadline() => new CancellationTokenSource(TimeSpan.FromMinutes(3), TimeProvider.System).Token;

    [OneTimeSetUp]
    public async Task StartService()
    {
        _work = Directory.CreateTempSubdirectory("topnwords-service-").FullName;
        _data = Directory.CreateDirectory(Path.Combine(_work, "data")).FullName;
        _root = Path.Combine(_work, "root");
        foreach (string file in Directory.GetFiles(Inputs.TutorialFolder))
        {
            File.Copy(file, Path.Combine(_data, Path.GetFileName(file)));
        }

        File.WriteAllText(Path.Combine(_work, "outside.txt"), "secret secret secret");
        File.CreateSymbolicLink(Path.Combine(_data, "escape.txt"), Path.Combine(_work, "outside.txt"));
        Directory.CreateSymbolicLink(Path.Combine(_data, "up"), _work);

        // One node with one slot: a run of many inputs is still going when a test cancels it.
        _service = await ServiceProcess.StartAsync(_root, _data, Deadline(), new Dictionary<string, string> { ["Service:NodeCount"] = "1", ["Service:MaxRequestBytes"] = "1048576" });
    }

    [OneTimeTearDown]
    public async Task StopService()
    {
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }

        Directory.Delete(_work, recursive: true);
    }

    [Test]
    public async Task PostPaths_Returns202WithLocation_AndTheRunEndsWithEachInputsTopWords()
    {
        var deadline = Deadline();
        using var response = await _service.Client.PostAsJsonAsync("/runs", new { inputs = new[] { "taskdata1.txt", "taskdata2.txt", "taskdata3.txt" }, numWords = 3 }, deadline);
        var accepted = await ReadJsonAsync(response, HttpStatusCode.Accepted);
        string runId = (string)accepted["runId"]!;
        Assert.That(response.Headers.Location?.OriginalString, Is.EqualTo($"/runs/{runId}"));
        Assert.That((string?)accepted["location"], Is.EqualTo($"/runs/{runId}"));
        Assert.That((string?)accepted["state"], Is.EqualTo("Running"));

        var run = await _service.WaitForEndAsync($"/runs/{runId}", deadline);
        Assert.That((string?)run["state"], Is.EqualTo("Succeeded"), run.ToJsonString());
        Assert.That((string?)run["stage"], Is.EqualTo("Completed"));
        Assert.That((int?)run["counts"]!["succeeded"], Is.EqualTo(3));
        Assert.That(TopWords(run), Is.EqualTo(Inputs.TutorialTopThree));

        var list = JsonNode.Parse(await _service.Client.GetStringAsync(new Uri("/runs", UriKind.Relative), deadline))!.AsArray();
        var listed = list.Single(r => (string?)r!["runId"] == runId)!;
        Assert.That((string?)listed["state"], Is.EqualTo("Succeeded"));
        Assert.That((string?)listed["location"], Is.EqualTo($"/runs/{runId}"));
    }

    [Test]
    public async Task PostUploads_Returns202_AndTheRunEndsWithEachFilesTopWords()
    {
        var deadline = Deadline();
        using var form = Inputs.Upload(Inputs.TutorialFolder, 3);
        using var response = await _service.Client.PostAsync(new Uri("/runs", UriKind.Relative), form, deadline);
        var accepted = await ReadJsonAsync(response, HttpStatusCode.Accepted);

        var run = await _service.WaitForEndAsync(response.Headers.Location!.OriginalString, deadline);
        Assert.That((string?)run["state"], Is.EqualTo("Succeeded"), run.ToJsonString());
        Assert.That(TopWords(run), Is.EqualTo(Inputs.TutorialTopThree));
        Assert.That(Directory.Exists(Path.Combine(_root, "service", "runs", (string)accepted["runId"]!, "uploads")), Is.False, "the uploads of an ended run are deleted");
    }

    [TestCase("../outside.txt", "'..'")]
    [TestCase("/etc/hostname", "absolute")]
    [TestCase("missing.txt", "does not exist")]
    [TestCase("escape.txt", "outside the data folder")]
    [TestCase("up/outside.txt", "outside the data folder")]
    public async Task PostBadInput_Returns400ProblemNamingIt_AndNoRun(string input, string why)
    {
        var deadline = Deadline();
        string runId = "bad-" + Math.Abs(input.GetHashCode(StringComparison.Ordinal)).ToString(CultureInfo.InvariantCulture);
        using var response = await _service.Client.PostAsJsonAsync("/runs", new { inputs = new[] { "taskdata1.txt", input }, runId }, deadline);
        var problem = await ReadJsonAsync(response, HttpStatusCode.BadRequest);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That((string?)problem["detail"], Does.Contain($"'{input}'").And.Contain(why));
        Assert.That((string?)problem["input"], Is.EqualTo(input));

        using var get = await _service.Client.GetAsync(new Uri($"/runs/{runId}", UriKind.Relative), deadline);
        Assert.That(get.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "a refused run leaves nothing");
    }

    [Test]
    public async Task PostBadNumWordsOrRunId_Returns400NamingIt()
    {
        var deadline = Deadline();
        using var words = await _service.Client.PostAsJsonAsync("/runs", new { inputs = new[] { "taskdata1.txt" }, numWords = 0 }, deadline);
        Assert.That((string?)(await ReadJsonAsync(words, HttpStatusCode.BadRequest))["input"], Is.EqualTo("numWords"));
        using var id = await _service.Client.PostAsJsonAsync("/runs", new { inputs = new[] { "taskdata1.txt" }, runId = "Not_A_Run_Id" }, deadline);
        Assert.That((string?)(await ReadJsonAsync(id, HttpStatusCode.BadRequest))["detail"], Does.Contain("'Not_A_Run_Id'"));
        using var none = await _service.Client.PostAsJsonAsync("/runs", new { inputs = Array.Empty<string>() }, deadline);
        await ReadJsonAsync(none, HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task PostWithARunIdTheServiceHas_Returns409()
    {
        var deadline = Deadline();
        using var first = await _service.Client.PostAsJsonAsync("/runs", new { inputs = new[] { "taskdata1.txt" }, runId = "twice-1" }, deadline);
        await ReadJsonAsync(first, HttpStatusCode.Accepted);
        using var second = await _service.Client.PostAsJsonAsync("/runs", new { inputs = new[] { "taskdata1.txt" }, runId = "twice-1" }, deadline);
        Assert.That((string?)(await ReadJsonAsync(second, HttpStatusCode.Conflict))["detail"], Does.Contain("'twice-1'"));
        await _service.WaitForEndAsync("/runs/twice-1", deadline);
    }

    [TestCase("no-such-run")]
    [TestCase("..%2F..%2Fetc")]
    public async Task GetOrDeleteAnUnknownRun_Returns404Problem(string id)
    {
        var deadline = Deadline();
        using var get = await _service.Client.GetAsync(new Uri($"/runs/{id}", UriKind.Relative), deadline);
        Assert.That((int?)(await ReadJsonAsync(get, HttpStatusCode.NotFound))["status"], Is.EqualTo(404));
        using var delete = await _service.Client.DeleteAsync(new Uri($"/runs/{id}", UriKind.Relative), deadline);
        Assert.That(delete.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(delete.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }

    [Test]
    public async Task Delete_CancelsARunningRun_AndTheRunStaysCancelled()
    {
        var deadline = Deadline();
        string inputs = Path.Combine(_work, "many-cancel");
        Inputs.WriteMany(inputs, 24);
        using var form = Inputs.Upload(inputs, 1);
        using var response = await _service.Client.PostAsync(new Uri("/runs", UriKind.Relative), form, deadline);
        string location = (await ReadJsonAsync(response, HttpStatusCode.Accepted))["location"]!.GetValue<string>();

        using var delete = await _service.Client.DeleteAsync(new Uri(location, UriKind.Relative), deadline);
        var cancelled = await ReadJsonAsync(delete, HttpStatusCode.OK);
        Assert.That((string?)cancelled["state"], Is.EqualTo("Cancelled"), cancelled.ToJsonString());

        var run = await _service.GetJsonAsync(location, deadline);
        Assert.That((string?)run["state"], Is.EqualTo("Cancelled"));
        Assert.That((int?)run["counts"]!["succeeded"], Is.LessThan(24));

        // Cancelling again changes nothing.
        using var again = await _service.Client.DeleteAsync(new Uri(location, UriKind.Relative), deadline);
        Assert.That((string?)(await ReadJsonAsync(again, HttpStatusCode.OK))["state"], Is.EqualTo("Cancelled"));
    }

    [Test]
    public async Task OpenApiDocument_ListsTheEndpoints()
    {
        var document = JsonNode.Parse(await _service.Client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative), Deadline()))!;
        var paths = document["paths"]!.AsObject();
        Assert.That(paths["/runs"]!.AsObject().Select(p => p.Key), Is.SupersetOf(new[] { "post", "get" }));
        Assert.That(paths["/runs/{id}"]!.AsObject().Select(p => p.Key), Is.SupersetOf(new[] { "get", "delete" }));
        var content = paths["/runs"]!["post"]!["requestBody"]!["content"]!.AsObject();
        Assert.That(content.Select(c => c.Key), Is.EquivalentTo(new[] { "application/json", "multipart/form-data" }));
        Assert.That(content["multipart/form-data"]!["schema"]!["properties"]!["files"], Is.Not.Null);
        Assert.That(paths["/runs"]!["post"]!["responses"]!["202"], Is.Not.Null);
    }

    [Test]
    public async Task ARequestForAnotherHostName_Returns400()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/runs", UriKind.Relative));
        request.Headers.Host = "evil.example";
        using var response = await _service.Client.SendAsync(request, Deadline());
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));

        using var local = new HttpRequestMessage(HttpMethod.Get, new Uri("/runs", UriKind.Relative));
        local.Headers.Host = "localhost";
        using var ok = await _service.Client.SendAsync(local, Deadline());
        Assert.That(ok.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task AnUploadOverTheConfiguredLimit_Returns413Problem()
    {
        var deadline = Deadline();
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(new byte[2 * 1024 * 1024]), "files", "big.txt");
        using var response = await _service.Client.PostAsync(new Uri("/runs", UriKind.Relative), form, deadline);
        var problem = await ReadJsonAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.That((string?)problem["detail"], Does.Contain("Service:MaxRequestBytes"));
    }

    [Test]
    public async Task APostFromAnotherOrigin_Returns403()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/runs", UriKind.Relative)) { Content = Inputs.Upload(Inputs.TutorialFolder, 3) };
        request.Headers.Add("Origin", "http://evil.example");
        using var response = await _service.Client.SendAsync(request, Deadline());
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task ASecondServiceOnTheSameRoot_RefusesToStart_NamingTheFolder()
    {
        var (exitCode, output) = await ServiceProcess.RunToEndAsync(_root, _data, Deadline());
        Assert.That(exitCode, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain("is in use"));
    }

    private static async Task<JsonObject> ReadJsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(expected), body);
        return JsonNode.Parse(body)!.AsObject();
    }

    /// <summary>Each input's top words as "word count, ..." by input name.</summary>
    internal static Dictionary<string, string> TopWords(JsonObject run) =>
        run["inputs"]!.AsArray().ToDictionary(
            i => (string)i!["name"]!,
            i => string.Join(", ", i!["topWords"]!.AsArray().Select(w => string.Create(CultureInfo.InvariantCulture, $"{(string)w!["word"]!} {(long)w["count"]!}"))),
            StringComparer.Ordinal);
}
