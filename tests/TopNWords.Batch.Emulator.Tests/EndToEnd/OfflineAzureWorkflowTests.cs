using Azure.Storage.Blobs;
using TopNWords.Batch.Azure.BatchRest;
using TopNWords.Batch.Emulator.Tests.Infrastructure;

namespace TopNWords.Batch.Emulator.Tests.EndToEnd;

/// <summary>
/// The whole Azure path offline: the workflow with <see cref="Azure.Storage.AzureBlobStorage"/> on Azurite and
/// <see cref="Azure.Compute.AzureBatchCompute"/> on the emulator, running the real task runner on the emulator's nodes.
/// </summary>
[TestFixture]
public class OfflineAzureWorkflowTests
{
    private static readonly string[] TutorialTopThree = ["to 18, and 17, you 14", "Storage 11, for 8, data 7", "the 10, of 8, and 6"];

    private static string TutorialFolder => Path.Combine(TestContext.CurrentContext.TestDirectory, "testdata", "tutorial");

    private static BatchWorkflowOptions FastPolling => new() { MonitorPollInterval = TimeSpan.FromMilliseconds(100) };

    [Test]
    public async Task Tutorial_GivesTheTopThree_AndRemovesEverythingItCreated()
    {
        await using var emulator = await OfflineAzure.StartEmulatorAsync();
        var containersBefore = await OfflineAzure.ContainerNamesAsync();
        string download = Directory.CreateTempSubdirectory("topnwords-emulator-e2e-").FullName;
        try
        {
            var workflow = new BatchWorkflow(OfflineAzure.Storage(), OfflineAzure.Compute(emulator), FastPolling);

            var result = await workflow.RunWordCountAsync([TutorialFolder], 3, d => d.DownloadDirectory = download);

            Assert.That(result.Succeeded, Is.True, OfflineAzure.Describe(result));
            Assert.That(result.Tasks.Select(OfflineAzure.TopWords), Is.EqualTo(TutorialTopThree));
            Assert.That(result.Tasks.Select(t => t.NodeId), Is.All.StartWith("tvm-local-"));
            await OfflineAzure.WaitForNoPoolsOrJobsAsync(emulator);
            Assert.That(await OfflineAzure.ContainerNamesAsync(), Is.EquivalentTo(containersBefore), "the run's containers are deleted from Azurite");
        }
        finally
        {
            Directory.Delete(download, recursive: true);
        }
    }

    [Test]
    public async Task UnderFaults_TheRunStillFinishesWithOneTaskPerInputAndCorrectOutputs()
    {
        await using var emulator = await OfflineAzure.StartEmulatorAsync(new BatchEmulatorFaults
        {
            ServerBusyRate = 0.1,
            ThrottleBurstEvery = 9,
            ThrottleBurstLength = 3,
            RetryAfterSeconds = 0,
            DropConnectionAfterAddTaskCollection = 1,
            Seed = 42,
        });
        var containersBefore = await OfflineAzure.ContainerNamesAsync();
        string download = Directory.CreateTempSubdirectory("topnwords-emulator-faults-").FullName;
        try
        {
            var workflow = new BatchWorkflow(OfflineAzure.Storage(), OfflineAzure.Compute(emulator), FastPolling);

            var result = await workflow.RunWordCountAsync([TutorialFolder], 3, d =>
            {
                d.DownloadDirectory = download;
                d.Cleanup = CleanupPolicy.Never; // so the job's tasks can be counted afterwards
            });

            var client = new BatchRestClient(emulator.BaseUri, new Azure.BatchSharedKeyCredential(emulator.AccountName, EmulatorHarness.Key), EmulatorHarness.NewClientOptions());
            var taskIds = new List<string>();
            await foreach (var task in client.ListTasksAsync(result.JobId))
            {
                taskIds.Add(task.Id!);
            }

            var counts = emulator.GetRequestCounts();
            Assert.Multiple(() =>
            {
                Assert.That(result.Succeeded, Is.True, OfflineAzure.Describe(result));
                Assert.That(result.Tasks.Select(OfflineAzure.TopWords), Is.EqualTo(TutorialTopThree));
                Assert.That(taskIds, Has.Count.EqualTo(3).And.Unique, "exactly one task per input");
                Assert.That(counts.InjectedFaults, Is.GreaterThan(1), "503s and 429s were injected");
                Assert.That(counts.Operations["Tasks_CreateTaskCollection"].InjectedFaults, Is.GreaterThanOrEqualTo(1), "the add's connection was dropped");
                Assert.That(emulator.GetFaults().DropConnectionAfterAddTaskCollection, Is.Zero);
            });

            await client.DeleteJobAsync(result.JobId);
            await client.DeletePoolAsync(result.PoolId);
        }
        finally
        {
            Directory.Delete(download, recursive: true);
            var service = new BlobServiceClient(AzuriteSetUp.Server.ConnectionString);
            foreach (string container in (await OfflineAzure.ContainerNamesAsync()).Except(containersBefore))
            {
                await service.DeleteBlobContainerAsync(container);
            }
        }
    }

