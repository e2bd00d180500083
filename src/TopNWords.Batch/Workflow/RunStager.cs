using TopNWords.Batch.Storage;

namespace TopNWords.Batch;

/// <summary>
/// The <see cref="BatchRunStage.Staging"/> stage of a run: creates the run's containers, uploads the application
/// and the inputs (skipping what storage already holds), and issues the URLs the tasks use: a read URL per
/// application file and per input, and a write URL for the output container.
/// </summary>
internal sealed class RunStager
{
    private readonly WorkflowContext _context;

    public RunStager(WorkflowContext context)
    {
        _context = context;
    }

    /// <summary>Stages the run; records its containers and URLs on <paramref name="run"/>.</summary>
    /// <param name="run">The run.</param>
    /// <param name="alreadyStaged">Whether an earlier process of this run staged it completely: then only the URLs are issued.</param>
    /// <param name="cancellationToken">Cancels staging.</param>
    public async Task StageAsync(RunState run, bool alreadyStaged, CancellationToken cancellationToken)
    {
        _context.Report(run, BatchRunStage.Staging);
        var storage = _context.Storage;
        var names = run.Names;
        var definition = run.Definition;
        await _context.RunWithTimeoutAsync(
            run,
            nameof(WorkflowTimeouts.Staging),
            definition.Timeouts.Staging,
            async ct =>
            {
                await UploadAsync(run, alreadyStaged, ct).ConfigureAwait(false);
                await IssueUrlsAsync(run, ct).ConfigureAwait(false);
            },
            () => $"while staging {definition.Inputs.Count} input(s) in storage '{storage.DisplayName}'",
            cancellationToken).ConfigureAwait(false);
    }

    private async Task UploadAsync(RunState run, bool alreadyStaged, CancellationToken ct)
    {
        var storage = _context.Storage;
        var names = run.Names;
        var definition = run.Definition;
        var created = new HashSet<string>(StringComparer.Ordinal);
        foreach (string container in new[] { names.ApplicationContainer, names.InputContainer, names.OutputContainer })
        {
            run.Containers.Add(container);
            if (alreadyStaged)
            {
                continue;
            }

            if (await _context.CallAsync(run, WorkflowOperation.CreateContainer, $"create container '{container}'", token => storage.CreateContainerIfNotExistsAsync(container, token), ct).ConfigureAwait(false))
            {
                created.Add(container);
            }
        }

        if (alreadyStaged)
        {
            return;
        }

        var uploads = definition.Application.Files.Select(f => (names.ApplicationContainer, f.RelativePath, f.LocalPath))
            .Concat(definition.Inputs.Select(i => (names.InputContainer, i.Name, i.FilePath)))
            .ToList();
        int skipped = 0;
        // A container this run just created is empty: its blobs are sent without first asking for what is there (one
        // request per file instead of two). In one that existed (a resumed run), what an earlier process sent is skipped.
        var freshUpload = new BlobStorageUploadOptions();
        var uploadOptions = new BlobStorageUploadOptions { SkipIfContentMatches = true };
        await Parallel.ForEachAsync(
            uploads,
            new ParallelOptions { MaxDegreeOfParallelism = _context.Options.MaxParallelTransfers, CancellationToken = ct },
            async (u, token) =>
            {
                var outcome = await _context.CallAsync(run, WorkflowOperation.UploadFile, $"upload blob '{u.Item2}' to container '{u.Item1}'", t => storage.UploadFileAsync(u.Item1, u.Item2, u.Item3, created.Contains(u.Item1) ? freshUpload : uploadOptions, t), token).ConfigureAwait(false);
                if (outcome == BlobUploadResult.Skipped)
                {
                    Interlocked.Increment(ref skipped);
                }
                else if (_context.Telemetry.CountsBytesStaged)
                {
                    _context.Telemetry.Staged(new FileInfo(u.Item3).Length);
                }
            }).ConfigureAwait(false);
        WorkflowLog.Staged(_context.Logger, names.RunId, uploads.Count - skipped, skipped);
        await UploadReduceListsAsync(run, ct).ConfigureAwait(false);
    }

