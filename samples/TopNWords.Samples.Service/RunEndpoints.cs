using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using TopNWords.Batch;

namespace TopNWords.Samples.Service;

/// <summary>The endpoints: <c>POST /runs</c>, <c>GET /runs/{id}</c>, <c>DELETE /runs/{id}</c> and <c>GET /runs</c>. They see the workflow only as <see cref="IBatchWorkflow"/>.</summary>
internal static class RunEndpoints
{
    private const int DefaultNumWords = 3;

    public static void MapRuns(this IEndpointRouteBuilder app)
    {
        var runs = app.MapGroup("/runs").WithTags("Runs");
        runs.MapPost("/", SubmitAsync)
            .WithName("SubmitRun")
            .WithSummary("Starts a word-count run")
            .WithDescription("JSON: input paths relative to the service's data folder. multipart/form-data: uploaded files (field 'files'), with optional fields 'numWords' and 'runId'. Answers once the run's tasks are added; the service then drives it to its end.")
            // One metadata with both types: routing matches on the last one (a second Accepts would refuse JSON with 415).
            .Accepts<SubmitRunRequest>("application/json", "multipart/form-data")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        runs.MapGet("/", ListAsync).WithName("ListRuns").WithSummary("Lists the service's runs, oldest first");
        runs.MapGet("/{id}", GetAsync)
            .WithName("GetRun")
            .WithSummary("Gets a run's state, stage, counts and, once it has ended, each input's top words")
            .ProducesProblem(StatusCodes.Status404NotFound);
        runs.MapDelete("/{id}", CancelAsync)
            .WithName("CancelRun")
            .WithSummary("Cancels a run (its tasks are stopped and what it made is deleted); a run that has ended is left as it is")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static async Task<Results<Accepted<RunAccepted>, ProblemHttpResult>> SubmitAsync(
        HttpRequest request, IBatchWorkflow workflow, RunBook book, RunDriver driver, DataFolder data, ServiceSettings settings, TaskApplication taskRunner, TimeProvider time)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        IReadOnlyList<string>? inputs = null;
        IFormFileCollection? files = null;
        string? numWordsText = null;
        int? numWords = null;
        string? runId;
        try
        {
            if (request.HasJsonContentType())
            {
                var body = await request.ReadFromJsonAsync<SubmitRunRequest>(cancellationToken).ConfigureAwait(false);
                if (body?.Inputs is not { Count: > 0 })
                {
                    return Bad("Give at least one input: {\"inputs\": [\"file.txt\", ...], \"numWords\": 3}, paths relative to the data folder.");
                }

                (inputs, numWords, runId) = (body.Inputs, body.NumWords, body.RunId);
            }
            else if (request.HasFormContentType)
            {
                var form = await request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
                files = form.Files;
                if (files.Count == 0)
                {
                    return Bad("Upload at least one file (multipart/form-data, field 'files').");
                }

                numWordsText = form["numWords"].FirstOrDefault();
                runId = form["runId"].FirstOrDefault();
            }
            else
            {
                return TypedResults.Problem("Send JSON (application/json) with input paths, or upload files (multipart/form-data).", statusCode: StatusCodes.Status415UnsupportedMediaType);
            }
        }
        catch (JsonException ex)
        {
            return Bad($"The request body is not the JSON expected ({ex.Message}).");
        }
        catch (BadHttpRequestException ex)
        {
            return TypedResults.Problem(ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? TooLarge(settings) : ex.Message, statusCode: ex.StatusCode);
        }
        catch (InvalidDataException ex)
        {
            // The multipart reader: a body over the limit, or a malformed one.
            bool tooLarge = ex.Message.Contains("limit", StringComparison.OrdinalIgnoreCase);
            return TypedResults.Problem(tooLarge ? TooLarge(settings) : $"The form is malformed: {ex.Message}", statusCode: tooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest);
        }

        if (numWordsText is not null)
        {
            if (!int.TryParse(numWordsText, NumberStyles.None, CultureInfo.InvariantCulture, out int parsed))
            {
                return Bad($"numWords '{numWordsText}' is not a whole number.", "numWords");
            }

            numWords = parsed;
        }

        int words = numWords ?? DefaultNumWords;
        if (words < 1 || words > settings.MaxNumWords)
        {
            return Bad($"numWords must be from 1 to {settings.MaxNumWords}; it is {words}.", "numWords");
        }

        if (string.IsNullOrEmpty(runId))
        {
            runId = RunBook.NewRunId(time);
        }
        else if (!RunBook.IsRunId(runId))
        {
            return Bad($"Run id '{runId}' must be 3 to 40 lower-case letters, digits and single hyphens, starting and ending with a letter or digit.", "runId");
        }

        if (!book.TryCreate(runId))
        {
            return TypedResults.Problem($"The service already has run '{runId}': see {Views.LocationOf(runId)}. Use another run id, or none.", statusCode: StatusCodes.Status409Conflict);
        }

        bool accepted = false;
        try
        {
            var paths = new List<string>();
            if (inputs is not null)
            {
                foreach (string input in inputs)
                {
                    if (data.Resolve(input, out string path) is { } refusal)
                    {
                        return Bad(refusal, input);
                    }

                    paths.Add(path);
                }
            }
            else if (await SaveUploadsAsync(files!, book.UploadsOf(runId), paths, cancellationToken).ConfigureAwait(false) is { } refusal)
            {
                return refusal;
            }

            var definition = WordCountJob.CreateDefinition(paths, words, taskRunner);
            if (inputs is not null && definition.Inputs.Select(i => data.CheckInside(i.FilePath, i.Name)).FirstOrDefault(r => r is not null) is { } outside)
            {
                return Bad(outside);
            }

            if (definition.Inputs.Count is 0 || definition.Inputs.Count > settings.MaxInputs)
            {
                return Bad($"A run has 1 to {settings.MaxInputs} inputs; these make {definition.Inputs.Count}.");
            }

            definition.RunId = runId;
            definition.DownloadDirectory = book.OutputOf(runId);
            definition.Pool.NodeCount = settings.NodeCount;
            definition.Pool.TaskSlotsPerNode = settings.TaskSlotsPerNode;
            var ticket = new RunTicket(runId, time.GetUtcNow(), words, [.. definition.Inputs.Select(i => i.Name)], Submitted: false);
            book.WriteTicket(ticket);

            // Not the request's token: a client that goes away does not cancel the run it asked for; stopping the service does.
            var status = await workflow.SubmitAsync(definition, progress: null, driver.Stopping).ConfigureAwait(false);
            book.WriteTicket(ticket with { Submitted = true });
            accepted = true;
            driver.Attach(runId);
            string location = Views.LocationOf(runId);
            return TypedResults.Accepted(location, new RunAccepted(runId, status.State, location));
        }
        catch (ArgumentException ex)
        {
            // Refused by the library before anything was made (two inputs with one name, a run id of another run...).
            return Bad(WithoutParameter(ex));
        }
        catch (InvalidOperationException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict);
        }
        catch (BatchWorkflowException ex)
        {
            return TypedResults.Problem(ex.Message, title: "The run could not be submitted", statusCode: StatusCodes.Status500InternalServerError);
        }
        catch (OperationCanceledException) when (driver.Stopping.IsCancellationRequested)
        {
            return TypedResults.Problem("The service is stopping.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        finally
        {
            if (!accepted)
            {
                book.Delete(runId);
            }
        }
    }

    private static async Task<Results<Ok<RunView>, ProblemHttpResult>> GetAsync(string id, IBatchWorkflow workflow, RunBook book, RunDriver driver, CancellationToken cancellationToken)
    {
        if (!book.Knows(id))
        {
            return NotFound(id);
        }

        if (book.ReadResult(id) is { } done)
        {
            return TypedResults.Ok(done);
        }

        var ticket = book.ReadTicket(id)!;
        try
        {
            return TypedResults.Ok(Views.FromStatus(ticket, await workflow.GetStatusAsync(id, cancellationToken).ConfigureAwait(false), driver.LastProgress(id)));
        }
        catch (BatchRunNotFoundException)
        {
            // Being submitted, or just ended (its record deleted) with its outcome about to be recorded.
            return TypedResults.Ok(book.ReadResult(id) ?? InProgress(ticket, driver));
        }
    }

    private static async Task<Results<Ok<RunView>, Accepted<RunView>, ProblemHttpResult>> CancelAsync(string id, IBatchWorkflow workflow, RunBook book, RunDriver driver, CancellationToken cancellationToken)
    {
        if (!book.Knows(id))
        {
            return NotFound(id);
        }

        if (book.ReadResult(id) is { } done)
        {
            return TypedResults.Ok(done);
        }

        if (book.ReadTicket(id) is not { Submitted: true } ticket)
        {
            return TypedResults.Problem($"Run '{id}' is still being submitted: cancel it once POST /runs has answered.", statusCode: StatusCodes.Status409Conflict);
        }

        // The driver lets go of the run (detaches), so that this call ends it at once instead of waiting for a heartbeat.
        await driver.HoldAsync(id, cancellationToken).ConfigureAwait(false);
        bool finished = true;
        try
        {
            if (book.ReadResult(id) is { } ended)
            {
                return TypedResults.Ok(ended);
            }

            var status = await workflow.CancelAsync(id, cancellationToken).ConfigureAwait(false);
            var view = Views.FromStatus(ticket, status);
            finished = status.IsFinished;
            if (!finished)
            {
                // Another process drives it and has not ended it yet: the request stands.
                return TypedResults.Accepted(Views.LocationOf(id), view);
            }

            book.WriteResult(view);
            return TypedResults.Ok(book.ReadResult(id) ?? view);
        }
        catch (BatchRunNotFoundException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status404NotFound);
        }
        finally
        {
            driver.Release(id);
            if (!finished)
            {
                driver.Attach(id);
            }
        }
    }

