using System.Globalization;
using System.Net;
using Azure;
using TopNWords.Batch.Azure;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Emulator.Tests.Infrastructure;
using static TopNWords.Batch.Emulator.Tests.Protocol.AuthAndVersionTests;

namespace TopNWords.Batch.Emulator.Tests.Protocol;

/// <summary>Add task collection (per-task statuses, limits), and lists: paging, <c>$filter</c>, <c>$select</c>.</summary>
[TestFixture]
public class ListAndTaskCollectionTests
{
    private EmulatorHarness _harness = null!;
    private string _poolId = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _harness = await EmulatorHarness.StartAsync();
        _poolId = "lists-" + Guid.NewGuid().ToString("N")[..8];
        await _harness.CreatePoolAsync(_poolId, nodes: 2, slots: 4);
        await _harness.WaitForNodesAsync(_poolId, n => n.State == BatchNodeState.Idle, "idle");
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _harness.DisposeAsync();

    [Test]
    public async Task AddTaskCollection_PerTaskStatuses_SuccessTaskExistsAndClientErrors()
    {
        string jobId = await NewJobAsync();
        await _harness.Client.AddTaskCollectionAsync(jobId, [NewTask("existing")]);

        var results = await _harness.Client.AddTaskCollectionAsync(jobId,
        [
            NewTask("fresh"),
            NewTask("EXISTING"),
            NewTask("bad id!"),
            new BatchTaskCreateContent { Id = "no-command", CommandLine = string.Empty },
            NewTask("dup"),
            NewTask("dup"),
        ]);

        var byId = results.Select((r, i) => (r, i)).ToDictionary(x => x.i, x => x.r);
        Assert.Multiple(() =>
        {
            Assert.That(results, Has.Count.EqualTo(6));
            Assert.That(byId[0].Status, Is.EqualTo(BatchTaskAddStatus.Success));
            Assert.That(byId[0].ETag, Does.StartWith("0x"));
            Assert.That(byId[0].Location, Does.EndWith($"/jobs/{jobId}/tasks/fresh"));
            Assert.That((byId[1].Status, byId[1].Error?.Code), Is.EqualTo((BatchTaskAddStatus.ClientError, "TaskExists")), "ids are case-insensitive");
            Assert.That((byId[2].Status, byId[2].Error?.Code), Is.EqualTo((BatchTaskAddStatus.ClientError, "InvalidPropertyValue")));
            Assert.That(byId[2].Error?.Values?.Select(v => (v.Key, v.Value)), Does.Contain(("PropertyName", "id")));
            Assert.That((byId[3].Status, byId[3].Error?.Code), Is.EqualTo((BatchTaskAddStatus.ClientError, "MissingRequiredProperty")));
            Assert.That(byId[3].Error?.Values?.Select(v => (v.Key, v.Value)), Does.Contain(("PropertyName", "commandLine")));
            Assert.That(byId[4].Status, Is.EqualTo(BatchTaskAddStatus.Success));
            Assert.That((byId[5].Status, byId[5].Error?.Code), Is.EqualTo((BatchTaskAddStatus.ClientError, "TaskExists")));
        });
    }

    [Test]
    public async Task AddTaskCollection_RawResponse_HasTheServiceShape()
    {
        string jobId = await NewJobAsync();

        var (status, body, _) = await _harness.SendAsync(HttpMethod.Post, EmulatorHarness.Versioned($"/jobs/{jobId}/addtaskcollection"), """{"value":[{"id":"simple1","commandLine":"true"},{"id":"simple1x","commandLine":"true","requiredSlots":2}]}""");

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.Multiple(() =>
        {
            Assert.That(body!["odata.metadata"]!.GetValue<string>(), Does.EndWith("/$metadata#taskaddresult"));
            Assert.That(body["value"]![0]!["status"]!.GetValue<string>(), Is.EqualTo("success"));
            Assert.That(body["value"]![0]!["lastModified"]!.GetValue<string>(), Does.EndWith("Z"));
            Assert.That(body["value"]![1]!["status"]!.GetValue<string>(), Is.EqualTo("clienterror"));
            Assert.That(body["value"]![1]!["error"]!["code"]!.GetValue<string>(), Is.EqualTo("InvalidPropertyValue"));
            Assert.That(body["value"]![1]!["error"]!["message"]!["lang"]!.GetValue<string>(), Is.EqualTo("en-US"));
        });
    }

