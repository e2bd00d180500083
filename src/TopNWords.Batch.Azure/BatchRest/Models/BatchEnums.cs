using System.Text.Json.Serialization;
using TopNWords.Batch.Azure.BatchRest.Serialization;

namespace TopNWords.Batch.Azure.BatchRest.Models;

// Wire values are the member names in lower case (the service's spelling); reading is case-insensitive and
// a value this client does not know reads as Unknown. Unknown is never sent on purpose.

/// <summary>The state of a pool.</summary>
[JsonConverter(typeof(BatchEnumConverter<BatchPoolState>))]
public enum BatchPoolState
{
    /// <summary>A value this client does not know.</summary>
    Unknown = 0,

    /// <summary>The pool is available to run tasks.</summary>
    Active,

    /// <summary>The pool is being deleted.</summary>
    Deleting,
}

/// <summary>Whether a pool is resizing.</summary>
[JsonConverter(typeof(BatchEnumConverter<BatchAllocationState>))]
public enum BatchAllocationState
{
    /// <summary>A value this client does not know.</summary>
    Unknown = 0,

    /// <summary>Not resizing: the target node counts are reached, or a resize error stopped the resize.</summary>
    Steady,

    /// <summary>Nodes are being added or removed.</summary>
    Resizing,

    /// <summary>A resize is being stopped.</summary>
    Stopping,
}

/// <summary>The state of a compute node.</summary>
[JsonConverter(typeof(BatchEnumConverter<BatchNodeState>))]
public enum BatchNodeState
{
    /// <summary>The node's state is unknown (the service's own <c>unknown</c>, or a value this client does not know).</summary>
    Unknown = 0,

    /// <summary>Not running a task.</summary>
    Idle,

    /// <summary>Rebooting.</summary>
    Rebooting,

    /// <summary>Reimaging.</summary>
    Reimaging,

    /// <summary>Running one or more tasks.</summary>
    Running,

    /// <summary>Cannot be used for tasks because of errors.</summary>
    Unusable,

    /// <summary>The VM is being created.</summary>
    Creating,

    /// <summary>The Batch node agent is starting.</summary>
    Starting,

    /// <summary>The start task ran with <c>waitForSuccess</c> and has not completed yet.</summary>
    WaitingForStartTask,

    /// <summary>The start task failed (after its retries) with <c>waitForSuccess</c> set.</summary>
    StartTaskFailed,

    /// <summary>Leaving the pool.</summary>
    LeavingPool,

    /// <summary>Not running tasks and not available for new tasks.</summary>
    Offline,

    /// <summary>A Spot/low-priority node that was preempted.</summary>
    Preempted,

    /// <summary>Its OS is being upgraded.</summary>
    UpgradingOS,

    /// <summary>Deallocated.</summary>
    Deallocated,

    /// <summary>Being deallocated.</summary>
    Deallocating,
}

/// <summary>The state of a node's start task.</summary>
[JsonConverter(typeof(BatchEnumConverter<BatchStartTaskState>))]
public enum BatchStartTaskState
{
    /// <summary>A value this client does not know.</summary>
    Unknown = 0,

    /// <summary>Running.</summary>
    Running,

    /// <summary>Exited (with any exit code), or failed to start and has no retries left.</summary>
    Completed,
}

/// <summary>The state of a task.</summary>
[JsonConverter(typeof(BatchEnumConverter<BatchTaskState>))]
public enum BatchTaskState
{
    /// <summary>A value this client does not know.</summary>
    Unknown = 0,

    /// <summary>Queued, waiting for a node.</summary>
    Active,

    /// <summary>Assigned to a node, waiting for the job preparation task.</summary>
    Preparing,

    /// <summary>Running.</summary>
    Running,

    /// <summary>Completed: succeeded, failed (non-zero exit or failure info), or not retried any more.</summary>
    Completed,
}

/// <summary>The result of a task or start task execution.</summary>
[JsonConverter(typeof(BatchEnumConverter<BatchExecutionResult>))]
public enum BatchExecutionResult
{
    /// <summary>A value this client does not know.</summary>
    Unknown = 0,

    /// <summary>The task ran successfully.</summary>
    Success,

    /// <summary>The task failed: non-zero exit code, a resource file or output file error, or a timeout.</summary>
    Failure,
}

/// <summary>The category of a task failure.</summary>
[JsonConverter(typeof(BatchEnumConverter<BatchErrorCategory>))]
public enum BatchErrorCategory
{
    /// <summary>A value this client does not know.</summary>
    Unknown = 0,

    /// <summary>The error comes from the user (for example a non-zero exit code, a bad resource file URL).</summary>
    UserError,

    /// <summary>An internal server error.</summary>
    ServerError,
}

