using System.Net;
using System.Text.Json.Nodes;
using Azure;
using TopNWords.Batch.Azure;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Emulator.Tests.Infrastructure;
using static TopNWords.Batch.Emulator.Tests.Protocol.AuthAndVersionTests;

namespace TopNWords.Batch.Emulator.Tests.Protocol;

/// <summary>
/// List task files, list node files (recursive or not, <c>$filter</c>, paging; links leading out are never listed),
/// get node, and the <c>ETag</c> of file GET and HEAD: through the product's client and as raw signed requests.
/// </summary>
[TestFixture]
public class FileAndNodeOperationTests
{
    private EmulatorHarness _harness = null!;
    private string _poolId = null!;
    private string _jobId = null!;
    private string _nodeId = null!;
    private string _taskRoot = null!;
    private string _outside = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            Assert.Ignore("These tests run their command lines with /bin/sh.");
        }

        _outside = Directory.CreateTempSubdirectory("topnwords-emulator-outside-").FullName;
        File.WriteAllText(Path.Combine(_outside, "secret.txt"), "outside-secret\n");
        Directory.CreateDirectory(Path.Combine(_outside, "dir"));
        File.WriteAllText(Path.Combine(_outside, "dir", "x.txt"), "outside-secret\n");

        _harness = await EmulatorHarness.StartAsync();
        _poolId = "files-" + Guid.NewGuid().ToString("N")[..8];
        _jobId = "job-" + Guid.NewGuid().ToString("N")[..8];
        await _harness.CreatePoolAsync(_poolId);
        await _harness.CreateJobAsync(_jobId, _poolId);
        string script = $"""
            echo out
            mkdir -p sub/deeper
            printf 'aaaa' > a.txt
            echo b > sub/b.txt
            echo c > sub/deeper/c.txt
            ln -s a.txt alias.txt
            ln -s '{_outside}/secret.txt' leak.txt
            ln -s '{_outside}/dir' leakdir
            """;
        await _harness.Client.CreateTaskAsync(_jobId, new BatchTaskCreateContent { Id = "writer", CommandLine = "/bin/sh -c " + BatchCommandLine.Quote(script) });
        var task = await _harness.WaitForTaskAsync(_jobId, "writer", t => t.State == BatchTaskState.Completed, "completed");
        Assert.That(task.ExecutionInfo!.Result, Is.EqualTo(BatchExecutionResult.Success), "the writer task");
        _nodeId = task.NodeInfo!.NodeId!;
        _taskRoot = task.NodeInfo.TaskRootDirectory!;
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_harness is not null)
        {
            await _harness.DisposeAsync();
        }

        if (_outside is not null)
        {
            Directory.Delete(_outside, recursive: true);
        }
    }

    // ------------------------------------------------------------------ through BatchRestClient

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.ClientOldestAndNewest))]
    public async Task ListTaskFiles_Client_RecursiveOrNot_LinksLeadingOutAreNeverListed(BatchClientOptions.ServiceVersion version)
    {
        var client = _harness.NewClient(version);

        var top = await ToListAsync(client.ListTaskFilesAsync(_jobId, "writer"));
        var all = await ToListAsync(client.ListTaskFilesAsync(_jobId, "writer", recursive: true));

        var names = all.Select(f => f.Name).ToList();
        var a = all.Single(f => f.Name == "wd/a.txt");
        string wd = Path.Combine(_harness.Emulator.WorkingDirectory, "pools", _poolId, "nodes", _nodeId, _taskRoot, "wd");
        Assert.Multiple(() =>
        {
            Assert.That(new FileInfo(Path.Combine(wd, "leak.txt")).LinkTarget, Is.EqualTo(Path.Combine(_outside, "secret.txt")), "the link is there on the node");
            Assert.That(new DirectoryInfo(Path.Combine(wd, "leakdir")).LinkTarget, Is.EqualTo(Path.Combine(_outside, "dir")), "the link is there on the node");
            Assert.That(top.Select(f => f.Name), Is.SupersetOf(new[] { "stdout.txt", "stderr.txt", "wd" }));
            Assert.That(top.Select(f => f.Name), Has.None.Contains('/'), "not recursive: only the folder's own entries");
            Assert.That(top.Single(f => f.Name == "wd").IsDirectory, Is.True);
            Assert.That(names, Is.SupersetOf(new[] { "wd/a.txt", "wd/alias.txt", "wd/sub", "wd/sub/b.txt", "wd/sub/deeper", "wd/sub/deeper/c.txt" }));
            Assert.That(names, Has.None.Contains("leak"), "links that lead out of the task's folder are left out, and never descended into");
            Assert.That(names, Has.No.Member("wd/leak.txt").And.No.Member("wd/leakdir").And.No.Member("wd/leakdir/x.txt"));
            Assert.That((a.IsDirectory, a.Properties!.ContentLength, a.Properties.ContentType, a.Properties.FileMode), Is.EqualTo(((bool?)false, (long?)4, "application/octet-stream", "0100644")));
            Assert.That(a.Properties.LastModified, Is.Not.Null);
            Assert.That(a.Url, Does.EndWith($"/jobs/{_jobId}/tasks/writer/files/wd/a.txt"));
            Assert.That(all.Single(f => f.Name == "wd/alias.txt").Properties!.ContentLength, Is.EqualTo(4), "a link inside the folder is listed with its target's properties");
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.ClientOldestAndNewest))]
    public async Task ListTaskFiles_Client_FilterAndPagingWithSmallMaxResults(BatchClientOptions.ServiceVersion version)
    {
        var client = _harness.NewClient(version);

        var all = await ToListAsync(client.ListTaskFilesAsync(_jobId, "writer", recursive: true));
        var filtered = await ToListAsync(client.ListTaskFilesAsync(_jobId, "writer", recursive: true, filter: "startswith(name, 'wd/sub')"));
        var pages = new List<int>();
        var paged = new List<string?>();
        await foreach (Page<BatchNodeFile> page in client.ListTaskFilesAsync(_jobId, "writer", recursive: true, maxResults: 2).AsPages())
        {
            pages.Add(page.Values.Count);
            paged.AddRange(page.Values.Select(f => f.Name));
        }

        Assert.Multiple(() =>
        {
            Assert.That(filtered.Select(f => f.Name), Is.EqualTo(new[] { "wd/sub", "wd/sub/b.txt", "wd/sub/deeper", "wd/sub/deeper/c.txt" }));
            Assert.That(paged, Is.EqualTo(all.Select(f => f.Name)), "the pages together are the whole (recursive) list");
            Assert.That(pages, Has.Count.GreaterThan(2));
            Assert.That(pages, Is.All.LessThanOrEqualTo(2));
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.ClientOldestAndNewest))]
    public async Task ListNodeFiles_Client_RootFoldersAndTheTaskFilesUnderWorkitems(BatchClientOptions.ServiceVersion version)
    {
        var client = _harness.NewClient(version);

        var top = await ToListAsync(client.ListNodeFilesAsync(_poolId, _nodeId));
        var taskFiles = await ToListAsync(client.ListNodeFilesAsync(_poolId, _nodeId, recursive: true, filter: $"startswith(name, '{_taskRoot}/')"));
        var missing = Assert.ThrowsAsync<BatchServiceException>(() => ToListAsync(client.ListNodeFilesAsync(_poolId, "tvm-no-such-node")));
        var noPool = Assert.ThrowsAsync<BatchServiceException>(() => ToListAsync(client.ListNodeFilesAsync("no-such-pool", _nodeId)));

        Assert.Multiple(() =>
        {
            Assert.That(top.Select(f => f.Name), Is.SupersetOf(new[] { "shared", "startup", "workitems" }));
            Assert.That(taskFiles.Select(f => f.Name), Does.Contain($"{_taskRoot}/wd/sub/b.txt").And.Contain($"{_taskRoot}/stdout.txt"));
            Assert.That(taskFiles.Select(f => f.Name), Has.None.Contains("leak"));
            Assert.That((missing!.Status, missing.ErrorCode), Is.EqualTo((404, "NodeNotFound")));
            Assert.That((noPool!.Status, noPool.ErrorCode), Is.EqualTo((404, "PoolNotFound")));
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.ClientOldestAndNewest))]
    public async Task GetNode_Client_WholeOrSelected_AndNotFoundCodes(BatchClientOptions.ServiceVersion version)
    {
        var client = _harness.NewClient(version);

        var node = await client.GetNodeAsync(_poolId, _nodeId);
        var selected = await client.GetNodeAsync(_poolId, _nodeId, select: "id,state");
        var missing = Assert.ThrowsAsync<BatchServiceException>(() => client.GetNodeAsync(_poolId, "tvm-no-such-node"));
        var noPool = Assert.ThrowsAsync<BatchServiceException>(() => client.GetNodeAsync("no-such-pool", _nodeId));

        Assert.Multiple(() =>
        {
            Assert.That((node.Id, node.State), Is.EqualTo((_nodeId, (BatchNodeState?)BatchNodeState.Idle)));
            Assert.That(node.TotalTasksRun, Is.GreaterThanOrEqualTo(1));
            Assert.That(node.IpAddress, Is.Not.Null);
            Assert.That(node.Url, Does.EndWith($"/pools/{_poolId}/nodes/{_nodeId}"));
            Assert.That((selected.Id, selected.State, selected.IpAddress, selected.TotalTasksRun), Is.EqualTo((_nodeId, (BatchNodeState?)BatchNodeState.Idle, (string?)null, (int?)null)));
            Assert.That((missing!.Status, missing.ErrorCode), Is.EqualTo((404, "NodeNotFound")));
            Assert.That((noPool!.Status, noPool.ErrorCode), Is.EqualTo((404, "PoolNotFound")));
        });
    }

    // ------------------------------------------------------------------ raw signed requests

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task Raw_ListTaskFiles_HasTheServiceShape_AndNextLinksKeepRecursive(string apiVersion)
    {
        var first = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/jobs/{_jobId}/tasks/writer/files?recursive=true&maxresults=3", apiVersion));

        Assert.That(first.Status, Is.EqualTo(HttpStatusCode.OK), first.Body?.ToJsonString());
        var items = new List<JsonNode>(first.Body!["value"]!.AsArray()!.Select(n => n!));
        string? next = first.Body["odata.nextLink"]?.GetValue<string>();
        Assert.That(next, Does.Contain("recursive=true").And.Contain("maxresults=3"));
        while (next is not null)
        {
            var page = await _harness.SendAsync(HttpMethod.Get, new Uri(next).PathAndQuery);
            Assert.That(page.Status, Is.EqualTo(HttpStatusCode.OK), page.Body?.ToJsonString());
            items.AddRange(page.Body!["value"]!.AsArray()!.Select(n => n!));
            next = page.Body["odata.nextLink"]?.GetValue<string>();
        }

        var file = items.Single(i => i["name"]!.GetValue<string>() == "wd/sub/b.txt");
        var folder = items.Single(i => i["name"]!.GetValue<string>() == "wd/sub");
        Assert.Multiple(() =>
        {
            Assert.That(first.Body["odata.metadata"]!.GetValue<string>(), Does.EndWith("/$metadata#files"));
            Assert.That(items.Select(i => i["name"]!.GetValue<string>()), Has.None.Contains("leak"));
            Assert.That(file["url"]!.GetValue<string>(), Does.EndWith($"/jobs/{_jobId}/tasks/writer/files/wd/sub/b.txt"));
            Assert.That(file["isDirectory"]!.GetValue<bool>(), Is.False);
            Assert.That(file["properties"]!["contentLength"]!.GetValue<string>(), Is.EqualTo("2"), "an int64 the way the service writes it");
            Assert.That(file["properties"]!["contentType"]!.GetValue<string>(), Is.EqualTo("application/octet-stream"));
            Assert.That(file["properties"]!["fileMode"]!.GetValue<string>(), Is.EqualTo("0100644"));
            Assert.That(file["properties"]!["lastModified"]!.GetValue<string>(), Does.EndWith("Z"));
            Assert.That(file["properties"]!["creationTime"]!.GetValue<string>(), Does.EndWith("Z"));
            Assert.That(folder["isDirectory"]!.GetValue<bool>(), Is.True);
            Assert.That(folder["properties"]!["fileMode"]!.GetValue<string>(), Is.EqualTo("0040755"));
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task Raw_FileLists_RefuseOtherFiltersAndBadParameters_AndNameTheMissingTask(string apiVersion)
    {
        string files = $"/jobs/{_jobId}/tasks/writer/files";

        var otherFilter = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"{files}?$filter=name eq 'wd'", apiVersion));
        var badRecursive = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"{files}?recursive=maybe", apiVersion));
        var badMax = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"{files}?maxresults=0", apiVersion));
        var noTask = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/jobs/{_jobId}/tasks/no-such-task/files", apiVersion));
        var noJob = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned("/jobs/no-such-job/tasks/writer/files", apiVersion));
        var nodeFilter = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/pools/{_poolId}/nodes/{_nodeId}/files?recursive=false&$filter=startswith(name,'sta')", apiVersion));

        AssertError(otherFilter.Status, otherFilter.Body, HttpStatusCode.BadRequest, "InvalidQueryParameterValue", ("QueryParameterName", "$filter"));
        AssertError(badRecursive.Status, badRecursive.Body, HttpStatusCode.BadRequest, "InvalidQueryParameterValue", ("QueryParameterName", "recursive"));
        AssertError(badMax.Status, badMax.Body, HttpStatusCode.BadRequest, "InvalidQueryParameterValue", ("QueryParameterName", "maxresults"));
        AssertError(noTask.Status, noTask.Body, HttpStatusCode.NotFound, "TaskNotFound");
        AssertError(noJob.Status, noJob.Body, HttpStatusCode.NotFound, "JobNotFound");
        Assert.That(nodeFilter.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(nodeFilter.Body!["value"]!.AsArray().Select(i => i!["name"]!.GetValue<string>()), Is.EqualTo(new[] { "startup" }));
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task Raw_GetNode_AnswersETagAndSelect_AndNodeNotFound(string apiVersion)
    {
        var whole = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/pools/{_poolId}/nodes/{_nodeId}", apiVersion));
        var selected = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/pools/{_poolId}/nodes/{_nodeId}?$select=id,state", apiVersion));
        var badSelect = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/pools/{_poolId}/nodes/{_nodeId}?$select=id,nope", apiVersion));
        var missing = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/pools/{_poolId}/nodes/tvm-no-such-node", apiVersion));
        var noPool = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/pools/no-such-pool/nodes/{_nodeId}", apiVersion));

        Assert.That(whole.Status, Is.EqualTo(HttpStatusCode.OK), whole.Body?.ToJsonString());
        Assert.Multiple(() =>
        {
            Assert.That(whole.Body!["odata.metadata"]!.GetValue<string>(), Does.EndWith("/$metadata#nodes/@Element"));
            Assert.That(whole.Body["id"]!.GetValue<string>(), Is.EqualTo(_nodeId));
            Assert.That(whole.Body["schedulingState"]!.GetValue<string>(), Is.EqualTo("enabled"));
            Assert.That(whole.Body["affinityId"]!.GetValue<string>(), Is.EqualTo("TVM:" + _nodeId));
            Assert.That(whole.Body["startTaskInfo"], Is.Null.Or.Not.Null);
            Assert.That(whole.Response.Headers.GetValues("ETag").Single(), Does.StartWith("0x"));
            Assert.That(whole.Response.Content.Headers.LastModified, Is.Not.Null);
            Assert.That(selected.Body!.AsObject().Select(p => p.Key), Is.EqualTo(new[] { "odata.metadata", "id", "state" }));
        });
        AssertError(badSelect.Status, badSelect.Body, HttpStatusCode.BadRequest, "InvalidQueryParameterValue", ("QueryParameterName", "$select"));
        AssertError(missing.Status, missing.Body, HttpStatusCode.NotFound, "NodeNotFound");
        AssertError(noPool.Status, noPool.Body, HttpStatusCode.NotFound, "PoolNotFound");
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task Raw_FileGetAndHead_AnswerTheSameETagWithLastModified(string apiVersion)
    {
        string path = EmulatorHarness.Versioned($"/jobs/{_jobId}/tasks/writer/files/wd/a.txt", apiVersion);

        var get = await _harness.SendAsync(HttpMethod.Get, path);
        using var head = await _harness.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
        var nodeHead = await _harness.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, EmulatorHarness.Versioned($"/pools/{_poolId}/nodes/{_nodeId}/files/{_taskRoot}/wd/a.txt", apiVersion)));

        string getTag = get.Response.Headers.GetValues("ETag").Single();
        Assert.Multiple(() =>
        {
            Assert.That(get.Status, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(head.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(getTag, Does.StartWith("0x"));
            Assert.That(head.Headers.GetValues("ETag").Single(), Is.EqualTo(getTag));
            Assert.That(nodeHead.Headers.GetValues("ETag").Single(), Is.EqualTo(getTag), "the same file through the node");
            Assert.That(get.Response.Content.Headers.LastModified, Is.Not.Null);
            Assert.That(head.Content.Headers.LastModified, Is.EqualTo(get.Response.Content.Headers.LastModified));
        });
        nodeHead.Dispose();
    }

    private static async Task<List<T>> ToListAsync<T>(AsyncPageable<T> pageable)
        where T : notnull
    {
        var list = new List<T>();
        await foreach (T item in pageable)
        {
            list.Add(item);
        }

        return list;
    }
}