    [Test]
    public async Task AddTaskCollection_MoreThanOneHundredTasks_Is400AndAddsNothing()
    {
        string jobId = await NewJobAsync();

        var ex = Assert.ThrowsAsync<BatchServiceException>(() => _harness.Client.AddTaskCollectionAsync(jobId, Enumerable.Range(0, 101).Select(i => NewTask($"t{i}"))));

        Assert.That((ex!.Status, ex.ErrorCode), Is.EqualTo((400, "InvalidPropertyValue")));
        Assert.That(ex.Values, Does.Contain(new KeyValuePair<string, string>("PropertyName", "value")));
        Assert.That((await _harness.Client.GetJobTaskCountsAsync(jobId)).TaskCounts!.Active, Is.Zero);
        Assert.That((await _harness.Client.AddTaskCollectionAsync(jobId, Enumerable.Range(0, 100).Select(i => NewTask($"t{i}")))).All(r => r.Status == BatchTaskAddStatus.Success));
    }

    [Test]
    public async Task AddTaskCollection_OverTheBodyLimit_Is413RequestBodyTooLarge()
    {
        string jobId = await NewJobAsync();
        string big = new('x', 600_000);
        var tasks = new[]
        {
            new BatchTaskCreateContent { Id = "big1", CommandLine = "true", EnvironmentSettings = [new BatchEnvironmentSetting("A", big)] },
            new BatchTaskCreateContent { Id = "big2", CommandLine = "true", EnvironmentSettings = [new BatchEnvironmentSetting("A", big)] },
        };

        var ex = Assert.ThrowsAsync<BatchServiceException>(() => _harness.Client.AddTaskCollectionAsync(jobId, tasks));
        var half = await _harness.Client.AddTaskCollectionAsync(jobId, tasks.Take(1));

        Assert.That((ex!.Status, ex.ErrorCode), Is.EqualTo((413, "RequestBodyTooLarge")));
        Assert.That(half.Single().Status, Is.EqualTo(BatchTaskAddStatus.Success), "half of it fits");
    }

    [Test]
    public async Task AddTaskCollection_MalformedBody_Is400()
    {
        string jobId = await NewJobAsync();

        var missing = await _harness.SendAsync(HttpMethod.Post, EmulatorHarness.Versioned($"/jobs/{jobId}/addtaskcollection"), """{"tasks":[]}""");
        var notJson = await _harness.SendAsync(HttpMethod.Post, EmulatorHarness.Versioned($"/jobs/{jobId}/addtaskcollection"), "{");

        AssertError(missing.Status, missing.Body, HttpStatusCode.BadRequest, "MissingRequiredProperty", ("PropertyName", "value"));
        AssertError(notJson.Status, notJson.Body, HttpStatusCode.BadRequest, "InvalidRequestBody");
    }

    [Test]
    public async Task ListTasks_PagesThroughNextLink_WithAContinuationTokenInTheUrl()
    {
        string jobId = await NewJobAsync();
        var ids = Enumerable.Range(0, 25).Select(i => $"page-{i:00}").ToList();
        await _harness.Client.AddTaskCollectionAsync(jobId, ids.Select(NewTask));

        var (_, first, _) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks?maxresults=10"));
        string nextLink = first!["odata.nextLink"]!.GetValue<string>();
        var pages = new List<int>();
        var seen = new List<string>();
        await foreach (Page<BatchTask> page in _harness.Client.ListTasksAsync(jobId, maxResults: 10).AsPages())
        {
            pages.Add(page.Values.Count);
            seen.AddRange(page.Values.Select(t => t.Id!));
        }

        Assert.Multiple(() =>
        {
            Assert.That(first["value"]!.AsArray(), Has.Count.EqualTo(10));
            Assert.That(nextLink, Does.StartWith(_harness.BaseUri.GetLeftPart(UriPartial.Authority) + $"/jobs/{jobId}/tasks?").And.Contain("$skiptoken=").And.Contain("maxresults=10"));
            Assert.That(pages, Is.EqualTo(new[] { 10, 10, 5 }));
            Assert.That(seen, Is.EqualTo(ids));
        });
    }

    [Test]
    public async Task ListTasks_MaxResultsOutOfRangeOrForeignToken_Is400()
    {
        string jobId = await NewJobAsync();

        var tooMany = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks?maxresults=1001"));
        var token = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks?$skiptoken=bm90LW91cnM"));

        AssertError(tooMany.Status, tooMany.Body, HttpStatusCode.BadRequest, "InvalidQueryParameterValue", ("QueryParameterName", "maxresults"));
        AssertError(token.Status, token.Body, HttpStatusCode.BadRequest, "InvalidQueryParameterValue", ("QueryParameterName", "$skiptoken"));
    }

