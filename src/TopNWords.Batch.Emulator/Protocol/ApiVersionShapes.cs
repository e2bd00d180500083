using System.Text.Json.Nodes;

namespace TopNWords.Batch.Emulator.Protocol;

/// <summary>
/// The REST API versions the emulator serves, and the one step that answers in the shape of the version a request
/// asked for: members a version does not have are dropped, enum values it does not know are written as its fallback.
/// </summary>
/// <remarks>
/// <para>
/// Responses are built once, in the newest shape (the client's wire models), and shaped on the way out
/// (<see cref="Responses.WriteJsonAsync"/>). The resource kind is the entity set of the body's <c>odata.metadata</c>
/// (<c>…#pools/@Element</c> is a pool, <c>…#nodes</c> a list of nodes), so a new operation gets its version's shape by
/// naming its entity set; a kind with no rule is written as built.
/// </para>
/// <para>
/// The table below holds the differences between 2022-10-01.16.0 and 2025-06-01.21.0 in what the emulator serves or
/// may serve (from the stable swaggers under <c>specification/batch/data-plane/Microsoft.Batch/stable/</c>, their examples
/// and the service's versioning notes). Unchanged across all of them, so not in the table: the members the emulator
/// writes today on pools, jobs, tasks, task counts (<c>taskSlotCounts</c> is in every version), node files, errors
/// (the OData error body) and supported images (<c>batchSupportEndOfLife</c>, <c>verificationType</c> and the
/// wire name <c>nodeAgentSKUId</c> are in every version). No member was renamed between these versions.
/// </para>
/// </remarks>
internal static class ApiVersionShapes
{
    public const string V2022_10_01 = "2022-10-01.16.0";
    public const string V2023_05_01 = "2023-05-01.17.0";
    public const string V2023_11_01 = "2023-11-01.18.0";
    public const string V2024_02_01 = "2024-02-01.19.0";
    public const string V2024_07_01 = "2024-07-01.20.0";
    public const string V2025_06_01 = "2025-06-01.21.0";

    /// <summary>The newest version: the shape responses are built in.</summary>
    public const string Newest = V2025_06_01;

    /// <summary>Gets every stable data-plane version served, oldest first.</summary>
    public static IReadOnlyList<string> Served { get; } = [V2022_10_01, V2023_05_01, V2023_11_01, V2024_02_01, V2024_07_01, V2025_06_01];

    private static readonly MemberRule[] Members =
    [
        // 2023-05-01.17.0: accelerated networking; automatic upgrade of VM extensions.
        new(WireKind.Pools, "networkConfiguration/enableAcceleratedNetworking", Since: V2023_05_01),
        new(WireKind.Pools, "virtualMachineConfiguration/extensions/enableAutomaticUpgrade", Since: V2023_05_01),

        // 2023-11-01.18.0: resource tags, security profile (trusted launch), service artifact reference, OS disk settings.
        new(WireKind.Pools, "resourceTags", Since: V2023_11_01),
        new(WireKind.Pools, "virtualMachineConfiguration/securityProfile", Since: V2023_11_01),
        new(WireKind.Pools, "virtualMachineConfiguration/serviceArtifactReference", Since: V2023_11_01),
        new(WireKind.Pools, "virtualMachineConfiguration/osDisk/caching", Since: V2023_11_01),
        new(WireKind.Pools, "virtualMachineConfiguration/osDisk/managedDisk", Since: V2023_11_01),
        new(WireKind.Pools, "virtualMachineConfiguration/osDisk/diskSizeGB", Since: V2023_11_01),
        new(WireKind.Pools, "virtualMachineConfiguration/osDisk/writeAcceleratorEnabled", Since: V2023_11_01),

        // 2024-02-01.19.0: automatic OS upgrade (upgrade policy; nodes in the upgradingos state, counted per pool).
        new(WireKind.Pools, "upgradePolicy", Since: V2024_02_01),
        new(WireKind.PoolNodeCounts, "dedicated/upgradingOS", Since: V2024_02_01),
        new(WireKind.PoolNodeCounts, "lowPriority/upgradingOS", Since: V2024_02_01),

        // 2024-07-01.20.0: Cloud Services pools are gone; node deallocate/start; container data isolation.
        new(WireKind.Pools, "cloudServiceConfiguration", Until: V2024_07_01),
        new(WireKind.PoolNodeCounts, "dedicated/deallocated", Since: V2024_07_01),
        new(WireKind.PoolNodeCounts, "dedicated/deallocating", Since: V2024_07_01),
        new(WireKind.PoolNodeCounts, "lowPriority/deallocated", Since: V2024_07_01),
        new(WireKind.PoolNodeCounts, "lowPriority/deallocating", Since: V2024_07_01),
        new(WireKind.Nodes, "virtualMachineInfo/scaleSetVmResourceId", Since: V2024_07_01),
        new(WireKind.Tasks, "containerSettings/containerHostBatchBindMounts", Since: V2024_07_01),
        new(WireKind.Jobs, "jobManagerTask/containerSettings/containerHostBatchBindMounts", Since: V2024_07_01),

        // 2025-06-01.21.0: job-level FIFO, IPv6 addresses, IP tags and families, metadata security protocol.
        new(WireKind.Pools, "taskSchedulingPolicy/jobDefaultOrder", Since: V2025_06_01),
        new(WireKind.Pools, "networkConfiguration/publicIPAddressConfiguration/ipFamilies", Since: V2025_06_01),
        new(WireKind.Pools, "networkConfiguration/publicIPAddressConfiguration/ipTags", Since: V2025_06_01),
        new(WireKind.Pools, "virtualMachineConfiguration/securityProfile/proxyAgentSettings", Since: V2025_06_01),
        new(WireKind.Nodes, "ipv6Address", Since: V2025_06_01),
    ];

