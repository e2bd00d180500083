namespace TopNWords.Batch;

/// <summary>
/// The names of the workflow's telemetry: one <see cref="System.Diagnostics.ActivitySource"/> and one
/// <see cref="System.Diagnostics.Metrics.Meter"/>, both named <c>TopNWords.Batch</c>, built on System.Diagnostics only (no
/// OpenTelemetry package is needed to produce them; an OpenTelemetry SDK collects them with <c>AddSource</c> and
/// <c>AddMeter</c>). Nothing is recorded, and no span is created, while nobody listens.
/// </summary>
/// <remarks>
/// <para>
/// Spans: one per run (<see cref="RunActivityName"/>: a run, submit, attach or cancel), one per stage of it
/// (<see cref="StageActivityName"/>, children of the run's), and one per storage or compute call made through the
/// workflow's resilience pipeline (<see cref="CallActivityName"/>, kind Client, children of the stage's), retries included.
/// The Azure backends put the service's request ids (<see cref="ServiceRequestIdTag"/>, <see cref="ClientRequestIdTag"/>) and
/// the host (<see cref="ServerAddressTag"/>) on the call's span. No tag holds a URL with a query, a key, a signature or a
/// token.
/// </para>
/// <para>
/// Metrics, all counted by the process that does the work: <see cref="TasksCompletedInstrument"/>,
/// <see cref="TaskDurationInstrument"/>, <see cref="RequestsInstrument"/>, <see cref="RetriesInstrument"/>,
/// <see cref="ErrorsInstrument"/>, <see cref="BytesStagedInstrument"/> and <see cref="BytesDownloadedInstrument"/>.
/// </para>
/// </remarks>
public static class TopNWordsBatchTelemetry
{
    /// <summary>The name of the workflow's <see cref="System.Diagnostics.ActivitySource"/>: <c>TopNWords.Batch</c>.</summary>
    public const string ActivitySourceName = "TopNWords.Batch";

    /// <summary>
    /// The name of the workflow's <see cref="System.Diagnostics.Metrics.Meter"/>: <c>TopNWords.Batch</c> (created by
    /// <see cref="BatchWorkflowOptions.MeterFactory"/> when one is set).
    /// </summary>
    public const string MeterName = "TopNWords.Batch";

    /// <summary>
    /// The span of a run (<c>TopNWords.Batch.Run</c>), from the call of RunAsync, SubmitAsync, AttachAsync or CancelAsync to its
    /// return. Tags: <see cref="RunModeTag"/>, <see cref="RunIdTag"/>, <see cref="PoolIdTag"/>, <see cref="JobIdTag"/>,
    /// <see cref="InputCountTag"/>, <see cref="RunStateTag"/>; on failure its status is Error and <see cref="ErrorTypeTag"/> says why.
    /// </summary>
    public const string RunActivityName = "TopNWords.Batch.Run";

    /// <summary>
    /// The span of a stage of a run (<c>TopNWords.Batch.Stage</c>; its display name adds the stage, such as
    /// <c>TopNWords.Batch.Stage Staging</c>). Tags: <see cref="StageTag"/>, <see cref="RunIdTag"/>; the stage a run failed in
    /// has status Error and <see cref="ErrorTypeTag"/>.
    /// </summary>
    public const string StageActivityName = "TopNWords.Batch.Stage";

    /// <summary>
    /// The span of one storage or compute call (<c>TopNWords.Batch.Call</c>, kind Client; its display name is the backend and
    /// the operation, such as <c>storage UploadFile</c>), all its attempts included. Tags: <see cref="BackendTag"/>,
    /// <see cref="OperationTag"/>, <see cref="OperationDescriptionTag"/>, <see cref="RunIdTag"/>, <see cref="AttemptsTag"/>;
    /// from the Azure backends <see cref="ServiceRequestIdTag"/>, <see cref="ClientRequestIdTag"/> and
    /// <see cref="ServerAddressTag"/> (those of the last request); on failure status Error and <see cref="ErrorTypeTag"/>.
    /// </summary>
    public const string CallActivityName = "TopNWords.Batch.Call";

    /// <summary>
    /// Counter <c>topnwords.batch.tasks.completed</c> (unit <c>{task}</c>): tasks seen completed, once per task by the
    /// process that monitors it: one per input and, for a run with a reduce step, each reduce task. Tag
    /// <see cref="TaskOutcomeTag"/>: <c>succeeded</c> or <c>failed</c>.
    /// </summary>
    public const string TasksCompletedInstrument = "topnwords.batch.tasks.completed";

    /// <summary>
    /// Histogram <c>topnwords.batch.task.duration</c> (unit <c>s</c>): how long each completed task ran on its node (its
    /// start to its end, as the compute reports them). Tag <see cref="TaskOutcomeTag"/>.
    /// </summary>
    public const string TaskDurationInstrument = "topnwords.batch.task.duration";

    /// <summary>
    /// Counter <c>topnwords.batch.requests</c> (unit <c>{request}</c>): attempts of storage and compute calls (a retried
    /// call counts each attempt). Tags <see cref="BackendTag"/> and <see cref="OperationTag"/>.
    /// </summary>
    public const string RequestsInstrument = "topnwords.batch.requests";

