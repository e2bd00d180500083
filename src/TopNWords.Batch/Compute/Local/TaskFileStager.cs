using Microsoft.Extensions.Logging;
using TopNWords.Batch.Internal;
using TopNWords.Batch.Transfer;

namespace TopNWords.Batch.Compute.Local;

/// <summary>
/// Moves a task's files as a Batch node does: fetches resource files into the working folder (refusing paths
/// that lead outside it) and uploads output files by pattern and upload condition. Failures come back as
/// Batch's <see cref="TaskFailureInfo"/>, with URLs redacted.
/// </summary>
internal sealed class TaskFileStager
{
    /// <summary>Batch's default mode for resource files on Linux nodes (0770).</summary>
    private const UnixFileMode ResourceFileMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute;

    /// <summary>How many blobs of one container resource file are downloaded at a time.</summary>
    private const int MaxParallelBlobDownloads = 8;

    private readonly IUrlTransfer _transfer;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="TaskFileStager"/> class.</summary>
    /// <param name="transfer">Fetches and uploads the files.</param>
    /// <param name="logger">The logger.</param>
    public TaskFileStager(IUrlTransfer transfer, ILogger logger)
    {
        _transfer = transfer;
        _logger = logger;
    }

    /// <summary>Fetches resource files into a working folder, in order; stops at the first failure.</summary>
    /// <param name="files">The resource files.</param>
    /// <param name="workingDirectory">The working folder (their paths are relative to it).</param>
    /// <param name="what">What they belong to, for messages (<c>task 'x' of job 'y'</c>).</param>
    /// <param name="stop">Stops the fetch (it then throws <see cref="OperationCanceledException"/>).</param>
    /// <returns>The failure, or <see langword="null"/> when every file is in place.</returns>
    public async Task<TaskFailureInfo?> FetchResourceFilesAsync(IReadOnlyList<ResourceFile> files, string workingDirectory, string what, CancellationToken stop)
    {
        foreach (var file in files)
        {
            if (file.StorageContainerUrl is { } containerUrl)
            {
                if (await FetchContainerAsync(file, containerUrl, workingDirectory, what, stop).ConfigureAwait(false) is { } containerFailure)
                {
                    LocalComputeLog.ResourceFileFailed(_logger, what, containerFailure.Code, containerFailure.Message);
                    return containerFailure;
                }

                continue;
            }

            var httpUrl = file.HttpUrl!;
            string? problem = CheckResourceFilePath(file.FilePath);
            string target = string.Empty;
            if (problem is null)
            {
                target = Path.GetFullPath(Path.Combine(workingDirectory, file.FilePath));
                if (!IsInside(target, workingDirectory))
                {
                    problem = "its file path leads outside the working directory";
                }
            }

            TaskFailureInfo? failure = null;
            if (problem is not null)
            {
                failure = new TaskFailureInfo(LocalCommandRunner.UserError, BatchErrorCodes.BlobDownloadMiscError, $"Resource file '{file.FilePath}' of {what} was refused: {problem}.");
            }
            else
            {
                try
                {
                    if (PrepareDestination(workingDirectory, target) is { } linkProblem)
                    {
                        failure = new TaskFailureInfo(LocalCommandRunner.UserError, BatchErrorCodes.BlobDownloadMiscError, $"Resource file '{file.FilePath}' of {what} was refused: {linkProblem}.");
                    }
                    else
                    {
                        await _transfer.DownloadAsync(httpUrl, target, stop).ConfigureAwait(false);
                        if (!OperatingSystem.IsWindows())
                        {
                            File.SetUnixFileMode(target, ResourceFileMode);
                        }
                    }
                }
                catch (UrlTransferException ex)
                {
                    string code = ex.Kind switch
                    {
                        UrlTransferErrorKind.NotFound => BatchErrorCodes.BlobNotFound,
                        UrlTransferErrorKind.Forbidden => BatchErrorCodes.BlobAccessDenied,
                        _ => BatchErrorCodes.BlobDownloadMiscError,
                    };
                    failure = new TaskFailureInfo(LocalCommandRunner.UserError, code, $"Resource file '{file.FilePath}' of {what} could not be downloaded from {SecretRedaction.Redact(httpUrl)}: {SecretRedaction.RedactText(ex.Message)}");
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                    failure = new TaskFailureInfo(LocalCommandRunner.UserError, BatchErrorCodes.BlobDownloadTimedOut, $"Resource file '{file.FilePath}' of {what} timed out downloading from {SecretRedaction.Redact(httpUrl)}.");
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or HttpRequestException)
                {
                    failure = new TaskFailureInfo(LocalCommandRunner.UserError, BatchErrorCodes.BlobDownloadMiscError, $"Resource file '{file.FilePath}' of {what} could not be written: {SecretRedaction.RedactText(ex.Message)}");
                }
            }

            if (failure is not null)
            {
                LocalComputeLog.ResourceFileFailed(_logger, what, failure.Code, failure.Message);
                return failure;
            }
        }

        return null;
    }