    [Test]
    public async Task ListTasks_Filters_StateIdTimeAndOrGroups()
    {
        string jobId = await NewJobAsync();
        await _harness.Client.AddTaskCollectionAsync(jobId, [NewTask("ok-1"), NewTask("ok-2"), new BatchTaskCreateContent { Id = "fails", CommandLine = "/bin/sh -c 'exit 3'" }]);
        await _harness.WaitForCompletedAsync(jobId, 3);
        await _harness.Client.AddTaskCollectionAsync(jobId, [new BatchTaskCreateContent { Id = "runs", CommandLine = "sleep 600" }]);
        var running = await _harness.WaitForTaskAsync(jobId, "runs", t => t.State == BatchTaskState.Running, "running");
        string since = running.StateTransitionTime!.Value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

        Assert.Multiple(async () =>
        {
            Assert.That(await IdsAsync(jobId, "state eq 'completed'"), Is.EquivalentTo(new[] { "ok-1", "ok-2", "fails" }));
            Assert.That(await IdsAsync(jobId, "state eq 'running'"), Is.EqualTo(new[] { "runs" }));
            Assert.That(await IdsAsync(jobId, "id eq 'OK-2'"), Is.EqualTo(new[] { "ok-2" }));
            Assert.That(await IdsAsync(jobId, $"stateTransitionTime ge datetime'{since}'"), Does.Contain("runs").And.Not.Contain("ok-1"));
            Assert.That(await IdsAsync(jobId, $"stateTransitionTime lt datetime'{since}'"), Does.Not.Contain("runs"));
            Assert.That(await IdsAsync(jobId, $"state eq 'completed' and stateTransitionTime le datetime'{since}'"), Is.EquivalentTo(new[] { "ok-1", "ok-2", "fails" }));
            Assert.That(await IdsAsync(jobId, "(id eq 'ok-1' or id eq 'runs') and state eq 'running'"), Is.EqualTo(new[] { "runs" }));
            Assert.That(await IdsAsync(jobId, "executionInfo/result eq 'failure'"), Is.EqualTo(new[] { "fails" }));
        });
    }

    [Test]
    public async Task ListTasks_FilteredPagesOverManyTasks_HoldOnlyMatchingTasksInOrder_AsTheUnfilteredListingFiltered()
    {
        // More tasks than one chunk of the emulator's lazy listing (100 converted per hold of its lock), in two collections
        // whose creation times differ, so that a filter on a property known from the record alone selects the second.
        string jobId = await NewJobAsync();
        var first = Enumerable.Range(0, 100).Select(i => $"a-{i:000}").ToList();
        var second = Enumerable.Range(0, 50).Select(i => $"b-{i:000}").ToList();
        await _harness.Client.AddTaskCollectionAsync(jobId, first.Select(NewTask));
        await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System); // a later creation time for the second collection
        await _harness.Client.AddTaskCollectionAsync(jobId, second.Select(NewTask));
        var all = new List<BatchTask>();
        await foreach (var task in _harness.Client.ListTasksAsync(jobId, select: "id,creationTime,state,stateTransitionTime"))
        {
            all.Add(task);
        }

        DateTimeOffset secondCreated = all.Single(t => t.Id == second[0]).CreationTime!.Value;
        string since = secondCreated.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

        var pages = new List<int>();
        var paged = new List<string>();
        await foreach (Page<BatchTask> page in _harness.Client.ListTasksAsync(jobId, $"creationTime ge datetime'{since}' or id eq 'a-007'", "id", maxResults: 20).AsPages())
        {
            pages.Add(page.Values.Count);
            paged.AddRange(page.Values.Select(t => t.Id!));
        }

        var everyTask = await IdsAsync(jobId, "creationTime ge datetime'2000-01-01T00:00:00Z'");
        var none = await IdsAsync(jobId, $"creationTime gt datetime'{since}' and id eq 'a-007'");
        var mixed = await IdsAsync(jobId, $"creationTime lt datetime'{since}' and executionInfo/exitCode ne 7");

