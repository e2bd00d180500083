using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using TopNWords.Batch.Azure.Tests.BatchRest;
using TopNWords.Batch.Azure.Tests.BatchRest.Fakes;

namespace TopNWords.Batch.Azure.Tests.Compute.Simulation;

/// <summary>
/// A small in-memory Batch account behind <see cref="FakeBatchTransport.Fallback"/>: pools are ready at once,
/// tasks complete in batches as the job's task counts are polled (each poll is a step of the service), and
/// task listings honour the <c>state</c>/<c>stateTransitionTime</c> filter and page by <c>maxresults</c>
/// through <c>odata.nextLink</c>.
/// </summary>
internal sealed partial class SimulatedBatchService
{
    private readonly object _lock = new();
    private readonly TimeProvider _clock;
    private readonly int _completionsPerStep;
    private readonly int _pollsPerStep;
    private readonly HashSet<int> _failing;
    private readonly List<string> _tasks = [];
    private readonly List<DateTimeOffset> _completedAt = [];
    private int _nodes;
    private int _polls;

    /// <param name="clock">The service's clock (completion times).</param>
    /// <param name="completionsPerStep">How many tasks complete per step.</param>
    /// <param name="pollsPerStep">How many task-count polls make a step (1: tasks complete on every poll).</param>
    /// <param name="failing">Positions, in the order tasks were added, of the tasks that complete with exit code 3.</param>
    public SimulatedBatchService(TimeProvider clock, int completionsPerStep, int pollsPerStep = 1, IEnumerable<int>? failing = null)
    {
        _clock = clock;
        _completionsPerStep = completionsPerStep;
        _pollsPerStep = pollsPerStep;
        _failing = [.. failing ?? []];
    }

    /// <summary>The number of tasks in each listing (all its pages), in order.</summary>
    public List<int> ListingSizes { get; } = [];

    public FakeResponse Respond(RecordedRequest request)
    {
        string[] path = request.Uri.AbsolutePath.Trim('/').Split('/');
        lock (_lock)
        {
            return (request.Method, path) switch
            {
                ("GET", ["supportedimages"]) => FakeResponse.Create(200, ComputeHarness.Ubuntu2404Images),
                ("POST", ["pools"]) => CreatePool(request),
                ("GET", ["pools", var id]) => FakeResponse.Create(200, $$"""{"id":"{{id}}","state":"active","allocationState":"steady","targetDedicatedNodes":{{_nodes}},"currentDedicatedNodes":{{_nodes}},"taskSlotsPerNode":1}"""),
                ("GET", ["pools", _, "nodes"]) => FakeResponse.Create(200, new JsonObject
                {
                    ["value"] = new JsonArray([.. Enumerable.Range(1, _nodes).Select(n => (JsonNode)new JsonObject { ["id"] = $"tvm-{n}", ["state"] = "idle" })]),
                }.ToJsonString()),
                ("POST", ["jobs"]) => FakeResponse.Create(201),
                ("POST", ["jobs", _, "addtaskcollection"]) => AddTasks(request),
                ("GET", ["jobs", _, "taskcounts"]) => Poll(),
                ("GET", ["jobs", var job, "tasks"]) => ListTasks(job, request),
                ("HEAD", ["jobs", _, "tasks", _, "files", "stderr.txt"]) => FakeResponse.Create(200, null, ("Content-Length", "24")),
                ("GET", ["jobs", _, "tasks", _, "files", "stderr.txt"]) => FakeResponse.Create(200, "error: input is empty.\n\n"),
                ("DELETE", ["jobs" or "pools", _]) => FakeResponse.Create(202),
                _ => FakeResponse.Create(400, ComputeHarness.Error("UnsupportedBySimulation", $"{request.Method} {request.Uri.AbsolutePath}")),
            };
        }
    }

    private FakeResponse CreatePool(RecordedRequest request)
    {
        _nodes = (int)JsonNode.Parse(request.BodyText)!["targetDedicatedNodes"]!;
        return FakeResponse.Create(201);
    }

