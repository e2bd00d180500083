namespace TopNWords.Batch.Emulator.Protocol;

/// <summary>Endpoint metadata: the Batch operation (its swagger operation id) an endpoint serves, or an admin operation.</summary>
/// <param name="Name">The operation id, such as <c>Tasks_ListTasks</c>, or <c>Admin_*</c>.</param>
/// <param name="IsAdmin">Whether it is an emulator-only admin operation (authenticated, but never faulted and needing no api-version).</param>
internal sealed record BatchOperation(string Name, bool IsAdmin = false)
{
    public const string ListSupportedImages = "Pools_ListSupportedImages";
    public const string PoolExists = "Pools_PoolExists";
    public const string GetPool = "Pools_GetPool";
    public const string CreatePool = "Pools_CreatePool";
    public const string DeletePool = "Pools_DeletePool";
    public const string ListNodes = "Nodes_ListNodes";
    public const string GetNodeFile = "Nodes_GetNodeFile";
    public const string GetNodeFileProperties = "Nodes_GetNodeFileProperties";
    public const string CreateJob = "Jobs_CreateJob";
    public const string GetJob = "Jobs_GetJob";
    public const string DeleteJob = "Jobs_DeleteJob";
    public const string TerminateJob = "Jobs_TerminateJob";
    public const string GetJobTaskCounts = "Jobs_GetJobTaskCounts";
    public const string CreateTaskCollection = "Tasks_CreateTaskCollection";
    public const string ListTasks = "Tasks_ListTasks";
    public const string GetTask = "Tasks_GetTask";
    public const string GetTaskFile = "Tasks_GetTaskFile";
    public const string GetTaskFileProperties = "Tasks_GetTaskFileProperties";
    public const string CreateTask = "Tasks_CreateTask";
    public const string DeleteTask = "Tasks_DeleteTask";
    public const string TerminateTask = "Tasks_TerminateTask";
    public const string ListTaskFiles = "Tasks_ListTaskFiles";
    public const string ListNodeFiles = "Nodes_ListNodeFiles";
    public const string GetNode = "Nodes_GetNode";
    public const string ListPools = "Pools_ListPools";
    public const string UpdatePool = "Pools_UpdatePool";
    public const string ListPoolNodeCounts = "Pools_ListPoolNodeCounts";
    public const string ListJobs = "Jobs_ListJobs";
    public const string UpdateJob = "Jobs_UpdateJob";

    /// <summary>The name requests that match no endpoint are counted under.</summary>
    public const string Unknown = "Unknown";
}
