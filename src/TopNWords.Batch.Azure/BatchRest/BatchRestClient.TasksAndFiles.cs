using Azure;
using Azure.Core;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Azure.BatchRest.Serialization;

namespace TopNWords.Batch.Azure.BatchRest;

/// <content>Single tasks (add, delete, terminate), task and node file listings, and single nodes.</content>
public partial class BatchRestClient
{
    /// <summary>
    /// Adds one task to a job (<c>POST /jobs/{jobId}/tasks</c>; 201). The service answers <c>TaskExists</c> (409) for an
    /// id the job has already (ids are case-insensitive), <c>JobCompleted</c> or <c>JobBeingTerminated</c> (409) for a
    /// job that takes no more tasks; to add many tasks, use <see cref="AddTaskCollectionAsync"/>.
    /// </summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="task">The task to add.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the service added the task.</returns>
    public virtual async Task CreateTaskAsync(string jobId, BatchTaskCreateContent task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentNullException.ThrowIfNull(task);
        using HttpMessage message = _requests.CreateMessage(RequestMethod.Post, ["jobs", jobId, "tasks"], json: true);
        BatchRequestFactory.SetJsonBody(message, task, BatchJsonContext.Default.BatchTaskCreateContent);
        await _sender.SendAsync(message, "Add task to job", jobId + "/" + task.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes a task (<c>DELETE /jobs/{jobId}/tasks/{taskId}</c>; 200): a running task is stopped, and the task's
    /// files on its node are deleted with it.
    /// </summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="taskId">The task id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the service deleted the task.</returns>
    public virtual async Task DeleteTaskAsync(string jobId, string taskId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentNullException.ThrowIfNull(taskId);
        using HttpMessage message = _requests.CreateMessage(RequestMethod.Delete, ["jobs", jobId, "tasks", taskId], json: true);
        await _sender.SendAsync(message, "Delete task", jobId + "/" + taskId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Terminates a task (<c>POST /jobs/{jobId}/tasks/{taskId}/terminate</c>; 204): it moves to the completed state,
    /// as failed with failure code <c>TaskEnded</c>; a running task is stopped first.
    /// </summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="taskId">The task id.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>A task that completes when the service terminated the task.</returns>
    public virtual async Task TerminateTaskAsync(string jobId, string taskId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentNullException.ThrowIfNull(taskId);
        using HttpMessage message = _requests.CreateMessage(RequestMethod.Post, ["jobs", jobId, "tasks", taskId, "terminate"], json: true);
        await _sender.SendAsync(message, "Terminate task", jobId + "/" + taskId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists the files in a task's folder on its node (<c>GET /jobs/{jobId}/tasks/{taskId}/files</c>).</summary>
    /// <param name="jobId">The job id.</param>
    /// <param name="taskId">The task id.</param>
    /// <param name="recursive">Whether to list the contents of subfolders too (sent as <c>recursive</c>); <see langword="null"/> for the service's default (not recursive).</param>
    /// <param name="filter">An OData <c>$filter</c> on the name, such as <c>startswith(name, 'wd/')</c>.</param>
    /// <param name="maxResults">The most files per page (the service allows up to 1000).</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The files and folders, fetched page by page.</returns>
    public virtual AsyncPageable<BatchNodeFile> ListTaskFilesAsync(string jobId, string taskId, bool? recursive = null, string? filter = null, int? maxResults = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobId);
        ArgumentNullException.ThrowIfNull(taskId);
        return _pager.List(
            "List files of task",
            jobId + "/" + taskId,
            ["jobs", jobId, "tasks", taskId, "files"],
            [("$filter", filter), ("recursive", BooleanQuery(recursive))],
            maxResults,
            BatchJsonContext.Default.BatchPageBatchNodeFile,
            cancellationToken);
    }

    /// <summary>Lists the files on a compute node (<c>GET /pools/{poolId}/nodes/{nodeId}/files</c>), from its root folder.</summary>
    /// <param name="poolId">The pool id.</param>
    /// <param name="nodeId">The node id.</param>
    /// <param name="recursive">Whether to list the contents of subfolders too (sent as <c>recursive</c>); <see langword="null"/> for the service's default (not recursive).</param>
    /// <param name="filter">An OData <c>$filter</c> on the name, such as <c>startswith(name, 'startup/')</c>.</param>
    /// <param name="maxResults">The most files per page (the service allows up to 1000).</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The files and folders, fetched page by page.</returns>
    public virtual AsyncPageable<BatchNodeFile> ListNodeFilesAsync(string poolId, string nodeId, bool? recursive = null, string? filter = null, int? maxResults = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(poolId);
        ArgumentNullException.ThrowIfNull(nodeId);
        return _pager.List(
            "List files of node",
            poolId + "/" + nodeId,
            ["pools", poolId, "nodes", nodeId, "files"],
            [("$filter", filter), ("recursive", BooleanQuery(recursive))],
            maxResults,
            BatchJsonContext.Default.BatchPageBatchNodeFile,
            cancellationToken);
    }

    /// <summary>Gets a compute node (<c>GET /pools/{poolId}/nodes/{nodeId}</c>).</summary>
    /// <param name="poolId">The pool id.</param>
    /// <param name="nodeId">The node id.</param>
    /// <param name="select">An OData <c>$select</c>, such as <c>id,state,startTaskInfo</c>; <see langword="null"/> for every property.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The node.</returns>
    public virtual async Task<BatchNode> GetNodeAsync(string poolId, string nodeId, string? select = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(poolId);
        ArgumentNullException.ThrowIfNull(nodeId);
        using HttpMessage message = _requests.CreateMessage(RequestMethod.Get, ["pools", poolId, "nodes", nodeId], json: true);
        if (select is not null)
        {
            message.Request.Uri.AppendQuery("$select", select, escapeValue: true);
        }

        return await _sender.SendAsync(message, BatchJsonContext.Default.BatchNode, "Get node", poolId + "/" + nodeId, cancellationToken).ConfigureAwait(false);
    }

    private static string? BooleanQuery(bool? value) => value switch
    {
        true => "true",
        false => "false",
        null => null,
    };
}