    private static readonly EnumRule[] EnumValues =
    [
        // A node state an older version cannot name is reported as unknown, a state every version has.
        new(WireKind.Nodes, "state", "upgradingos", Since: V2024_02_01, Fallback: "unknown"),
        new(WireKind.Nodes, "state", "deallocated", Since: V2024_07_01, Fallback: "unknown"),
        new(WireKind.Nodes, "state", "deallocating", Since: V2024_07_01, Fallback: "unknown"),
    ];

    /// <summary>Whether <paramref name="version"/> is a version the emulator serves (exactly as spelled).</summary>
    public static bool IsServed(string? version) => version is not null && Served.Contains(version, StringComparer.Ordinal);

    /// <summary>
    /// Shapes a response body for <paramref name="version"/>: the kind comes from its <c>odata.metadata</c>; a list
    /// (<c>value</c>) has each of its items shaped. Nothing changes for the newest version, an unknown kind, or no version.
    /// </summary>
    public static void ShapeResponse(JsonObject body, string? version)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (version is null || version == Newest || KindOf(body) is not { } kind)
        {
            return;
        }

        if (body["value"] is JsonArray items && !IsElement(body))
        {
            foreach (JsonNode? item in items)
            {
                if (item is JsonObject resource)
                {
                    Shape(resource, kind, version);
                }
            }

            return;
        }

        Shape(body, kind, version);
    }

    /// <summary>Shapes one resource of <paramref name="kind"/> (a <see cref="WireKind"/>) for <paramref name="version"/>, in place.</summary>
    public static void Shape(JsonObject resource, string kind, string version)
    {
        ArgumentNullException.ThrowIfNull(resource);
        foreach (MemberRule rule in Members)
        {
            if (rule.Kind == kind && !rule.IsIn(version))
            {
                Walk(resource, rule.Segments, 0, static (owner, name, _) => owner.Remove(name), null);
            }
        }

        foreach (EnumRule rule in EnumValues)
        {
            if (rule.Kind == kind && string.CompareOrdinal(version, rule.Since) < 0)
            {
                Walk(resource, rule.Segments, 0, static (owner, name, r) =>
                {
                    if (owner[name] is JsonValue value && value.TryGetValue(out string? text) && string.Equals(text, r!.Value, StringComparison.OrdinalIgnoreCase))
                    {
                        owner[name] = r.Fallback;
                    }
                }, rule);
            }
        }
    }

    /// <summary>The kind of a response body: the last segment of its <c>odata.metadata</c> entity set, e.g. <c>pools</c>.</summary>
    internal static string? KindOf(JsonObject body)
    {
        if (body["odata.metadata"] is not JsonValue metadata || !metadata.TryGetValue(out string? url))
        {
            return null;
        }

        int hash = url.IndexOf('#', StringComparison.Ordinal);
        if (hash < 0)
        {
            return null;
        }

        string fragment = url[(hash + 1)..];
        int slash = fragment.IndexOf('/', StringComparison.Ordinal);
        string set = slash < 0 ? fragment : fragment[..slash];
        return set[(set.LastIndexOf('.') + 1)..];
    }

    private static bool IsElement(JsonObject body) =>
        body["odata.metadata"] is JsonValue metadata && metadata.TryGetValue(out string? url) && url.EndsWith("/@Element", StringComparison.Ordinal);

    /// <summary>Calls <paramref name="leaf"/> on every object that owns the path's last member (arrays on the way are walked item by item).</summary>
    private static void Walk(JsonNode? node, string[] path, int index, Action<JsonObject, string, EnumRule?> leaf, EnumRule? rule)
    {
        switch (node)
        {
            case JsonArray array:
                foreach (JsonNode? item in array)
                {
                    Walk(item, path, index, leaf, rule);
                }

                break;
            case JsonObject owner when index == path.Length - 1:
                if (owner.ContainsKey(path[index]))
                {
                    leaf(owner, path[index], rule);
                }

                break;
            case JsonObject owner:
                Walk(owner[path[index]], path, index + 1, leaf, rule);
                break;
        }
    }

    /// <summary>A member that exists from <paramref name="Since"/> (inclusive) until <paramref name="Until"/> (exclusive).</summary>
    private sealed record MemberRule(string Kind, string Path, string? Since = null, string? Until = null)
    {
        public string[] Segments { get; } = Path.Split('/');

        public bool IsIn(string version) =>
            (Since is null || string.CompareOrdinal(version, Since) >= 0) && (Until is null || string.CompareOrdinal(version, Until) < 0);
    }

    /// <summary>An enum value that exists from <paramref name="Since"/>; before it, <paramref name="Fallback"/> is written.</summary>
    private sealed record EnumRule(string Kind, string Path, string Value, string Since, string Fallback)
    {
        public string[] Segments { get; } = Path.Split('/');
    }
}

/// <summary>The resource kinds of <see cref="ApiVersionShapes"/>: the entity sets of the service's <c>odata.metadata</c>.</summary>
internal static class WireKind
{
    public const string Pools = "pools";
    public const string Nodes = "nodes";
    public const string Jobs = "jobs";
    public const string Tasks = "tasks";
    public const string TaskCounts = "taskcounts";
    public const string SupportedImages = "supportedimages";
    public const string PoolNodeCounts = "poolnodecounts";
    public const string Files = "files";
}