    /// <summary>
    /// Fetches a container resource file as a Batch node does: every blob whose name starts with the prefix, to
    /// <c>filePath/&lt;blob name&gt;</c> (the folder is created even when no blob matches), several at a time. A blob
    /// whose path would leave the working folder (<c>..</c>, a link) fails the attempt naming the blob. Messages name the
    /// container without its URL's query.
    /// </summary>
    private async Task<TaskFailureInfo?> FetchContainerAsync(ResourceFile file, Uri containerUrl, string workingDirectory, string what, CancellationToken stop)
    {
        string container = containerUrl.GetLeftPart(UriPartial.Path);
        string source = file.BlobPrefix is null ? $"container {container}" : $"container {container} (prefix '{file.BlobPrefix}')";
        TaskFailureInfo Refused(string problem) =>
            new(LocalCommandRunner.UserError, BatchErrorCodes.BlobDownloadMiscError, $"Resource files from {source} of {what} were refused: {problem}.");

        string folder = workingDirectory;
        if (file.FilePath.Length > 0)
        {
            if (CheckResourceFilePath(file.FilePath) is { } pathProblem)
            {
                return Refused(pathProblem.Replace("must name a file", "must name a folder", StringComparison.Ordinal));
            }

            folder = Path.GetFullPath(Path.Combine(workingDirectory, file.FilePath));
            if (!IsInside(folder, workingDirectory))
            {
                return Refused("its file path leads outside the working directory");
            }
        }

        TaskFailureInfo? failure = null;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
        try
        {
            if (!ReferenceEquals(folder, workingDirectory))
            {
                if (PrepareDestination(workingDirectory, folder) is { } folderProblem)
                {
                    return Refused(folderProblem);
                }

                Directory.CreateDirectory(folder);
            }

            var blobs = _transfer.ListBlobsAsync(containerUrl, file.BlobPrefix, cancel.Token);
            var options = new ParallelOptions { MaxDegreeOfParallelism = MaxParallelBlobDownloads, CancellationToken = cancel.Token };
            await Parallel.ForEachAsync(blobs, options, async (blobName, ct) =>
            {
                if (await FetchBlobAsync(blobName, ct).ConfigureAwait(false) is { } blobFailure)
                {
                    lock (cancel)
                    {
                        failure ??= blobFailure;
                    }

                    await cancel.CancelAsync().ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (failure is not null)
        {
            // A blob failed and stopped the others.
        }
        catch (UrlTransferException ex)
        {
            failure ??= new TaskFailureInfo(LocalCommandRunner.UserError, TransferCode(ex.Kind), $"Resource files from {source} of {what} could not be listed: {SecretRedaction.RedactText(ex.Message)} The container URL must grant read and list (a container SAS with 'rl') and not have expired.");
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            failure ??= new TaskFailureInfo(LocalCommandRunner.UserError, BatchErrorCodes.BlobDownloadTimedOut, $"Resource files from {source} of {what} timed out.");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or HttpRequestException)
        {
            failure ??= new TaskFailureInfo(LocalCommandRunner.UserError, BatchErrorCodes.BlobDownloadMiscError, $"Resource files from {source} of {what} could not be written: {SecretRedaction.RedactText(ex.Message)}");
        }

        return failure;

        async Task<TaskFailureInfo?> FetchBlobAsync(string blobName, CancellationToken ct)
        {
            string? problem = CheckBlobName(blobName);
            string target = string.Empty;
            if (problem is null)
            {
                target = Path.GetFullPath(Path.Combine(folder, blobName.Replace('/', Path.DirectorySeparatorChar)));
                if (!IsInside(target, workingDirectory))
                {
                    problem = "its path leads outside the working directory";
                }
            }

            problem ??= PrepareDestination(workingDirectory, target);
            if (problem is not null)
            {
                return new TaskFailureInfo(LocalCommandRunner.UserError, BatchErrorCodes.BlobDownloadMiscError, $"Blob '{blobName}' of {source} (a resource file of {what}) was refused: {problem}.");
            }

            try
            {
                await _transfer.DownloadAsync(UrlTransfer.BlobUrl(containerUrl, blobName), target, ct).ConfigureAwait(false);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(target, ResourceFileMode);
                }

                return null;
            }
            catch (UrlTransferException ex)
            {
                return new TaskFailureInfo(LocalCommandRunner.UserError, TransferCode(ex.Kind), $"Blob '{blobName}' of {source} (a resource file of {what}) could not be downloaded: {SecretRedaction.RedactText(ex.Message)}");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or HttpRequestException)
            {
                return new TaskFailureInfo(LocalCommandRunner.UserError, BatchErrorCodes.BlobDownloadMiscError, $"Blob '{blobName}' of {source} (a resource file of {what}) could not be written: {SecretRedaction.RedactText(ex.Message)}");
            }
        }
    }

    private static string TransferCode(UrlTransferErrorKind kind) => kind switch
    {
        UrlTransferErrorKind.NotFound => BatchErrorCodes.BlobNotFound,
        UrlTransferErrorKind.Forbidden => BatchErrorCodes.BlobAccessDenied,
        _ => BatchErrorCodes.BlobDownloadMiscError,
    };

    /// <summary>Why a listed blob's name cannot be a path under the resource file's folder, or <see langword="null"/>.</summary>
    private static string? CheckBlobName(string blobName)
    {
        if (string.IsNullOrEmpty(blobName) || blobName.Contains('\0', StringComparison.Ordinal))
        {
            return "its name cannot be a file name";
        }

        if (blobName[0] is '/' or '\\' || Path.IsPathRooted(blobName))
        {
            return "its name is an absolute path";
        }

        if (blobName.Split('/', '\\').Any(s => s is ".." or "."))
        {
            return "its name contains a '..' or '.' segment";
        }

        if (blobName[^1] is '/' or '\\')
        {
            return "its name ends with '/' (a folder marker, not a file)";
        }

        return null;
    }

    /// <summary>Uploads a task's output files whose condition matches; returns the first failure.</summary>
    /// <param name="jobId">The task's job.</param>
    /// <param name="definition">The task.</param>
    /// <param name="taskDirectory">The task's folder on the node it ran on (patterns are matched in its working folder).</param>
    /// <param name="succeeded">Whether the task succeeded (for the upload conditions).</param>
    /// <param name="stop">Stops the uploads (they then throw <see cref="OperationCanceledException"/>).</param>
    /// <returns>The first failure, or <see langword="null"/> when every upload succeeded.</returns>
    public async Task<TaskFailureInfo?> UploadOutputsAsync(string jobId, TaskDefinition definition, string taskDirectory, bool succeeded, CancellationToken stop)
    {
        if (definition.OutputFiles.Count == 0)
        {
            return null;
        }

        string workingDirectory = Path.Combine(taskDirectory, LocalCommandRunner.WorkingDirectoryName);
        TaskFailureInfo? first = null;
        foreach (var output in definition.OutputFiles)
        {
            bool wanted = output.Condition switch
            {
                OutputUploadCondition.TaskSuccess => succeeded,
                OutputUploadCondition.TaskFailure => !succeeded,
                _ => true,
            };
            if (!wanted)
            {
                continue;
            }

            IReadOnlyList<OutputFileMatch> matches;
            var skippedLinks = new List<string>();
            try
            {
                matches = output.Pattern.Match(workingDirectory, skippedLinks);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                first ??= Report(new TaskFailureInfo(LocalCommandRunner.UserError, BatchErrorCodes.FileUploadMiscError, $"Output file pattern '{output.Pattern.Text}' of task '{definition.Id}' could not be matched: {ex.Message}"));
                continue;
            }

            foreach (string link in skippedLinks)
            {
                LocalComputeLog.OutputLinkSkipped(_logger, jobId, definition.Id, link, output.Pattern.Text);
            }

            foreach (var match in matches)
            {
                string blobName = output.Pattern.BlobName(match, output.Path);
                try
                {
                    await _transfer.UploadAsync(output.ContainerUrl, blobName, match.FullPath, stop).ConfigureAwait(false);
                }
                catch (UrlTransferException ex)
                {
                    string code = ex.Kind switch
                    {
                        UrlTransferErrorKind.Forbidden => BatchErrorCodes.FileUploadAccessDenied,
                        UrlTransferErrorKind.NotFound => BatchErrorCodes.FileUploadContainerNotFound,
                        _ => BatchErrorCodes.FileUploadMiscError,
                    };
                    first ??= Report(new TaskFailureInfo(LocalCommandRunner.UserError, code, UploadMessage(match, blobName, output.ContainerUrl, ex.Message)));
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                    first ??= Report(new TaskFailureInfo(LocalCommandRunner.UserError, BatchErrorCodes.FileUploadMiscError, UploadMessage(match, blobName, output.ContainerUrl, "the upload timed out")));
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or HttpRequestException)
                {
                    first ??= Report(new TaskFailureInfo(LocalCommandRunner.UserError, BatchErrorCodes.FileUploadMiscError, UploadMessage(match, blobName, output.ContainerUrl, ex.Message)));
                }
            }
        }

        return first;

        string UploadMessage(OutputFileMatch match, string blobName, Uri container, string reason) =>
            $"Output file '{match.RelativePath}' of task '{definition.Id}' could not be uploaded as blob '{blobName}' to {SecretRedaction.Redact(container)}: {SecretRedaction.RedactText(reason)}";

        TaskFailureInfo Report(TaskFailureInfo failure)
        {
            LocalComputeLog.OutputUploadFailed(_logger, jobId, definition.Id, failure.Code, failure.Message);
            return failure;
        }
    }

    private static string? CheckResourceFilePath(string filePath)
    {
        if (string.IsNullOrWhiteSpace(filePath))
        {
            return "its file path is empty";
        }

        if (Path.IsPathRooted(filePath) || filePath[0] is '/' or '\\')
        {
            return "its file path must be relative to the working directory";
        }

        if (filePath.Split('/', '\\').Any(s => s == ".."))
        {
            return "its file path must not contain '..'";
        }

        if (filePath[^1] is '/' or '\\' || filePath.Contains('\0', StringComparison.Ordinal))
        {
            return "its file path must name a file";
        }

        return null;
    }

    /// <summary>
    /// Makes sure that writing a resource file cannot leave the working folder through a link an earlier attempt
    /// left there (the folder is kept across retries, as on a Batch node): every existing folder on the way must
    /// resolve inside the working folder, and a link in place of the file itself is removed (never its target), so
    /// the download creates a plain file.
    /// </summary>
    /// <param name="workingDirectory">The working folder (a real folder: see <see cref="LocalCommandRunner"/>).</param>
    /// <param name="target">The file's full path, lexically inside the working folder.</param>
    /// <returns>Why the file is refused, or <see langword="null"/> when it can be written.</returns>
    private static string? PrepareDestination(string workingDirectory, string target)
    {
        if (ConfinedPath.Resolve(workingDirectory) is not { } boundary)
        {
            return "the working directory is missing";
        }

        string[] names = Path.GetRelativePath(workingDirectory, target).Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        string current = workingDirectory;
        for (int i = 0; i < names.Length; i++)
        {
            current = Path.Join(current, names[i]);
            if (new FileInfo(current).LinkTarget is null)
            {
                if (!Path.Exists(current))
                {
                    return null; // the rest of the path is created afresh
                }

                continue;
            }

            if (i == names.Length - 1)
            {
                LocalFolders.RemoveLink(current);
                return null;
            }

            if (ConfinedPath.ResolveInside(current, boundary, out bool outside) is null)
            {
                string folder = string.Join('/', names, 0, i + 1);
                return outside
                    ? $"its path goes through '{folder}', a symbolic link that leads outside the working directory"
                    : $"its path goes through '{folder}', a symbolic link whose target does not exist";
            }
        }

        return null;
    }

    private static bool IsInside(string path, string folder) =>
        path.StartsWith(Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
