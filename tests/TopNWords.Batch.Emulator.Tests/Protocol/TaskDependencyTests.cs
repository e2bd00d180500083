using System.Net;
using System.Text.Json.Nodes;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Emulator.Tests.Infrastructure;
using static TopNWords.Batch.Emulator.Tests.Protocol.AuthAndVersionTests;

namespace TopNWords.Batch.Emulator.Tests.Protocol;

/// <summary>Task dependencies over HTTP: <c>usesTaskDependencies</c>, <c>dependsOn</c>, <c>exitConditions.default.dependencyAction</c>, in every served version.</summary>
[TestFixture]
public class TaskDependencyTests
{
    private EmulatorHarness _harness = null!;
    private string _poolId = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            Assert.Ignore("These tests run their command lines with /bin/sh.");
        }

        _harness = await EmulatorHarness.StartAsync();
        _poolId = "deps-" + Guid.NewGuid().ToString("N")[..8];
        await _harness.CreatePoolAsync(_poolId, nodes: 1, slots: 4);
        await _harness.WaitForNodesAsync(_poolId, n => n.State == BatchNodeState.Idle, "idle");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_harness is not null)
        {
            await _harness.DisposeAsync();
        }
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task Raw_JobAndTasksWithDependencies_AreReturnedAsSent_SelectableAndHonoured(string apiVersion)
    {
        string jobId = await NewJobAsync(apiVersion, usesTaskDependencies: true);
        var job = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/jobs/{jobId}", apiVersion));
        var added = await _harness.SendAsync(HttpMethod.Post, EmulatorHarness.Versioned($"/jobs/{jobId}/addtaskcollection", apiVersion), """
            {"value":[
              {"id":"reduce","commandLine":"/bin/sh -c 'echo reduced'","dependsOn":{"taskIds":["bad-ok","later"],"taskIdRanges":[{"start":1,"end":3}]}},
              {"id":"1","commandLine":"true"},{"id":"2","commandLine":"true"},{"id":"3","commandLine":"true"},
              {"id":"bad-ok","commandLine":"/bin/sh -c 'exit 5'","exitConditions":{"default":{"dependencyAction":"satisfy"}}},
              {"id":"bad","commandLine":"/bin/sh -c 'exit 3'"},
              {"id":"blocked","commandLine":"/bin/sh -c 'echo never'","dependsOn":{"taskIds":["bad"]}}
            ]}
            """);
        await _harness.WaitForCompletedAsync(jobId, 5);
        var waiting = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks/reduce", apiVersion));
        var selected = await _harness.SendAsync(HttpMethod.Get, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks?$select=id,dependsOn,exitConditions", apiVersion));

        await _harness.SendAsync(HttpMethod.Post, EmulatorHarness.Versioned($"/jobs/{jobId}/tasks", apiVersion), """{"id":"later","commandLine":"true"}""");
        var reduce = await _harness.WaitForTaskAsync(jobId, "reduce", t => t.State == BatchTaskState.Completed, "completed");
        var blocked = await _harness.Client.GetTaskAsync(jobId, "blocked");
        var counts = await _harness.Client.GetJobTaskCountsAsync(jobId);

        var rows = selected.Body!["value"]!.AsArray().ToDictionary(t => t!["id"]!.GetValue<string>(), t => t!.AsObject());
        Assert.Multiple(() =>
        {
            Assert.That(job.Body!["usesTaskDependencies"]!.GetValue<bool>(), Is.True);
            Assert.That(added.Body!["value"]!.AsArray().Select(r => r!["status"]!.GetValue<string>()), Is.All.EqualTo("success"));
            Assert.That(waiting.Body!["state"]!.GetValue<string>(), Is.EqualTo("active"), "'later' is not added yet");
            Assert.That(JsonNode.DeepEquals(waiting.Body["dependsOn"], JsonNode.Parse("""{"taskIds":["bad-ok","later"],"taskIdRanges":[{"start":1,"end":3}]}""")), Is.True, waiting.Body["dependsOn"]?.ToJsonString());
            Assert.That(rows["reduce"].Select(p => p.Key), Is.EquivalentTo(new[] { "id", "dependsOn" }));
            Assert.That(rows["bad-ok"]["exitConditions"]!["default"]!["dependencyAction"]!.GetValue<string>(), Is.EqualTo("satisfy"));
            Assert.That(rows["1"].Select(p => p.Key), Is.EquivalentTo(new[] { "id" }), "a task without dependencies has no dependsOn");
            Assert.That(reduce.ExecutionInfo!.Result, Is.EqualTo(BatchExecutionResult.Success));
            Assert.That(blocked.State, Is.EqualTo(BatchTaskState.Active), "a failed dependency (dependencyAction block, the default) blocks it");
            Assert.That((counts.TaskCounts!.Active, counts.TaskCounts.Running, counts.TaskCounts.Completed, counts.TaskCounts.Failed), Is.EqualTo((1, 0, 7, 2)));
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task Raw_DependenciesOnAJobWithoutThem_AreRefusedWithTheServiceErrors(string apiVersion)
    {
        string jobId = await NewJobAsync(apiVersion, usesTaskDependencies: false);
        string tasks = EmulatorHarness.Versioned($"/jobs/{jobId}/tasks", apiVersion);

        var single = await _harness.SendAsync(HttpMethod.Post, tasks, """{"id":"d","commandLine":"true","dependsOn":{"taskIds":["a"]}}""");
        var action = await _harness.SendAsync(HttpMethod.Post, tasks, """{"id":"e","commandLine":"true","exitConditions":{"default":{"dependencyAction":"block"}}}""");
        var collection = await _harness.SendAsync(HttpMethod.Post, EmulatorHarness.Versioned($"/jobs/{jobId}/addtaskcollection", apiVersion), """
            {"value":[{"id":"a","commandLine":"true"},{"id":"b","commandLine":"true","dependsOn":{"taskIdRanges":[{"start":0,"end":9}]}}]}
            """);

        AssertError(single.Status, single.Body, HttpStatusCode.Conflict, "TaskDependenciesNotSpecifiedOnJob");
        AssertError(action.Status, action.Body, HttpStatusCode.BadRequest, "InvalidPropertyValue", ("PropertyName", "exitConditions.default.dependencyAction"));
        var results = collection.Body!["value"]!.AsArray().ToDictionary(r => r!["taskId"]!.GetValue<string>(), r => r!);
        Assert.Multiple(() =>
        {
            Assert.That(results["a"]["status"]!.GetValue<string>(), Is.EqualTo("success"));
            Assert.That(results["b"]["status"]!.GetValue<string>(), Is.EqualTo("clienterror"));
            Assert.That(results["b"]["error"]!["code"]!.GetValue<string>(), Is.EqualTo("TaskDependenciesNotSpecifiedOnJob"));
        });
    }

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.OldestAndNewest))]
    public async Task Raw_InvalidDependencies_AreRefused(string apiVersion)
    {
        string jobId = await NewJobAsync(apiVersion, usesTaskDependencies: true);
        string tasks = EmulatorHarness.Versioned($"/jobs/{jobId}/tasks", apiVersion);
        string ids = string.Join(",", Enumerable.Range(0, 1001).Select(i => $"\"t{i:D4}-{new string('x', 58)}\""));

        var tooLong = await _harness.SendAsync(HttpMethod.Post, tasks, """{"id":"long","commandLine":"true","dependsOn":{"taskIds":[""" + ids + "]}}");
        var backwards = await _harness.SendAsync(HttpMethod.Post, tasks, """{"id":"back","commandLine":"true","dependsOn":{"taskIdRanges":[{"start":9,"end":1}]}}""");
        var exitCodes = await _harness.SendAsync(HttpMethod.Post, tasks, """{"id":"codes","commandLine":"true","exitConditions":{"exitCodes":[{"code":1,"exitOptions":{"dependencyAction":"satisfy"}}]}}""");

        AssertError(tooLong.Status, tooLong.Body, HttpStatusCode.BadRequest, "TaskDependencyListTooLong");
        AssertError(backwards.Status, backwards.Body, HttpStatusCode.BadRequest, "InvalidPropertyValue", ("PropertyName", "dependsOn.taskIdRanges"));
        AssertError(exitCodes.Status, exitCodes.Body, HttpStatusCode.BadRequest, "InvalidPropertyValue", ("PropertyName", "exitConditions.exitCodes"));
    }

    private async Task<string> NewJobAsync(string apiVersion, bool usesTaskDependencies)
    {
        string jobId = "job-" + Guid.NewGuid().ToString("N")[..10];
        var created = await _harness.SendAsync(HttpMethod.Post, EmulatorHarness.Versioned("/jobs", apiVersion), $$"""{"id":"{{jobId}}","poolInfo":{"poolId":"{{_poolId}}"},"usesTaskDependencies":{{(usesTaskDependencies ? "true" : "false")}}}""");
        Assert.That(created.Status, Is.EqualTo(HttpStatusCode.Created), created.Body?.ToJsonString());
        return jobId;
    }
}