        Assert.Multiple(() =>
        {
            Assert.That(all.Select(t => t.Id), Is.EqualTo(first.Concat(second)), "the unfiltered listing holds every task in the order they were added");
            Assert.That(paged, Is.EqualTo(new[] { "a-007" }.Concat(second)));
            Assert.That(pages, Is.EqualTo(new[] { 20, 20, 11 }));
            Assert.That(everyTask, Is.EqualTo(first.Concat(second)));
            Assert.That(none, Is.Empty);
            Assert.That(mixed, Is.EqualTo(first), "a property known only from the task's JSON is still compared");
        });
    }

    [TestCase("state eq 'deleted'")]
    [TestCase("commandLine eq 'x'")]
    [TestCase("state eq")]
    [TestCase("startswith(id,'a')")]
    [TestCase("stateTransitionTime ge '2025-01-01'")]
    [TestCase("(state eq 'active'")]
    public async Task ListTasks_UnsupportedFilter_Is400InvalidQueryParameterValue(string filter)
    {
        string jobId = await NewJobAsync();

        var (status, body, _) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks?$filter={Uri.EscapeDataString(filter)}"));

        AssertError(status, body, HttpStatusCode.BadRequest, "InvalidQueryParameterValue", ("QueryParameterName", "$filter"));
    }

    [Test]
    public async Task Select_ReturnsOnlyTheListedTopLevelProperties()
    {
        string jobId = await NewJobAsync();
        await _harness.Client.AddTaskCollectionAsync(jobId, [NewTask("sel")]);

        var (_, list, _) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks?$select=id,state,executionInfo"));
        var (_, one, _) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks/sel?$select=id"));
        var (_, nodes, _) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/pools/{_poolId}/nodes?$select=id,state"));
        var bad = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks?$select=id,nonsense"));

        Assert.Multiple(() =>
        {
            Assert.That(list!["value"]![0]!.AsObject().Select(p => p.Key), Is.EqualTo(new[] { "id", "state", "executionInfo" }));
            Assert.That(one!.AsObject().Select(p => p.Key), Is.EqualTo(new[] { "odata.metadata", "id" }));
            Assert.That(nodes!["value"]!.AsArray().Select(n => n!.AsObject().Select(p => p.Key).ToArray()), Is.All.EqualTo(new[] { "id", "state" }));
        });
        AssertError(bad.Status, bad.Body, HttpStatusCode.BadRequest, "InvalidQueryParameterValue", ("QueryParameterName", "$select"));
    }

    [Test]
    public async Task ListNodes_FilterAndPaging()
    {
        var all = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/pools/{_poolId}/nodes?maxresults=1"));
        var filtered = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/pools/{_poolId}/nodes?$filter={Uri.EscapeDataString("id eq 'tvm-local-2' or state eq 'starttaskfailed'")}"));
        var nodes = new List<string>();
        await foreach (var node in _harness.Client.ListNodesAsync(_poolId, maxResults: 1))
        {
            nodes.Add(node.Id!);
        }

        Assert.Multiple(() =>
        {
            Assert.That(all.Body!["value"]!.AsArray(), Has.Count.EqualTo(1));
            Assert.That(all.Body["odata.nextLink"], Is.Not.Null);
            Assert.That(filtered.Body!["value"]!.AsArray().Select(n => n!["id"]!.GetValue<string>()), Is.EqualTo(new[] { "tvm-local-2" }));
            Assert.That(nodes, Is.EqualTo(new[] { "tvm-local-1", "tvm-local-2" }));
        });
    }

    [Test]
    public async Task SupportedImages_HaveAVerifiedUbuntuLtsAndAnUnverifiedImage_AndFilterByOsType()
    {
        var images = new List<BatchSupportedImage>();
        await foreach (var image in _harness.Client.ListSupportedImagesAsync("osType eq 'linux' and verificationType eq 'verified'"))
        {
            images.Add(image);
        }

        var (_, all, _) = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned("/supportedimages"));

        Assert.That(images.Select(i => i.NodeAgentSkuId), Does.Contain("batch.node.ubuntu 24.04"));
        Assert.That(images, Has.All.Matches<BatchSupportedImage>(i => i.VerificationType == BatchImageVerificationType.Verified));
        Assert.That(all!["value"]!.AsArray().Select(i => i!["verificationType"]!.GetValue<string>()), Does.Contain("unverified"));
    }

    private async Task<List<string>> IdsAsync(string jobId, string filter)
    {
        var ids = new List<string>();
        await foreach (var task in _harness.Client.ListTasksAsync(jobId, filter, "id"))
        {
            ids.Add(task.Id!);
        }

        return ids;
    }

    private async Task<string> NewJobAsync()
    {
        string jobId = "job-" + Guid.NewGuid().ToString("N")[..10];
        await _harness.CreateJobAsync(jobId, _poolId);
        return jobId;
    }

    private static BatchTaskCreateContent NewTask(string id) => new() { Id = id, CommandLine = "true" };
}