    /// <summary>
    /// Counter <c>topnwords.batch.retries</c> (unit <c>{retry}</c>): attempts after the first of a call, made by the
    /// workflow's resilience pipeline (the default one, or one set in <see cref="BatchWorkflowOptions.Resilience"/>). The
    /// retries an Azure SDK client makes inside one attempt are its own. Tags <see cref="BackendTag"/> and <see cref="OperationTag"/>.
    /// </summary>
    public const string RetriesInstrument = "topnwords.batch.retries";

    /// <summary>
    /// Counter <c>topnwords.batch.errors</c> (unit <c>{error}</c>): failed attempts of storage and compute calls, retried
    /// ones included (a read of a run record that is not there yet is an answer, not an error). Tags <see cref="ErrorTypeTag"/>
    /// (the <see cref="Compute.BatchComputeErrorKind"/> or <see cref="Storage.BlobStorageErrorKind"/>, or the exception's type),
    /// <see cref="BackendTag"/> and <see cref="OperationTag"/>.
    /// </summary>
    public const string ErrorsInstrument = "topnwords.batch.errors";

    /// <summary>
    /// Counter <c>topnwords.batch.bytes.staged</c> (unit <c>By</c>): bytes of application files and inputs uploaded to
    /// storage (files that storage already held with the same content are skipped and not counted).
    /// </summary>
    public const string BytesStagedInstrument = "topnwords.batch.bytes.staged";

    /// <summary>Counter <c>topnwords.batch.bytes.downloaded</c> (unit <c>By</c>): bytes of task outputs downloaded.</summary>
    public const string BytesDownloadedInstrument = "topnwords.batch.bytes.downloaded";

    /// <summary>Tag <c>topnwords.run.id</c>: the run id.</summary>
    public const string RunIdTag = "topnwords.run.id";

    /// <summary>Tag <c>topnwords.run.mode</c>: <c>run</c>, <c>submit</c>, <c>attach</c> or <c>cancel</c>.</summary>
    public const string RunModeTag = "topnwords.run.mode";

    /// <summary>Tag <c>topnwords.run.state</c>: how the run ended here (<see cref="BatchRunState"/>: <c>Succeeded</c>, <c>Failed</c>, <c>Cancelled</c>, or <c>Running</c> for a submit or a detach).</summary>
    public const string RunStateTag = "topnwords.run.state";

    /// <summary>Tag <c>topnwords.run.input_count</c>: the number of inputs (one task each).</summary>
    public const string InputCountTag = "topnwords.run.input_count";

    /// <summary>Tag <c>topnwords.pool.id</c>: the run's pool.</summary>
    public const string PoolIdTag = "topnwords.pool.id";

    /// <summary>Tag <c>topnwords.job.id</c>: the run's job.</summary>
    public const string JobIdTag = "topnwords.job.id";

    /// <summary>Tag <c>topnwords.stage</c>: the stage (<see cref="BatchRunStage"/>).</summary>
    public const string StageTag = "topnwords.stage";

    /// <summary>Tag <c>topnwords.backend</c>: <c>storage</c> or <c>compute</c>.</summary>
    public const string BackendTag = "topnwords.backend";

    /// <summary>Tag <c>topnwords.operation</c>: the operation, named after the method of the storage or compute interface (such as <c>UploadFile</c> or <c>GetTaskCounts</c>).</summary>
    public const string OperationTag = "topnwords.operation";

    /// <summary>Tag <c>topnwords.operation.description</c> (spans only): what the call did, naming its resource, such as <c>upload blob 'a.txt' to container 'c'</c>.</summary>
    public const string OperationDescriptionTag = "topnwords.operation.description";

    /// <summary>Tag <c>topnwords.attempts</c> (spans only): how many attempts the call took.</summary>
    public const string AttemptsTag = "topnwords.attempts";

    /// <summary>Tag <c>topnwords.task.outcome</c>: <c>succeeded</c> or <c>failed</c>.</summary>
    public const string TaskOutcomeTag = "topnwords.task.outcome";

    /// <summary>Tag <c>error.type</c> (OpenTelemetry semantic conventions): the kind of a failure, never its message.</summary>
    public const string ErrorTypeTag = "error.type";

    /// <summary>Tag <c>az.service_request_id</c> (OpenTelemetry semantic conventions for Azure): the request id the service answered with (<c>x-ms-request-id</c> or <c>request-id</c>).</summary>
    public const string ServiceRequestIdTag = "az.service_request_id";

    /// <summary>Tag <c>az.client_request_id</c> (OpenTelemetry semantic conventions for Azure): the request id the client sent (<c>x-ms-client-request-id</c> or <c>client-request-id</c>).</summary>
    public const string ClientRequestIdTag = "az.client_request_id";

    /// <summary>Tag <c>server.address</c> (OpenTelemetry semantic conventions): the host the request went to.</summary>
    public const string ServerAddressTag = "server.address";
}