/// <summary>The outcome of adding one task in an add-task-collection request.</summary>
[JsonConverter(typeof(BatchEnumConverter<BatchTaskAddStatus>))]
public enum BatchTaskAddStatus
{
    /// <summary>A value this client does not know.</summary>
    Unknown = 0,

    /// <summary>The task was added.</summary>
    Success,

    /// <summary>The task was not added because of a client error (see its error; <c>TaskExists</c> is one).</summary>
    ClientError,

    /// <summary>The task was not added because of a server error; resending it may succeed.</summary>
    ServerError,
}

/// <summary>The state of a job.</summary>
[JsonConverter(typeof(BatchEnumConverter<BatchJobState>))]
public enum BatchJobState
{
    /// <summary>A value this client does not know.</summary>
    Unknown = 0,

    /// <summary>Tasks can be scheduled.</summary>
    Active,

    /// <summary>Being disabled.</summary>
    Disabling,

    /// <summary>Disabled.</summary>
    Disabled,

    /// <summary>Being enabled.</summary>
    Enabling,

    /// <summary>Being terminated.</summary>
    Terminating,

    /// <summary>Completed.</summary>
    Completed,

    /// <summary>Being deleted.</summary>
    Deleting,
}

/// <summary>What the service does when every task of a job is complete.</summary>
[JsonConverter(typeof(BatchEnumConverter<BatchOnAllTasksComplete>))]
public enum BatchOnAllTasksComplete
{
    /// <summary>A value this client does not know.</summary>
    Unknown = 0,

    /// <summary>Nothing: the job stays active until terminated.</summary>
    NoAction,

    /// <summary>Terminate the job.</summary>
    TerminateJob,
}

/// <summary>What a task's exit does to the tasks that depend on it (<c>dependencyAction</c>).</summary>
[JsonConverter(typeof(BatchEnumConverter<BatchDependencyAction>))]
public enum BatchDependencyAction
{
    /// <summary>A value this client does not know.</summary>
    Unknown = 0,

    /// <summary>The dependency is met: dependent tasks may run.</summary>
    Satisfy,

    /// <summary>The dependency is not met: dependent tasks stay active and never run.</summary>
    Block,
}

/// <summary>When an output file is uploaded.</summary>
[JsonConverter(typeof(BatchEnumConverter<BatchOutputFileUploadCondition>))]
public enum BatchOutputFileUploadCondition
{
    /// <summary>A value this client does not know.</summary>
    Unknown = 0,

    /// <summary>Only when the task exits with code 0.</summary>
    TaskSuccess,

    /// <summary>Only when the task exits with a non-zero code.</summary>
    TaskFailure,

    /// <summary>Whatever the exit code.</summary>
    TaskCompletion,
}

/// <summary>The operating system of an image.</summary>
[JsonConverter(typeof(BatchEnumConverter<BatchOSType>))]
public enum BatchOSType
{
    /// <summary>A value this client does not know.</summary>
    Unknown = 0,

    /// <summary>Linux.</summary>
    Linux,

    /// <summary>Windows.</summary>
    Windows,
}

/// <summary>Whether Azure Batch verified an image.</summary>
[JsonConverter(typeof(BatchEnumConverter<BatchImageVerificationType>))]
public enum BatchImageVerificationType
{
    /// <summary>A value this client does not know.</summary>
    Unknown = 0,

    /// <summary>Verified to work with Azure Batch.</summary>
    Verified,

    /// <summary>Not verified.</summary>
    Unverified,
}

/// <summary>The elevation level of an auto user.</summary>
[JsonConverter(typeof(BatchEnumConverter<BatchElevationLevel>))]
public enum BatchElevationLevel
{
    /// <summary>A value this client does not know.</summary>
    Unknown = 0,

    /// <summary>A standard user.</summary>
    NonAdmin,

    /// <summary>An administrator.</summary>
    Admin,
}

/// <summary>The scope of an auto user.</summary>
[JsonConverter(typeof(BatchEnumConverter<BatchAutoUserScope>))]
public enum BatchAutoUserScope
{
    /// <summary>A value this client does not know.</summary>
    Unknown = 0,

    /// <summary>A user unique to the task.</summary>
    Task,

    /// <summary>A user shared by every task on the node.</summary>
    Pool,
}

/// <summary>How tasks are spread over a pool's nodes.</summary>
[JsonConverter(typeof(BatchEnumConverter<BatchNodeFillType>))]
public enum BatchNodeFillType
{
    /// <summary>A value this client does not know.</summary>
    Unknown = 0,

    /// <summary>Evenly across nodes.</summary>
    Spread,

    /// <summary>Fill each node's slots before the next node.</summary>
    Pack,
}
