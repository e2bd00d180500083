using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Moq;
using Polly;
using Polly.Retry;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Tests.Workflow;
using T = TopNWords.Batch.TopNWordsBatchTelemetry;

namespace TopNWords.Batch.Tests.Diagnostics;

/// <summary>The workflow's spans and metrics, collected with the OpenTelemetry SDK's in-memory exporter.</summary>
[TestFixture]
[NonParallelizable]
public class WorkflowTelemetryTests
{
    private static readonly TimeSpan MaxStep = TimeSpan.FromMinutes(2);

    private static readonly string[] RunStages = ["Staging", "CreatingPool", "WaitingForPool", "CreatingJob", "AddingTasks", "Monitoring", "Downloading", "CleaningUp"];

    private static string TutorialFolder => Path.Combine(TestContext.CurrentContext.TestDirectory, "testdata", "tutorial");

    [Test]
    public async Task LocalTutorialRun_RecordsTheRunItsStagesAndEveryCall_AndCountsTasksAndBytes()
    {
        string work = Directory.CreateTempSubdirectory("topnwords-otel-").FullName;
        try
        {
            using var capture = new TelemetryCapture();
            BatchRunResult result;
            await using (var workflow = new LocalBatchWorkflow(new LocalBatchWorkflowOptions { RootDirectory = Path.Combine(work, "root") }))
            {
                using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5), TimeProvider.System);
                result = await workflow.RunWordCountAsync([TutorialFolder], 3, d => d.DownloadDirectory = Path.Combine(work, "out"), cancellationToken: deadline.Token);
            }

            Assert.That(result.Succeeded, Is.True, string.Join("\n", result.FailedTasks.Select(t => t.DescribeFailure())));
            var run = capture.Spans(T.RunActivityName).Single();
            var stages = capture.Spans(T.StageActivityName).OrderBy(s => s.StartTimeUtc).ToList();
            var calls = capture.Spans(T.CallActivityName);
            Activity Stage(string name) => stages.Single(s => TelemetryCapture.Tag(s, T.StageTag) == name);
            List<Activity> Calls(string operation) => [.. calls.Where(c => TelemetryCapture.Tag(c, T.OperationTag) == operation)];

