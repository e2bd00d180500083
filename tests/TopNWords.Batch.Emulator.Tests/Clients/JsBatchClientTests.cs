using TopNWords.Batch.Conformance.Infrastructure;
using TopNWords.Batch.Emulator.Tests.Infrastructure;

namespace TopNWords.Batch.Emulator.Tests.Clients;

/// <summary>
/// The official Azure Batch SDK for JavaScript (<c>@azure/batch</c> 10.2.0, api-version 2022-10-01.16.0, pinned in
/// <c>eng/batch-js</c>), run unchanged against the emulator by <c>eng/batch-js/run-client.cjs</c>: every check of
/// the script must pass. The account key reaches the script through its environment, never its command line.
/// </summary>
[TestFixture]
[NonParallelizable]
public class JsBatchClientTests
{
    private static readonly string[] Checks =
    [
        "pool.add with metadata",
        "pool.get",
        "pool.exists",
        "pool.list filtered",
        "pool.patch metadata",
        "computeNode.list until idle",
        "computeNode.get",
        "account.listPoolNodeCounts",
        "job.add with metadata",
        "job.list filtered",
        "task.add",
        "task.addCollection",
        "task.add duplicate is TaskExists",
        "task.terminate",
        "task.list until completed",
        "task.list filtered",
        "job.getTaskCounts",
        "task.get",
        "file.listFromTask",
        "file.getFromTask",
        "file.getPropertiesFromTask",
        "file.listFromComputeNode",
        "errors: PoolNotFound, JobNotFound, TaskNotFound",
        "task.deleteMethod",
        "job.deleteMethod",
        "pool.deleteMethod",
    ];

    [Test]
    public async Task OfficialJavaScriptSdk_Unchanged_EveryCheckPasses()
    {
        string node = PinnedNodePackage.FindNode("The @azure/batch client test");
        var package = new PinnedNodePackage("batch-js", "@azure/batch");
        await package.EnsureInstalledAsync();
        await using var harness = await EmulatorHarness.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5), TimeProvider.System);

        var (exitCode, output) = await PinnedNodePackage.RunAsync(
            node,
            [Path.Combine(package.Folder, "run-client.cjs")],
            package.Folder,
            new Dictionary<string, string>
            {
                ["TOPNWORDS_BATCH_URL"] = harness.BaseUri.ToString().TrimEnd('/'),
                ["TOPNWORDS_BATCH_ACCOUNT"] = EmulatorHarness.Account,
                ["TOPNWORDS_BATCH_EMULATOR_KEY"] = EmulatorHarness.Key,
                ["TOPNWORDS_BATCH_PREFIX"] = "js",
            },
            timeout.Token);

        var lines = output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.Multiple(() =>
        {
            foreach (string check in Checks)
            {
                Assert.That(lines, Does.Contain("ok " + check), $"check '{check}'; the script printed:{Environment.NewLine}{output}");
            }

            Assert.That(lines.Where(l => l.StartsWith("FAIL", StringComparison.Ordinal)), Is.Empty);
            Assert.That(exitCode, Is.Zero, output);
            Assert.That(output, Does.Not.Contain(EmulatorHarness.Key), "the key must never be printed");
        });
    }
}
