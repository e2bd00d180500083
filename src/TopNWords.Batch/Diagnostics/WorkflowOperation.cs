namespace TopNWords.Batch;

/// <summary>
/// A kind of storage or compute call the workflow makes: its backend and its name (the method of <see cref="Storage.IBlobStorage"/>
/// or <see cref="Compute.IBatchCompute"/>), low in cardinality, for span names and metric tags. The call's description (which
/// names its resource) goes along separately.
/// </summary>
internal sealed class WorkflowOperation
{
    public const string StorageBackend = "storage";
    public const string ComputeBackend = "compute";

    public static readonly WorkflowOperation CreateContainer = Storage(nameof(CreateContainer));
    public static readonly WorkflowOperation UploadFile = Storage(nameof(UploadFile));
    public static readonly WorkflowOperation GetBlobReadUrl = Storage(nameof(GetBlobReadUrl));
    public static readonly WorkflowOperation GetContainerWriteUrl = Storage(nameof(GetContainerWriteUrl));
    public static readonly WorkflowOperation GetContainerReadUrl = Storage(nameof(GetContainerReadUrl));
    public static readonly WorkflowOperation Upload = Storage(nameof(Upload));
    public static readonly WorkflowOperation ListBlobs = Storage(nameof(ListBlobs));
    public static readonly WorkflowOperation DownloadToFile = Storage(nameof(DownloadToFile));
    public static readonly WorkflowOperation DeleteContainer = Storage(nameof(DeleteContainer));
    public static readonly WorkflowOperation ListContainers = Storage(nameof(ListContainers));

    /// <summary>A read of a run record: NotFound is an answer (no such record yet), not an error.</summary>
    public static readonly WorkflowOperation ReadRecord = new(StorageBackend, nameof(ReadRecord), notFoundIsAnswer: true);
    public static readonly WorkflowOperation WriteRecord = Storage(nameof(WriteRecord));

    public static readonly WorkflowOperation PreflightPool = Compute(nameof(PreflightPool));
    public static readonly WorkflowOperation GetPool = Compute(nameof(GetPool));
    public static readonly WorkflowOperation CreatePool = Compute(nameof(CreatePool));
    public static readonly WorkflowOperation WaitForPoolReady = Compute(nameof(WaitForPoolReady));
    public static readonly WorkflowOperation CreateJob = Compute(nameof(CreateJob));
    public static readonly WorkflowOperation AddTasks = Compute(nameof(AddTasks));
    public static readonly WorkflowOperation GetTaskCounts = Compute(nameof(GetTaskCounts));
    public static readonly WorkflowOperation ListTasks = Compute(nameof(ListTasks));
    public static readonly WorkflowOperation GetTaskOutputTail = Compute(nameof(GetTaskOutputTail));
    public static readonly WorkflowOperation TerminateJob = Compute(nameof(TerminateJob));
    public static readonly WorkflowOperation DeleteJob = Compute(nameof(DeleteJob));
    public static readonly WorkflowOperation DeletePool = Compute(nameof(DeletePool));
    public static readonly WorkflowOperation ListPools = Compute(nameof(ListPools));
    public static readonly WorkflowOperation ListJobs = Compute(nameof(ListJobs));

    private WorkflowOperation(string backend, string name, bool notFoundIsAnswer = false)
    {
        Backend = backend;
        Name = name;
        NotFoundIsAnswer = notFoundIsAnswer;
        DisplayName = $"{backend} {name}";
    }

    /// <summary>Gets the backend: <see cref="StorageBackend"/> or <see cref="ComputeBackend"/>.</summary>
    public string Backend { get; }

    /// <summary>Gets the operation's name, such as <c>UploadFile</c>.</summary>
    public string Name { get; }

    /// <summary>Gets the display name of the call's span, such as <c>storage UploadFile</c>.</summary>
    public string DisplayName { get; }

    /// <summary>Gets a value indicating whether NotFound answers the call rather than failing it.</summary>
    public bool NotFoundIsAnswer { get; }

    private static WorkflowOperation Storage(string name) => new(StorageBackend, name);

    private static WorkflowOperation Compute(string name) => new(ComputeBackend, name);
}