    private static async Task<Ok<List<RunSummary>>> ListAsync(IBatchWorkflow workflow, RunBook book, RunDriver driver, CancellationToken cancellationToken)
    {
        var records = (await workflow.ListRunsAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(r => r.RunId, StringComparer.Ordinal);
        var list = new List<RunSummary>();
        foreach (string id in book.ListRunIds())
        {
            if (book.ReadTicket(id) is not { } ticket)
            {
                continue;
            }

            var view = book.ReadResult(id)
                ?? (records.TryGetValue(id, out var status) ? Views.FromStatus(ticket, status, driver.LastProgress(id)) : InProgress(ticket, driver));
            list.Add(Views.Summary(view));
        }

        list.Sort((x, y) => x.CreatedAt.CompareTo(y.CreatedAt));
        return TypedResults.Ok(list);
    }

    /// <summary>Saves each uploaded file under its own file name; a problem when a name is unusable or used twice.</summary>
    private static async Task<ProblemHttpResult?> SaveUploadsAsync(IFormFileCollection files, string folder, List<string> paths, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            string name = file.FileName[(file.FileName.LastIndexOfAny(['/', '\\']) + 1)..];
            if (name.Length == 0 || name.StartsWith('.') || name.Any(char.IsControl) || name.Length > 255)
            {
                string shown = new([.. file.FileName.Select(c => char.IsControl(c) ? '?' : c)]);
                return Bad($"Uploaded file '{shown}' has no usable file name: give each file a name (not starting with '.').", shown);
            }

            if (!names.Add(name))
            {
                return Bad($"Two uploaded files are named '{name}': each input needs its own name.", name);
            }

            string path = Path.Combine(folder, name);
            var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
            await using (target.ConfigureAwait(false))
            {
                await file.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
            }

            paths.Add(path);
        }

        return null;
    }

    private static RunView InProgress(RunTicket ticket, RunDriver driver)
    {
        var last = driver.LastProgress(ticket.RunId);
        return Views.FromTicket(ticket, BatchRunState.Running, last?.Stage ?? BatchRunStage.Staging, last?.Counts ?? default, failure: null, finishedAt: null);
    }

    private static ProblemHttpResult Bad(string detail, string? input = null) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "The run was refused", extensions: input is null ? null : new Dictionary<string, object?> { ["input"] = input });

    private static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem($"The service has no run '{id}'. GET /runs lists its runs.", statusCode: StatusCodes.Status404NotFound);

    private static string TooLarge(ServiceSettings settings) =>
        string.Create(CultureInfo.InvariantCulture, $"The request is larger than the service takes ({settings.MaxRequestBytes} bytes, setting Service:MaxRequestBytes).");

    /// <summary>The message without the <c>(Parameter '…')</c> suffix .NET appends.</summary>
    private static string WithoutParameter(ArgumentException exception)
    {
        string suffix = $" (Parameter '{exception.ParamName}')";
        return exception.ParamName is not null && exception.Message.EndsWith(suffix, StringComparison.Ordinal) ? exception.Message[..^suffix.Length] : exception.Message;
    }
}
