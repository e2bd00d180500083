using System.Net;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Emulator.Tests.Infrastructure;

namespace TopNWords.Batch.Emulator.Tests.Protocol;

/// <summary>Resource files from a storage container (<c>storageContainerUrl</c>, <c>blobPrefix</c>) in every served api-version, and the shapes refused.</summary>
[TestFixture]
public class ContainerResourceFileProtocolTests
{
    private EmulatorHarness _harness = null!;
    private string _poolId = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _harness = await EmulatorHarness.StartAsync();
        _poolId = "crf-" + Guid.NewGuid().ToString("N")[..8];
        await _harness.CreatePoolAsync(_poolId, nodes: 1, slots: 4);
        await _harness.WaitForNodesAsync(_poolId, n => n.State == BatchNodeState.Idle, "idle");
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _harness.DisposeAsync();

    [TestCaseSource(typeof(ApiVersions), nameof(ApiVersions.Served))]
    public async Task AddTaskCollection_ContainerResourceFiles_AreAcceptedAndWrongShapesRefused(string apiVersion)
    {
        string jobId = "job-" + Guid.NewGuid().ToString("N")[..10];
        await _harness.CreateJobAsync(jobId, _poolId);
        const string Container = "https://acct.blob.core.windows.net/run?sp=rl&sig=secret-signature";
        string body = $$"""
            {"value":[
              {"id":"container","commandLine":"true","resourceFiles":[{"storageContainerUrl":"{{Container}}","blobPrefix":"counts/","filePath":"in"}]},
              {"id":"container-no-path","commandLine":"true","resourceFiles":[{"storageContainerUrl":"{{Container}}"}]},
              {"id":"prefix-without-container","commandLine":"true","resourceFiles":[{"httpUrl":"https://acct.blob.core.windows.net/run/a?sig=secret-signature","blobPrefix":"counts/","filePath":"a"}]},
              {"id":"two-sources","commandLine":"true","resourceFiles":[{"httpUrl":"https://acct.blob.core.windows.net/run/a?sig=secret-signature","storageContainerUrl":"{{Container}}","filePath":"a"}]},
              {"id":"auto-storage","commandLine":"true","resourceFiles":[{"autoStorageContainerName":"run","filePath":"in"}]},
              {"id":"not-http","commandLine":"true","resourceFiles":[{"storageContainerUrl":"file:///tmp/run?sig=secret-signature"}]}
            ]}
            """;

        var (status, response, _) = await _harness.SendAsync(HttpMethod.Post, EmulatorHarness.Versioned($"/jobs/{jobId}/addtaskcollection", apiVersion), body);

        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        var results = response!["value"]!.AsArray();
        Assert.Multiple(() =>
        {
            Assert.That(results[0]!["status"]!.GetValue<string>(), Is.EqualTo("success"));
            Assert.That(results[1]!["status"]!.GetValue<string>(), Is.EqualTo("success"));
            for (int i = 2; i < results.Count; i++)
            {
                Assert.That(results[i]!["status"]!.GetValue<string>(), Is.EqualTo("clienterror"), results[i]!["taskId"]!.GetValue<string>());
                Assert.That(results[i]!["error"]!["code"]!.GetValue<string>(), Is.EqualTo("InvalidPropertyValue"), results[i]!["taskId"]!.GetValue<string>());
            }

            Assert.That(response.ToJsonString(), Does.Not.Contain("secret-signature"));
        });
    }
}
