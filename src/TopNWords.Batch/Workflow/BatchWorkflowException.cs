namespace TopNWords.Batch;

/// <summary>
/// A run failed outside its tasks (staging, pool, job, adding tasks, monitoring). The message says what
/// failed, on which resource, and what to do. Cleanup has already run.
/// </summary>
public class BatchWorkflowException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="BatchWorkflowException"/> class.</summary>
    public BatchWorkflowException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BatchWorkflowException"/> class.</summary>
    /// <param name="message">The message.</param>
    public BatchWorkflowException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BatchWorkflowException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public BatchWorkflowException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BatchWorkflowException"/> class.</summary>
    /// <param name="stage">The stage that failed.</param>
    /// <param name="runId">The run id.</param>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public BatchWorkflowException(BatchRunStage stage, string runId, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Stage = stage;
        RunId = runId;
    }

    /// <summary>Gets the stage that failed.</summary>
    public BatchRunStage Stage { get; }

    /// <summary>Gets the run id.</summary>
    public string? RunId { get; }

    /// <summary>Gets what cleanup could not delete after the failure.</summary>
    public IReadOnlyList<string> CleanupFailures { get; internal set; } = [];
}

/// <summary>A named wait of the run ran out (see <see cref="WorkflowTimeouts"/>).</summary>
public class BatchTimeoutException : BatchWorkflowException
{
    /// <summary>Initializes a new instance of the <see cref="BatchTimeoutException"/> class.</summary>
    public BatchTimeoutException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BatchTimeoutException"/> class.</summary>
    /// <param name="message">The message.</param>
    public BatchTimeoutException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BatchTimeoutException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public BatchTimeoutException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BatchTimeoutException"/> class.</summary>
    /// <param name="stage">The stage whose wait ran out.</param>
    /// <param name="runId">The run id.</param>
    /// <param name="timeoutName">The name of the timeout, as in <see cref="WorkflowTimeouts"/> (e.g. <c>PoolReady</c>).</param>
    /// <param name="timeout">Its value.</param>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public BatchTimeoutException(BatchRunStage stage, string runId, string timeoutName, TimeSpan timeout, string message, Exception? innerException = null)
        : base(stage, runId, message, innerException)
    {
        TimeoutName = timeoutName;
        Timeout = timeout;
    }

    /// <summary>Gets the name of the timeout that ran out, as in <see cref="WorkflowTimeouts"/>.</summary>
    public string TimeoutName { get; } = string.Empty;

    /// <summary>Gets the timeout's value.</summary>
    public TimeSpan Timeout { get; }
}

/// <summary>The run store of the workflow's storage has no run of that id.</summary>
public class BatchRunNotFoundException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="BatchRunNotFoundException"/> class.</summary>
    public BatchRunNotFoundException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BatchRunNotFoundException"/> class.</summary>
    /// <param name="message">The message.</param>
    public BatchRunNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BatchRunNotFoundException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public BatchRunNotFoundException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="BatchRunNotFoundException"/> class naming the run and the storage.</summary>
    /// <param name="runId">The run id.</param>
    /// <param name="storage">The display name of the storage that was searched.</param>
    public BatchRunNotFoundException(string runId, string storage)
        : base($"Run '{runId}' has no record (container '{RunStore.ContainerOf(runId)}') in storage '{storage}'. Check the run id (ListRunsAsync lists the runs), and that this workflow uses the storage the run was submitted to.")
    {
        RunId = runId;
    }

    /// <summary>Gets the run id, when known.</summary>
    public string? RunId { get; }
}