            Assert.Multiple(() =>
            {
                Assert.That(run.ParentSpanId, Is.EqualTo(capture.Root.SpanId), "the run is a child of the caller's span");
                Assert.That(TelemetryCapture.Tag(run, T.RunModeTag), Is.EqualTo("run"));
                Assert.That(TelemetryCapture.Tag(run, T.RunIdTag), Is.EqualTo(result.RunId));
                Assert.That(TelemetryCapture.Tag(run, T.PoolIdTag), Is.EqualTo(result.PoolId));
                Assert.That(TelemetryCapture.Tag(run, T.JobIdTag), Is.EqualTo(result.JobId));
                Assert.That(TelemetryCapture.Tag(run, T.InputCountTag), Is.EqualTo("3"));
                Assert.That(TelemetryCapture.Tag(run, T.RunStateTag), Is.EqualTo("Succeeded"));
                Assert.That(run.Status, Is.EqualTo(ActivityStatusCode.Unset));

                Assert.That(stages.Select(s => TelemetryCapture.Tag(s, T.StageTag)), Is.EqualTo(RunStages), "one span per stage, in order");
                Assert.That(stages.Select(s => s.ParentSpanId), Has.All.EqualTo(run.SpanId));
                Assert.That(stages[0].DisplayName, Is.EqualTo("TopNWords.Batch.Stage Staging"));

                Assert.That(calls, Has.Count.GreaterThan(10));
                Assert.That(calls.Select(c => c.Kind), Has.All.EqualTo(ActivityKind.Client));
                Assert.That(calls.Select(c => c.ParentSpanId), Has.All.AnyOf([run.SpanId, .. stages.Select(s => s.SpanId)]), "every call is a child of the run or of one of its stages");
                Assert.That(calls.Select(c => c.TraceId), Has.All.EqualTo(capture.Root.TraceId));
                Assert.That(Calls("UploadFile").Select(c => c.ParentSpanId), Has.All.EqualTo(Stage("Staging").SpanId));
                Assert.That(Calls("UploadFile"), Has.Count.GreaterThanOrEqualTo(4), "the application and the three inputs");
                Assert.That(Calls("UploadFile")[0].DisplayName, Is.EqualTo("storage UploadFile"));
                Assert.That(TelemetryCapture.Tag(Calls("UploadFile")[0], T.BackendTag), Is.EqualTo("storage"));
                Assert.That(TelemetryCapture.Tag(Calls("UploadFile")[0], T.AttemptsTag), Is.EqualTo("1"));
                Assert.That(Calls("CreatePool").Single().ParentSpanId, Is.EqualTo(Stage("CreatingPool").SpanId));
                Assert.That(Calls("AddTasks").Single().ParentSpanId, Is.EqualTo(Stage("AddingTasks").SpanId));
                Assert.That(TelemetryCapture.Tag(Calls("AddTasks").Single(), T.BackendTag), Is.EqualTo("compute"));
                Assert.That(Calls("GetTaskCounts").Select(c => c.ParentSpanId), Has.All.EqualTo(Stage("Monitoring").SpanId));
                Assert.That(Calls("DownloadToFile").Select(c => c.ParentSpanId), Has.All.EqualTo(Stage("Downloading").SpanId));
                Assert.That(Calls("DownloadToFile"), Has.Count.EqualTo(3));
                Assert.That(Calls("DeleteContainer").Count(c => c.ParentSpanId == Stage("CleaningUp").SpanId), Is.EqualTo(3), "the run's three containers, in the cleanup");
                Assert.That(Calls("DeleteContainer").Count(c => c.ParentSpanId == run.SpanId), Is.EqualTo(1), "the run's record, once the run completed");
                Assert.That(calls.Select(c => c.Status), Has.None.EqualTo(ActivityStatusCode.Error));

                Assert.That(capture.Sum(T.TasksCompletedInstrument, (T.TaskOutcomeTag, "succeeded")), Is.EqualTo(3));
                Assert.That(capture.Sum(T.TasksCompletedInstrument, (T.TaskOutcomeTag, "failed")), Is.Zero);
                Assert.That(capture.HistogramCount(T.TaskDurationInstrument), Is.EqualTo(3));
                Assert.That(capture.Sum(T.BytesStagedInstrument), Is.GreaterThan(new FileInfo(Path.Combine(TutorialFolder, "taskdata1.txt")).Length));
                Assert.That(capture.Sum(T.BytesDownloadedInstrument), Is.EqualTo(Directory.GetFiles(Path.Combine(work, "out")).Sum(f => new FileInfo(f).Length)).And.GreaterThan(0));
                Assert.That(capture.Sum(T.RequestsInstrument), Is.EqualTo(calls.Sum(c => int.Parse(TelemetryCapture.Tag(c, T.AttemptsTag)!, System.Globalization.CultureInfo.InvariantCulture))), "one request per attempt of each call");
                Assert.That(capture.Sum(T.RequestsInstrument, (T.BackendTag, "compute"), (T.OperationTag, "AddTasks")), Is.EqualTo(1));
                Assert.That(capture.Sum(T.RetriesInstrument), Is.Zero);
                Assert.That(capture.Sum(T.ErrorsInstrument), Is.Zero, "a record not yet written is an answer, not an error");
            });
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Test]
    public async Task LocalCorpusRun_CountsEachInputsTaskAndTheMergeTask()
    {
        string work = Directory.CreateTempSubdirectory("topnwords-otel-").FullName;
        try
        {
            using var capture = new TelemetryCapture();
            var definition = WordCountJob.CreateCorpusDefinition([TutorialFolder], 3);
            definition.DownloadDirectory = Path.Combine(work, "out");
            BatchRunResult result;
            await using (var workflow = new LocalBatchWorkflow(new LocalBatchWorkflowOptions { RootDirectory = Path.Combine(work, "root") }))
            {
                using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5), TimeProvider.System);
                result = await workflow.RunAsync(definition, cancellationToken: deadline.Token);
            }

            Assert.That(result.Succeeded, Is.True, result.Reduce?.Error);
            Assert.That(result.Reduce!.TaskIds, Is.EqualTo(new[] { "reduce" }));
            Assert.Multiple(() =>
            {
                Assert.That(capture.Sum(T.TasksCompletedInstrument, (T.TaskOutcomeTag, "succeeded")), Is.EqualTo(4), "the three inputs' tasks and the merge");
                Assert.That(capture.Sum(T.TasksCompletedInstrument, (T.TaskOutcomeTag, "failed")), Is.Zero);
                Assert.That(capture.HistogramCount(T.TaskDurationInstrument), Is.EqualTo(4));
            });
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Test]
    public async Task FailingRun_HasErrorStatusOnTheRunTheStageAndTheCall_AndCountsTheErrorByKind()
    {
        using var h = new WorkflowHarness();
        h.Compute.Setup(c => c.CreatePoolAsync(It.IsAny<PoolSpec>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new BatchComputeException(BatchComputeErrorKind.QuotaExceeded, "The account's dedicated core quota is reached.", "p", "AccountCoreQuotaReached"));
        using var capture = new TelemetryCapture();

        Assert.ThrowsAsync<BatchWorkflowException>(() => h.Workflow.RunAsync(h.Definition()));

        var run = capture.Spans(T.RunActivityName).Single();
        var stage = capture.Spans(T.StageActivityName).Single(s => TelemetryCapture.Tag(s, T.StageTag) == "CreatingPool");
        var call = capture.Spans(T.CallActivityName).Single(c => TelemetryCapture.Tag(c, T.OperationTag) == "CreatePool");
        Assert.Multiple(() =>
        {
            Assert.That(run.Status, Is.EqualTo(ActivityStatusCode.Error));
            Assert.That(TelemetryCapture.Tag(run, T.ErrorTypeTag), Is.EqualTo("QuotaExceeded"));
            Assert.That(TelemetryCapture.Tag(run, T.RunStateTag), Is.EqualTo("Failed"));
            Assert.That(run.StatusDescription, Is.Null, "no message (which could quote a resource) in the status");
            Assert.That(stage.Status, Is.EqualTo(ActivityStatusCode.Error));
            Assert.That(TelemetryCapture.Tag(stage, T.ErrorTypeTag), Is.EqualTo("QuotaExceeded"));
            Assert.That(call.Status, Is.EqualTo(ActivityStatusCode.Error));
            Assert.That(TelemetryCapture.Tag(call, T.ErrorTypeTag), Is.EqualTo("QuotaExceeded"));
            Assert.That(call.ParentSpanId, Is.EqualTo(stage.SpanId));
            Assert.That(capture.Spans(T.StageActivityName).Where(s => s != stage).Select(s => s.Status), Has.None.EqualTo(ActivityStatusCode.Error), "only the stage that failed");
            Assert.That(capture.Sum(T.ErrorsInstrument, (T.ErrorTypeTag, "QuotaExceeded"), (T.BackendTag, "compute"), (T.OperationTag, "CreatePool")), Is.EqualTo(1));
            Assert.That(capture.Sum(T.ErrorsInstrument), Is.EqualTo(1));
            Assert.That(capture.Sum(T.RetriesInstrument), Is.Zero, "not transient: not retried");
            Assert.That(capture.Sum(T.TasksCompletedInstrument), Is.Zero);
        });
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task ThrottledCalls_AreCountedAsRetriesAndErrorsOfTheirKind_WithTheDefaultOrAUserPipeline(bool userPipeline)
    {
        using var h = new WorkflowHarness(configure: o =>
        {
            if (userPipeline)
            {
                o.Resilience = new ResiliencePipelineBuilder()
                    .AddRetry(new RetryStrategyOptions { ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is BatchComputeException { Kind: BatchComputeErrorKind.Unavailable }), Delay = TimeSpan.Zero, MaxRetryAttempts = 5 })
                    .Build();
            }
        });
        int throttled = 0;
        h.Compute.Setup(c => c.GetTaskCountsAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns(() => Interlocked.Increment(ref throttled) <= 2
                ? Task.FromException<TaskCounts>(new BatchComputeException(BatchComputeErrorKind.Unavailable, "429 TooManyRequests", "j", "TooManyRequests") { RetryAfter = TimeSpan.FromSeconds(3) })
                : Task.FromResult(new TaskCounts(0, 0, h.Tasks.Count, h.Tasks.Count, 0)));
        using var capture = new TelemetryCapture();

        var run = h.Workflow.RunAsync(h.Definition());
        await h.Clock.PumpTimersAsync(run, MaxStep);
        var result = await run;

        Assert.That(result.Succeeded, Is.True);
        var countCalls = capture.Spans(T.CallActivityName).Where(c => TelemetryCapture.Tag(c, T.OperationTag) == "GetTaskCounts").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(capture.Sum(T.RetriesInstrument, (T.BackendTag, "compute"), (T.OperationTag, "GetTaskCounts")), Is.EqualTo(2));
            Assert.That(capture.Sum(T.RetriesInstrument), Is.EqualTo(2));
            Assert.That(capture.Sum(T.ErrorsInstrument, (T.ErrorTypeTag, "Unavailable"), (T.BackendTag, "compute"), (T.OperationTag, "GetTaskCounts")), Is.EqualTo(2));
            Assert.That(capture.Sum(T.RequestsInstrument, (T.OperationTag, "GetTaskCounts")), Is.EqualTo(3));
            Assert.That(countCalls.Select(c => TelemetryCapture.Tag(c, T.AttemptsTag)), Is.EqualTo(new[] { "3" }), "one span for the call, its three attempts in a tag");
            Assert.That(countCalls.Single().Status, Is.EqualTo(ActivityStatusCode.Unset), "it succeeded in the end");
            Assert.That(capture.Spans(T.RunActivityName).Single().Status, Is.EqualTo(ActivityStatusCode.Unset));
            Assert.That(capture.Sum(T.TasksCompletedInstrument, (T.TaskOutcomeTag, "succeeded")), Is.EqualTo(3));
        });
    }

    [Test]
    public async Task FailedTask_IsCountedOnceAsFailed_AndTheRunEndsFailed()
    {
        using var h = new WorkflowHarness();
        h.FailingInputs.Add("input2.txt");
        using var capture = new TelemetryCapture();

        var run = h.Workflow.RunAsync(h.Definition());
        await h.Clock.PumpTimersAsync(run, MaxStep);
        var result = await run;

        Assert.That(result.Succeeded, Is.False);
        var span = capture.Spans(T.RunActivityName).Single();
        Assert.Multiple(() =>
        {
            Assert.That(capture.Sum(T.TasksCompletedInstrument, (T.TaskOutcomeTag, "succeeded")), Is.EqualTo(2));
            Assert.That(capture.Sum(T.TasksCompletedInstrument, (T.TaskOutcomeTag, "failed")), Is.EqualTo(1));
            Assert.That(capture.HistogramCount(T.TaskDurationInstrument, (T.TaskOutcomeTag, "failed")), Is.EqualTo(1));
            Assert.That(TelemetryCapture.Tag(span, T.RunStateTag), Is.EqualTo("Failed"));
            Assert.That(span.Status, Is.EqualTo(ActivityStatusCode.Error));
            Assert.That(TelemetryCapture.Tag(span, T.ErrorTypeTag), Is.EqualTo("TaskFailed"));
        });
    }

    [Test]
    public async Task NoTag_HoldsAUrlOrASignature()
    {
        using var h = new WorkflowHarness();
        using var capture = new TelemetryCapture();

        var run = h.Workflow.RunAsync(h.Definition());
        await h.Clock.PumpTimersAsync(run, MaxStep);
        await run;

        var values = capture.AllTagValues();
        Assert.That(capture.Spans(T.CallActivityName).Where(c => TelemetryCapture.Tag(c, T.OperationTag) == "GetBlobReadUrl"), Is.Not.Empty, "the calls that return SAS URLs were recorded");
        Assert.That(values, Has.None.Contains("SECRETSIG").And.None.Contains("sig=").And.None.Contains("https://"));
    }

    [Test]
    public async Task MeterFactory_CreatesTheWorkflowsMeter()
    {
        using var factory = new TestMeterFactory();
        using var h = new WorkflowHarness(configure: o => o.MeterFactory = factory);
        var meter = factory.Meters.Single();
        using var completed = new MetricCollector<long>(meter, T.TasksCompletedInstrument);
        using var staged = new MetricCollector<long>(meter, T.BytesStagedInstrument);

        var run = h.Workflow.RunAsync(h.Definition());
        await h.Clock.PumpTimersAsync(run, MaxStep);
        await run;

        Assert.Multiple(() =>
        {
            Assert.That(meter.Name, Is.EqualTo(T.MeterName));
            Assert.That(completed.GetMeasurementSnapshot().Sum(m => m.Value), Is.EqualTo(3));
            Assert.That(staged.GetMeasurementSnapshot().Sum(m => m.Value), Is.EqualTo(Directory.GetFiles(h.Root, "*", SearchOption.AllDirectories).Where(f => !f.StartsWith(h.DownloadDirectory, StringComparison.Ordinal)).Sum(f => new FileInfo(f).Length)));
        });
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        public List<Meter> Meters { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
            Meters.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in Meters)
            {
                meter.Dispose();
            }
        }
    }
}
