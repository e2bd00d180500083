// The word-count job as an HTTP service (an ASP.NET Core minimal API over IBatchWorkflow):
//
//   POST   /runs        JSON {"inputs": ["taskdata1.txt"], "numWords": 3, "runId"?: "..."} (paths under the data folder),
//                      or multipart/form-data uploads (field "files", optional "numWords", "runId")   -> 202 + Location
//   GET    /runs/{id}   state, stage, counts and, once ended, each input's top words                     -> 200 | 404
//   DELETE /runs/{id}   cancels the run                                                                  -> 200 | 404
//   GET    /runs        the service's runs
//   GET    /openapi/v1.json
//
//   dotnet run --project samples/TopNWords.Samples.Service          (http://127.0.0.1:5080; --urls to change)
//
// With no configuration it runs on the local default (local folders and processes under a per-user state folder);
// the section "TopNWords" moves it to Azure. Killed and restarted, it re-attaches to its runs and finishes them.
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using TopNWords.Batch;
using TopNWords.Samples.Service;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
ServiceSettings settings;
try
{
    settings = ServiceSettings.Load(builder.Configuration, builder.Environment.ContentRootPath);
}
catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IOException)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 2;
}

// ---- DI: the workflow, from the section "TopNWords" (nothing set: the local default; Backend=Azure: Azure Batch). ----
builder.Services.AddTopNWordsBatch(builder.Configuration.GetSection(TopNWordsBatchOptions.DefaultSectionName)).AddAzure();
// The task runner that suits the backend's nodes: the package's native runner, or TopNWords:Azure:TaskRunnerPath.
builder.Services.AddSingleton(sp => sp.GetRequiredService<ITaskRunnerProvider>().GetTaskRunner());
// ---------------------------------------------------------------------------------------------------------------------

builder.Services.TryAddSingleton(TimeProvider.System);
builder.Services.AddSingleton(settings);
builder.Services.AddSingleton(new DataFolder(settings.DataPath));
builder.Services.AddSingleton<RunBook>();
builder.Services.AddSingleton<RunDriver>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<RunDriver>());
builder.Services.AddProblemDetails();
builder.Services.AddOpenApi(OpenApiForms.DescribeUploadForm);
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
builder.Services.Configure<FormOptions>(o => o.MultipartBodyLengthLimit = settings.MaxRequestBytes);
builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = settings.MaxRequestBytes);

var app = builder.Build();
try
{
    // Before the host starts: one service per folder, and on the local default the service owns the run folder.
    app.Services.GetRequiredService<RunDriver>().TakeOwnership();
}
catch (RunDriver.StartRefusedException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    await app.DisposeAsync();
    return 1;
}

app.UseExceptionHandler();
app.UseStatusCodePages();

// A browser page elsewhere may post a form here (a "simple" request, no preflight): refuse changes from another origin.
app.Use(async (context, next) =>
{
    var request = context.Request;
    if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && request.Headers.Origin is [{ } origin]
        && (!Uri.TryCreate(origin, UriKind.Absolute, out var from) || !string.Equals(from.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)))
    {
        await TypedResults.Problem($"Requests from origin '{origin}' are refused.", statusCode: StatusCodes.Status403Forbidden).ExecuteAsync(context);
        return;
    }

    await next(context);
});

app.MapOpenApi();
app.MapRuns();

await app.RunAsync();
return 0;
