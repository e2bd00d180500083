using System.Text.Json;
using Moq;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Tests.Workflow;

/// <summary>
/// The run store streams a manifest or a record into storage as it serializes it (a record of 10,000 outcomes is ~10 MB of
/// JSON, which a serialization to one byte array made large-object-heap arrays of tens of MB): the storage reads the bytes the
/// old serialization made, and a storage that fails or stops reading ends the write with its failure.
/// </summary>
[TestFixture]
public class RunStoreStreamingTests
{
    /// <summary>Long enough that the serializer has to wait for the storage to read (far more than the pipe holds).</summary>
    private static RunRecord LargeRecord(int outcomes = 5000) => new()
    {
        State = BatchRunState.Succeeded,
        Outcomes = [.. Enumerable.Range(0, outcomes).Select(i => new RecordedOutcome(
            $"task-f{i:00000}_txt-0123456789ab", ComputeTaskState.Completed, TaskExecutionResult.Success, 0, 0, "tvm-local-1", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch,
            null, null, [$"/tmp/out/f{i:00000}_OUTPUT.txt"], null, new TopWordsOutput([new TopWord("the", 12), new TopWord("and", 9)], "tvm-local-1", "t", "j", "p")))],
    };

    [Test]
    public async Task UploadJson_StorageReadsAnUnseekableStreamWithTheSameBytesAsTheSerializerMakes()
    {
        var record = LargeRecord();
        byte[]? uploaded = null;
        bool? seekable = null;
        var storage = new Mock<IBlobStorage>(MockBehavior.Strict);
        storage.Setup(s => s.UploadAsync("c", "state.json", It.IsAny<Stream>(), It.IsAny<BlobStorageUploadOptions?>(), It.IsAny<CancellationToken>()))
            .Returns(async (string _, string _, Stream content, BlobStorageUploadOptions? _, CancellationToken ct) =>
            {
                seekable = content.CanSeek;
                using var copy = new MemoryStream();
                await content.CopyToAsync(copy, 4096, ct);
                uploaded = copy.ToArray();
                return BlobUploadResult.Uploaded;
            });

        var result = await RunStore.UploadJsonAsync(storage.Object, "c", "state.json", record, RunStoreJsonContext.Default.RunRecord, new BlobStorageUploadOptions { Overwrite = true }, CancellationToken.None)
            .WaitAsync(TimeSpan.FromMinutes(2), TimeProvider.System);

        Assert.That(result, Is.EqualTo(BlobUploadResult.Uploaded));
        Assert.That(seekable, Is.False, "streamed, not a MemoryStream over the whole JSON");
        Assert.That(uploaded, Is.EqualTo(JsonSerializer.SerializeToUtf8Bytes(record, RunStoreJsonContext.Default.RunRecord)));
        var back = JsonSerializer.Deserialize(uploaded, RunStoreJsonContext.Default.RunRecord)!;
        Assert.That(back.Outcomes, Is.InstanceOf<List<RecordedOutcome>>(), "read back as a list");
        Assert.That((List<RecordedOutcome>)back.Outcomes!, Has.Count.EqualTo(5000));
        Assert.That(back.Outcomes!.ElementAt(4999).TaskId, Is.EqualTo("task-f04999_txt-0123456789ab"));
    }

    [Test]
    public void UploadJson_StorageFailsWithoutReading_TheFailureComesBackAndTheWriterEnds()
    {
        var storage = new Mock<IBlobStorage>(MockBehavior.Strict);
        storage.Setup(s => s.UploadAsync("c", "state.json", It.IsAny<Stream>(), It.IsAny<BlobStorageUploadOptions?>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new BlobStorageException(BlobStorageErrorKind.AlreadyExists, "Blob 'state.json' exists.", "c", "state.json"));

        var ex = Assert.ThrowsAsync<BlobStorageException>(() => RunStore.UploadJsonAsync(storage.Object, "c", "state.json", LargeRecord(), RunStoreJsonContext.Default.RunRecord, new BlobStorageUploadOptions(), CancellationToken.None)
            .WaitAsync(TimeSpan.FromMinutes(2), TimeProvider.System));

        Assert.That(ex!.Kind, Is.EqualTo(BlobStorageErrorKind.AlreadyExists));
    }

    [Test]
    public void UploadJson_StorageStopsReadingPartWay_ItsFailureComesBack()
    {
        var storage = new Mock<IBlobStorage>(MockBehavior.Strict);
        storage.Setup(s => s.UploadAsync("c", "state.json", It.IsAny<Stream>(), It.IsAny<BlobStorageUploadOptions?>(), It.IsAny<CancellationToken>()))
            .Returns(async (string _, string _, Stream content, BlobStorageUploadOptions? _, CancellationToken ct) =>
            {
                byte[] buffer = new byte[1000];
                await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: true, ct);
                throw new BlobStorageException(BlobStorageErrorKind.Unavailable, "The connection was reset.", "c", "state.json");
            });

        var ex = Assert.ThrowsAsync<BlobStorageException>(() => RunStore.UploadJsonAsync(storage.Object, "c", "state.json", LargeRecord(), RunStoreJsonContext.Default.RunRecord, new BlobStorageUploadOptions(), CancellationToken.None)
            .WaitAsync(TimeSpan.FromMinutes(2), TimeProvider.System));

        Assert.That(ex!.Kind, Is.EqualTo(BlobStorageErrorKind.Unavailable));
    }

    [Test]
    public void UploadJson_Cancelled_TheStorageSeesTheCancellation()
    {
        using var cts = new CancellationTokenSource();
        var storage = new Mock<IBlobStorage>(MockBehavior.Strict);
        storage.Setup(s => s.UploadAsync("c", "state.json", It.IsAny<Stream>(), It.IsAny<BlobStorageUploadOptions?>(), It.IsAny<CancellationToken>()))
            .Returns(async (string _, string _, Stream content, BlobStorageUploadOptions? _, CancellationToken ct) =>
            {
                byte[] buffer = new byte[1000];
                await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: true, CancellationToken.None);
                await cts.CancelAsync();
                await content.CopyToAsync(Stream.Null, 4096, CancellationToken.None);
                return BlobUploadResult.Uploaded;
            });

        Assert.CatchAsync<OperationCanceledException>(() => RunStore.UploadJsonAsync(storage.Object, "c", "state.json", LargeRecord(), RunStoreJsonContext.Default.RunRecord, new BlobStorageUploadOptions(), cts.Token)
            .WaitAsync(TimeSpan.FromMinutes(2), TimeProvider.System));
    }
}