    private FakeResponse AddTasks(RecordedRequest request)
    {
        _tasks.AddRange(ComputeHarness.TaskIds(request));
        return ComputeHarness.AddResults(request);
    }

    /// <summary>One poll of the task counts: every <c>pollsPerStep</c>-th poll, the next tasks complete now.</summary>
    private FakeResponse Poll()
    {
        _polls++;
        if (_polls % _pollsPerStep == 0)
        {
            int completing = Math.Min(_completionsPerStep, _tasks.Count - _completedAt.Count);
            for (int i = 0; i < completing; i++)
            {
                _completedAt.Add(_clock.GetUtcNow());
            }
        }

        int completed = _completedAt.Count;
        int failed = _failing.Count(i => i < completed);
        return FakeResponse.Create(200, $$$"""
            {"taskCounts":{"active":{{{_tasks.Count - completed}}},"running":0,"completed":{{{completed}}},"succeeded":{{{completed - failed}}},"failed":{{{failed}}}},
             "taskSlotCounts":{"active":0,"running":0,"completed":0,"succeeded":0,"failed":0}}
            """);
    }

    private FakeResponse ListTasks(string job, RecordedRequest request)
    {
        IReadOnlyDictionary<string, string> query = request.Query;
        string filter = query.GetValueOrDefault("$filter", string.Empty);
        if (!filter.Contains("state eq 'completed'", StringComparison.Ordinal) || query.GetValueOrDefault("$select") != "id,state,stateTransitionTime,executionInfo,nodeInfo")
        {
            return FakeResponse.Create(400, ComputeHarness.Error("UnsupportedBySimulation", "Only listings of completed tasks with the monitor's $select are simulated."));
        }

        DateTimeOffset since = DateTimeOffset.MinValue;
        if (SinceClause().Match(filter) is { Success: true } match)
        {
            since = DateTimeOffset.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        }

        int pageSize = int.Parse(query["maxresults"], CultureInfo.InvariantCulture);
        int skip = query.TryGetValue("$skiptoken", out string? token) ? int.Parse(token, CultureInfo.InvariantCulture) : 0;
        var matching = Enumerable.Range(0, _completedAt.Count).Where(i => _completedAt[i] >= since).ToList();
        if (skip == 0)
        {
            ListingSizes.Add(matching.Count);
        }

        var page = matching.Skip(skip).Take(pageSize).ToList();
        var json = new StringBuilder("{\"value\":[");
        foreach (int i in page)
        {
            string at = _completedAt[i].UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
            bool fails = _failing.Contains(i);
            string failureInfo = fails ? ""","failureInfo":{"category":"usererror","code":"FailureExitCode","message":"The task exited with an exit code representing a failure"}""" : string.Empty;
            json.Append(CultureInfo.InvariantCulture, $$$"""
                {"id":"{{{_tasks[i]}}}","state":"completed","stateTransitionTime":"{{{at}}}",
                 "executionInfo":{"startTime":"{{{at}}}","endTime":"{{{at}}}","exitCode":{{{(fails ? 3 : 0)}}},"result":"{{{(fails ? "failure" : "success")}}}","retryCount":0,"requeueCount":0{{{failureInfo}}}},
                 "nodeInfo":{"nodeId":"tvm-{{{(i % Math.Max(1, _nodes)) + 1}}}"}},
                """);
        }

        if (page.Count > 0)
        {
            json.Length--; // the last comma
        }

        json.Append(']');
        if (skip + page.Count < matching.Count)
        {
            string next = $"{TestClients.Endpoint.AbsoluteUri}jobs/{job}/tasks?api-version={RequestAssert.ApiVersion}&$filter={Uri.EscapeDataString(filter)}&$select={Uri.EscapeDataString(query["$select"])}&maxresults={pageSize}&$skiptoken={skip + page.Count}";
            json.Append(",\"odata.nextLink\":\"").Append(next).Append('"');
        }

        return FakeResponse.Create(200, json.Append('}').ToString());
    }

    [GeneratedRegex(@"stateTransitionTime ge datetime'([^']+)'")]
    private static partial Regex SinceClause();
}