    [Test]
    public async Task StartTaskFailure_FailsTheRunBeforeThePoolTimeout_NamingTheNodeAndShowingItsStderr()
    {
        await using var emulator = await OfflineAzure.StartEmulatorAsync(new BatchEmulatorFaults { StartTaskFailureNodes = ["tvm-local-2"] });
        var workflow = new BatchWorkflow(OfflineAzure.Storage(), OfflineAzure.Compute(emulator), FastPolling);

        var ex = Assert.ThrowsAsync<BatchWorkflowException>(() => workflow.RunWordCountAsync([TutorialFolder], 3, d =>
        {
            d.Timeouts.PoolReady = TimeSpan.FromMinutes(30);
            d.DownloadDirectory = Path.Combine(Path.GetTempPath(), "topnwords-emulator-never-" + Guid.NewGuid().ToString("N"));
        }));

        Assert.Multiple(() =>
        {
            Assert.That(ex, Is.Not.InstanceOf<BatchTimeoutException>(), "it failed fast, not at the pool timeout");
            Assert.That(ex!.Stage, Is.EqualTo(BatchRunStage.WaitingForPool));
            Assert.That(ex.Message, Does.Contain("tvm-local-2").And.Contain("exit code 1"));
            Assert.That(ex.Message, Does.Contain("the host injected a start-task fault"), "the start task's stderr is shown");
            Assert.That(ex.CleanupFailures, Is.Empty);
        });
        await Wait.UntilAsync(() => Task.FromResult(emulator.GetResources().Pools.Count == 0), () => "the failed run's pool is still there");
    }

    [Test]
    public async Task WrongKey_FailsWith403_AndTheErrorNeverShowsTheKey()
    {
        await using var emulator = await OfflineAzure.StartEmulatorAsync();
        string wrongKey = Convert.ToBase64String("a-wrong-batch-key-for-the-tests!"u8.ToArray());
        var containersBefore = await OfflineAzure.ContainerNamesAsync();
        var workflow = new BatchWorkflow(OfflineAzure.Storage(), OfflineAzure.Compute(emulator, wrongKey), FastPolling);

        var ex = Assert.ThrowsAsync<BatchWorkflowException>(() => workflow.RunWordCountAsync([TutorialFolder], 3));

        string everything = ex!.ToString();
        Assert.Multiple(async () =>
        {
            Assert.That(ex.Message, Does.Contain("403").And.Contain("AuthenticationFailed"));
            Assert.That(ex.Message, Does.Contain("key"), "it says to check the key");
            Assert.That(everything, Does.Not.Contain(wrongKey).And.Not.Contain(EmulatorHarness.Key));
            Assert.That(await OfflineAzure.ContainerNamesAsync(), Is.EquivalentTo(containersBefore), "the staged containers are cleaned up");
            Assert.That(emulator.GetResources().Pools, Is.Empty);
        });
    }

}
