using TopNWords.Batch.Azure;
using TopNWords.Batch.Azure.Compute;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Emulator.Tests.Infrastructure;

namespace TopNWords.Batch.Emulator.Tests.EndToEnd;

/// <summary>
/// The product's <see cref="AzureBatchCompute"/> against the emulator (issue 14): the preflight's image check passes and
/// its management-plane checks are skipped; pool and job listings return the metadata the creates sent.
/// </summary>
[TestFixture]
public class AzureComputePreflightAndListingTests
{
    [Test]
    public async Task PreflightPoolAsync_ImageIsSupported_AndVmSizeAndQuotaAreSkippedWithoutManagement()
    {
        await using var emulator = await OfflineAzure.StartEmulatorAsync();
        var compute = OfflineAzure.Compute(emulator);

        ComputePreflightResult result = await compute.PreflightPoolAsync(new PoolSpec("preflight-pool", 2));

        Assert.Multiple(() =>
        {
            Assert.That(result.Checked, Has.Count.EqualTo(1));
            Assert.That(result.Checked[0], Does.Contain("canonical/ubuntu-24_04-lts/server"));
            Assert.That(result.Skipped, Has.Count.EqualTo(2));
            Assert.That(result.Skipped, Has.All.Contain("ManagementResourceId is not set"));
            Assert.That(result.CoresPerNode, Is.Null);
        });
    }

    [Test]
    public async Task PreflightPoolAsync_SharedKeyWithManagementResourceId_SkipsVmSizeAndQuotaWithTheReason()
    {
        await using var emulator = await OfflineAzure.StartEmulatorAsync();
        var compute = new AzureBatchCompute(emulator.BaseUri, new BatchSharedKeyCredential(emulator.AccountName, EmulatorHarness.Key), new AzureBatchComputeOptions
        {
            ClientOptions = EmulatorHarness.NewClientOptions(),
            ManagementResourceId = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Batch/batchAccounts/" + emulator.AccountName,
        });

        ComputePreflightResult result = await compute.PreflightPoolAsync(new PoolSpec("preflight-pool", 2));

        Assert.Multiple(() =>
        {
            Assert.That(result.Checked, Has.Count.EqualTo(1));
            Assert.That(result.Skipped, Has.Count.EqualTo(2));
            Assert.That(result.Skipped, Has.All.Contain("Shared Key"));
        });
    }

    [Test]
    public async Task PreflightPoolAsync_ImageTheEmulatorDoesNotSupport_IsInvalidRequest()
    {
        await using var emulator = await OfflineAzure.StartEmulatorAsync();
        var compute = new AzureBatchCompute(emulator.BaseUri, new BatchSharedKeyCredential(emulator.AccountName, EmulatorHarness.Key), new AzureBatchComputeOptions
        {
            ClientOptions = EmulatorHarness.NewClientOptions(),
            ImageOffer = "no-such-offer",
        });

        var ex = Assert.ThrowsAsync<BatchComputeException>(() => compute.PreflightPoolAsync(new PoolSpec("preflight-pool", 1)));

        Assert.Multiple(() =>
        {
            Assert.That(ex!.Kind, Is.EqualTo(BatchComputeErrorKind.InvalidRequest));
            Assert.That(ex.Message, Does.Contain("'no-such-offer'"));
        });
    }

    [Test]
    public async Task ListPoolsAndJobs_ReturnTheMetadataTheCreatesSent()
    {
        await using var emulator = await OfflineAzure.StartEmulatorAsync();
        var compute = OfflineAzure.Compute(emulator);
        string suffix = Guid.NewGuid().ToString("N")[..8];
        var pool = new PoolSpec("meta-pool-" + suffix, 1);
        pool.Metadata["topn-run"] = "run-" + suffix;
        pool.Metadata["topn-kind"] = "pool";
        var job = new JobSpec("meta-job-" + suffix, pool.Id);
        job.Metadata["topn-run"] = "run-" + suffix;
        var bare = new JobSpec("bare-job-" + suffix, pool.Id);

        await compute.CreatePoolAsync(pool);
        await compute.CreateJobAsync(job);
        await compute.CreateJobAsync(bare);
        await compute.TerminateJobAsync(bare.Id);
        var pools = await ToListAsync(compute.ListPoolsAsync());
        var jobs = await ToListAsync(compute.ListJobsAsync());
        await compute.DeleteJobAsync(job.Id);
        await compute.DeleteJobAsync(bare.Id);
        await compute.DeletePoolAsync(pool.Id);

        PoolSummary listedPool = pools.Single(p => p.Id == pool.Id);
        JobSummary listedJob = jobs.Single(j => j.Id == job.Id);
        JobSummary listedBare = jobs.Single(j => j.Id == bare.Id);
        Assert.Multiple(() =>
        {
            Assert.That(listedPool.Metadata, Is.EquivalentTo(pool.Metadata));
            Assert.That(listedPool.CreationTime, Is.Not.Null);
            Assert.That(listedJob.Metadata, Is.EquivalentTo(job.Metadata));
            Assert.That(listedJob.PoolId, Is.EqualTo(pool.Id));
            Assert.That(listedJob.CreationTime, Is.Not.Null);
            Assert.That(listedJob.IsCompleted, Is.False);
            Assert.That(listedBare.Metadata, Is.Empty);
            Assert.That(listedBare.IsCompleted, Is.True, "a terminated job has ended");
        });
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (T item in items)
        {
            list.Add(item);
        }

        return list;
    }
}
