using System.Diagnostics;
using System.Globalization;
using OpenTelemetry;
using OpenTelemetry.Trace;
using TopNWords.Batch.Conformance.Infrastructure;
using TopNWords.Batch.Emulator.Tests.Infrastructure;
using T = TopNWords.Batch.TopNWordsBatchTelemetry;

namespace TopNWords.Batch.Emulator.Tests.EndToEnd;

/// <summary>
/// The spans of a whole Azure run (Azurite and the emulator, over real HTTP on loopback): every Blob and Batch call carries the
/// request ids the services answered with, and no tag holds a key or a SAS signature.
/// </summary>
[TestFixture]
[NonParallelizable]
public class AzureTelemetryTests
{
    private static readonly ActivitySource TestSource = new("TopNWords.Batch.Emulator.Tests.Telemetry");

    private static string TutorialFolder => Path.Combine(TestContext.CurrentContext.TestDirectory, "testdata", "tutorial");

    [Test]
    public async Task Tutorial_EveryAzureCallHasItsRequestIds_AndNoTagHoldsASecret()
    {
        var spans = new List<Activity>();
        using var tracerProvider = Sdk.CreateTracerProviderBuilder()
            .AddSource(T.ActivitySourceName, TestSource.Name)
            .AddInMemoryExporter(spans)
            .Build();
        await using var emulator = await OfflineAzure.StartEmulatorAsync();
        string download = Directory.CreateTempSubdirectory("topnwords-emulator-otel-").FullName;
        try
        {
            ActivityTraceId traceId;
            BatchRunResult result;
            using (var root = TestSource.StartActivity("test")!)
            {
                traceId = root.TraceId;
                var workflow = new BatchWorkflow(OfflineAzure.Storage(), OfflineAzure.Compute(emulator), new BatchWorkflowOptions { MonitorPollInterval = TimeSpan.FromMilliseconds(100) });
                result = await workflow.RunWordCountAsync([TutorialFolder], 3, d => d.DownloadDirectory = download);
            }

            tracerProvider.ForceFlush();
            List<Activity> ours;
            lock (spans)
            {
                ours = [.. spans.ToArray().Where(s => s.TraceId == traceId && s.Source.Name == T.ActivitySourceName)];
            }

            var calls = ours.Where(s => s.OperationName == T.CallActivityName).ToList();
            var storageCalls = calls.Where(c => Tag(c, T.BackendTag) == "storage" && Tag(c, T.OperationTag) is "UploadFile" or "CreateContainer" or "DownloadToFile" or "ListBlobs" or "DeleteContainer").ToList();
            var computeCalls = calls.Where(c => Tag(c, T.BackendTag) == "compute" && Tag(c, T.OperationTag) is "CreatePool" or "CreateJob" or "AddTasks" or "GetTaskCounts" or "ListTasks").ToList();
            var tagValues = ours.SelectMany(s => s.TagObjects).Select(t => Convert.ToString(t.Value, CultureInfo.InvariantCulture) ?? string.Empty).ToList();
            Assert.Multiple(() =>
            {
                Assert.That(result.Succeeded, Is.True, OfflineAzure.Describe(result));
                Assert.That(storageCalls, Has.Count.GreaterThan(5));
                Assert.That(computeCalls, Has.Count.GreaterThan(4));
                foreach (var call in storageCalls.Concat(computeCalls))
                {
                    string what = $"{call.DisplayName} ({Tag(call, T.OperationDescriptionTag)})";
                    Assert.That(Tag(call, T.ServiceRequestIdTag), Is.Not.Null.And.Not.Empty, what);
                    Assert.That(Tag(call, T.ClientRequestIdTag), Is.Not.Null.And.Not.Empty, what);
                    Assert.That(Tag(call, T.ServerAddressTag), Is.EqualTo("127.0.0.1"), what);
                }

                Assert.That(storageCalls.Concat(computeCalls).Select(c => Tag(c, T.ServiceRequestIdTag)).Distinct().Count(), Is.EqualTo(storageCalls.Count + computeCalls.Count), "each call its own request id");
                TestContext.Progress.WriteLine($"{storageCalls[0].DisplayName}: {Tag(storageCalls[0], T.ServiceRequestIdTag)} / {Tag(storageCalls[0], T.ClientRequestIdTag)}; {computeCalls[0].DisplayName}: {Tag(computeCalls[0], T.ServiceRequestIdTag)} / {Tag(computeCalls[0], T.ClientRequestIdTag)}");
                Assert.That(tagValues, Has.None.Contains("sig="), "no SAS signature");
                Assert.That(tagValues, Has.None.Contains(AzuriteServer.AccountKey[..20]), "no storage key");
                Assert.That(tagValues, Has.None.Contains(EmulatorHarness.Key[..20]), "no Batch key");
                Assert.That(tagValues, Has.None.Contains("AccountKey"), "no connection string");
                Assert.That(tagValues, Has.None.Contains("?"), "no URL with a query");
            });
        }
        finally
        {
            Directory.Delete(download, recursive: true);
        }
    }

    private static string? Tag(Activity span, string key) => Convert.ToString(span.GetTagItem(key), CultureInfo.InvariantCulture);
}