    /// <summary>Uploads each reduce task's list file (the intermediate files it reads, in input order) into the output container.</summary>
    private async Task UploadReduceListsAsync(RunState run, CancellationToken ct)
    {
        if (run.ReducePlan is not { } plan)
        {
            return;
        }

        string container = run.Names.OutputContainer;
        var uploadOptions = new BlobStorageUploadOptions { SkipIfContentMatches = true, ContentType = "text/plain; charset=utf-8" };
        await Parallel.ForEachAsync(
            plan.Tasks,
            new ParallelOptions { MaxDegreeOfParallelism = _context.Options.MaxParallelTransfers, CancellationToken = ct },
            async (task, token) =>
            {
                byte[] content = System.Text.Encoding.UTF8.GetBytes(plan.ListFileOf(task));
                string blob = ReducePlan.ListBlobOf(task);
                await _context.CallAsync(
                    run,
                    WorkflowOperation.Upload,
                    $"upload blob '{blob}' to container '{container}'",
                    async t =>
                    {
                        using var stream = new MemoryStream(content, writable: false);
                        return await _context.Storage.UploadAsync(container, blob, stream, uploadOptions, t).ConfigureAwait(false);
                    },
                    token).ConfigureAwait(false);
            }).ConfigureAwait(false);
    }

    private async Task IssueUrlsAsync(RunState run, CancellationToken ct)
    {
        var storage = _context.Storage;
        var names = run.Names;
        var definition = run.Definition;
        var t = definition.Timeouts;
        var expiresOn = _context.Time.GetUtcNow() + t.PoolReady + t.TasksComplete + t.Download + _context.Options.UrlExpiryMargin;
        run.UrlsExpireOn = expiresOn; // the inputs' read URLs are issued with their tasks (TaskMonitor), with the same expiry
        foreach (var file in definition.Application.Files)
        {
            run.ApplicationUrls.Add((file, await _context.CallAsync(run, WorkflowOperation.GetBlobReadUrl, $"issue a read URL for blob '{file.RelativePath}'", t => storage.GetBlobReadUrlAsync(names.ApplicationContainer, file.RelativePath, expiresOn, t), ct).ConfigureAwait(false)));
        }

        if (run.ReducePlan is { } plan)
        {
            string output = names.OutputContainer;
            run.OutputContainerReadUrl = await _context.CallAsync(run, WorkflowOperation.GetContainerReadUrl, $"issue a read URL for container '{output}'", t => storage.GetContainerReadUrlAsync(output, expiresOn, t), ct).ConfigureAwait(false);
            foreach (var task in plan.Tasks)
            {
                string blob = ReducePlan.ListBlobOf(task);
                run.ReduceListUrls[task.Id] = await _context.CallAsync(run, WorkflowOperation.GetBlobReadUrl, $"issue a read URL for blob '{blob}'", t => storage.GetBlobReadUrlAsync(output, blob, expiresOn, t), ct).ConfigureAwait(false);
            }
        }

        run.OutputContainerUrl = await _context.CallAsync(run, WorkflowOperation.GetContainerWriteUrl, $"issue a write URL for container '{names.OutputContainer}'", t => storage.GetContainerWriteUrlAsync(names.OutputContainer, expiresOn, t), ct).ConfigureAwait(false);
    }

    /// <summary>Issues the read URL of an input's blob (staged by <see cref="StageAsync"/>), with the expiry of the run's other URLs.</summary>
    /// <param name="context">The workflow's context.</param>
    /// <param name="run">The run.</param>
    /// <param name="input">The input.</param>
    /// <param name="ct">Cancels the call.</param>
    /// <returns>The URL.</returns>
    public static Task<Uri> IssueInputUrlAsync(WorkflowContext context, RunState run, BatchInput input, CancellationToken ct) =>
        context.CallAsync(run, WorkflowOperation.GetBlobReadUrl, $"issue a read URL for blob '{input.Name}'", t => context.Storage.GetBlobReadUrlAsync(run.Names.InputContainer, input.Name, run.UrlsExpireOn, t), ct);
}
