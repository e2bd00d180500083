using System.Text.Json;
using System.Text.Json.Nodes;

namespace TopNWords.Batch.Emulator.Protocol;

/// <summary>
/// The REST API versions the emulator serves, and the one step that answers in the shape of the version a request
/// asked for: members a version does not have are dropped, enum values it does not know are written as the value that
/// version shows instead, and per-state counts it has no member for are added to that state's count.
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
/// writes today on pools, nodes, jobs, tasks, task counts (<c>taskSlotCounts</c> and <c>requiredSlots</c> are in every
/// version), node files, errors (the OData error body) and supported images (<c>batchSupportEndOfLife</c>,
/// <c>verificationType</c> and the wire name <c>nodeAgentSKUId</c> are in every version). No member was renamed
/// between these versions. Request bodies are not shaped: the emulator reads only members every version has.
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

    // Sources: the stable swaggers and their examples; the service's versioning page; the changelogs of the SDKs
    // generated from each swagger (Microsoft.Azure.Batch 16.0.0 = 17.0, 16.1.0 = 18.0, 16.2.0 = 19.0, 16.3.0 = 20.0;
    // @azure/batch 10.2.0 = 16.0, 11.0.0 = 17.0, 11.1.0 = 18.0 and 19.0); the 2022-10-01.16.0 models as generated into
    // @azure/batch 10.2.0.
    private static readonly MemberRule[] Members =
    [
        // 2023-05-01.17.0: accelerated networking; automatic upgrade of VM extensions.
        new(WireKind.Pools, "networkConfiguration/enableAcceleratedNetworking", Since: V2023_05_01),
        new(WireKind.Pools, "virtualMachineConfiguration/extensions/enableAutomaticUpgrade", Since: V2023_05_01),

        // 2023-11-01.18.0: resource tags, security profile (trusted launch), service artifact reference, OS disk
        // settings, the node's scale set VM resource id.
        new(WireKind.Pools, "resourceTags", Since: V2023_11_01),
        new(WireKind.Pools, "virtualMachineConfiguration/securityProfile", Since: V2023_11_01),
        new(WireKind.Pools, "virtualMachineConfiguration/serviceArtifactReference", Since: V2023_11_01),
        new(WireKind.Pools, "virtualMachineConfiguration/osDisk/caching", Since: V2023_11_01),
        new(WireKind.Pools, "virtualMachineConfiguration/osDisk/managedDisk", Since: V2023_11_01),
        new(WireKind.Pools, "virtualMachineConfiguration/osDisk/diskSizeGB", Since: V2023_11_01),
        new(WireKind.Pools, "virtualMachineConfiguration/osDisk/writeAcceleratorEnabled", Since: V2023_11_01),
        new(WireKind.Nodes, "virtualMachineInfo/scaleSetVmResourceId", Since: V2023_11_01),

        // 2024-02-01.19.0: automatic OS upgrade (the upgrade policy; see the node state and count rules below).
        new(WireKind.Pools, "upgradePolicy", Since: V2024_02_01),

        // 2024-07-01.20.0: Cloud Services pools and application licenses are gone; shared and community gallery
        // images; confidential VM disk security; container data isolation (first in this version's examples).
        new(WireKind.Pools, "cloudServiceConfiguration", Until: V2024_07_01),
        new(WireKind.Pools, "applicationLicenses", Until: V2024_07_01),
        new(WireKind.Pools, "virtualMachineConfiguration/imageReference/sharedGalleryImageId", Since: V2024_07_01),
        new(WireKind.Pools, "virtualMachineConfiguration/imageReference/communityGalleryImageId", Since: V2024_07_01),
        new(WireKind.Pools, "virtualMachineConfiguration/osDisk/managedDisk/securityProfile", Since: V2024_07_01),
        new(WireKind.Nodes, "virtualMachineInfo/imageReference/sharedGalleryImageId", Since: V2024_07_01),
        new(WireKind.Nodes, "virtualMachineInfo/imageReference/communityGalleryImageId", Since: V2024_07_01),
        new(WireKind.SupportedImages, "imageReference/sharedGalleryImageId", Since: V2024_07_01),
        new(WireKind.SupportedImages, "imageReference/communityGalleryImageId", Since: V2024_07_01),
        new(WireKind.Tasks, "containerSettings/containerHostBatchBindMounts", Since: V2024_07_01),
        new(WireKind.Jobs, "jobManagerTask/containerSettings/containerHostBatchBindMounts", Since: V2024_07_01),

        // 2025-06-01.21.0: job-level FIFO, customer-managed disk keys, IPv6 addresses, IP tags and families, the
        // metadata security protocol.
        new(WireKind.Pools, "taskSchedulingPolicy/jobDefaultOrder", Since: V2025_06_01),
        new(WireKind.Pools, "virtualMachineConfiguration/diskEncryptionConfiguration/customerManagedKey", Since: V2025_06_01),
        new(WireKind.Pools, "virtualMachineConfiguration/osDisk/managedDisk/diskEncryptionSet", Since: V2025_06_01),
        new(WireKind.Pools, "networkConfiguration/publicIPAddressConfiguration/ipFamilies", Since: V2025_06_01),
        new(WireKind.Pools, "networkConfiguration/publicIPAddressConfiguration/ipTags", Since: V2025_06_01),
        new(WireKind.Pools, "virtualMachineConfiguration/securityProfile/proxyAgentSettings", Since: V2025_06_01),
        new(WireKind.Nodes, "ipv6Address", Since: V2025_06_01),
    ];

    private static readonly EnumRule[] EnumValues =
    [
        // "If you're using an old API version to call GetTVM/ListTVM, the node will be in a rebooting state when
        // upgrading" (Batch documentation, automatic OS upgrade; upgradingos from 2024-02-01.19.0).
        new(WireKind.Nodes, "state", "upgradingos", Since: V2024_02_01, Fallback: "rebooting"),

        // Node deallocate/start came with 2024-07-01.20.0. What older versions show is undocumented: unknown is a
        // state every version has and every client handles.
        new(WireKind.Nodes, "state", "deallocated", Since: V2024_07_01, Fallback: "unknown"),
        new(WireKind.Nodes, "state", "deallocating", Since: V2024_07_01, Fallback: "unknown"),
    ];

    private static readonly CountRule[] Counts =
    [
        // The per-state node counts follow the states: a count an older version has no member for is added to the
        // count of the state it reports instead (so the counts still add up to the total).
        new(WireKind.PoolNodeCounts, "dedicated", "upgradingOS", Since: V2024_02_01, Into: "rebooting"),
        new(WireKind.PoolNodeCounts, "lowPriority", "upgradingOS", Since: V2024_02_01, Into: "rebooting"),
        new(WireKind.PoolNodeCounts, "dedicated", "deallocated", Since: V2024_07_01, Into: "unknown"),
        new(WireKind.PoolNodeCounts, "lowPriority", "deallocated", Since: V2024_07_01, Into: "unknown"),
        new(WireKind.PoolNodeCounts, "dedicated", "deallocating", Since: V2024_07_01, Into: "unknown"),
        new(WireKind.PoolNodeCounts, "lowPriority", "deallocating", Since: V2024_07_01, Into: "unknown"),
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

        foreach (CountRule rule in Counts)
        {
            if (rule.Kind == kind && string.CompareOrdinal(version, rule.Since) < 0 && resource[rule.Owner] is JsonObject owner && owner[rule.Member] is JsonValue count)
            {
                owner[rule.Into] = (owner[rule.Into]?.GetValue<int>() ?? 0) + count.GetValue<int>();
                owner.Remove(rule.Member);
            }
        }
    }

    /// <summary>
    /// Refuses a request body that names a member <paramref name="version"/> does not have, as the service does (its
    /// OData reader rejects a property the version's type does not define). The kind comes from the operation id
    /// (<c>Pools_*</c> bodies are pools, <c>Jobs_*</c> jobs, <c>Tasks_*</c> tasks, each item of a task collection
    /// too). A body that is not JSON is left to the operation's own parser.
    /// </summary>
    public static void CheckRequest(byte[] body, string operation, string version)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(operation);
        if (version == Newest || body.Length == 0 || RequestKindOf(operation) is not { } kind)
        {
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return;
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            if (kind == WireKind.Tasks && root.TryGetProperty("value", out JsonElement items) && items.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement item in items.EnumerateArray())
                {
                    CheckMembers(item, kind, version);
                }
            }
            else
            {
                CheckMembers(root, kind, version);
            }
        }
    }

    /// <summary>The resource kind of an operation's request body (<c>Pools_CreatePool</c> is a pool), or <see langword="null"/>.</summary>
    internal static string? RequestKindOf(string operation)
    {
        int underscore = operation.IndexOf('_', StringComparison.Ordinal);
        return underscore < 0 ? null : operation[..underscore] switch
        {
            "Pools" => WireKind.Pools,
            "Jobs" => WireKind.Jobs,
            "Tasks" => WireKind.Tasks,
            _ => null,
        };
    }

    private static void CheckMembers(JsonElement resource, string kind, string version)
    {
        foreach (MemberRule rule in Members)
        {
            if (rule.Kind == kind && !rule.IsIn(version) && Contains(resource, rule.Segments, 0))
            {
                string when = rule.Since is not null ? $"it exists from api-version {rule.Since}" : $"it was removed in api-version {rule.Until}";
                throw BatchErrorResponses.InvalidRequestBody(
                    $"The property '{rule.Path}' does not exist on a {kind[..^1]} in api-version {version} ({when}). Send only the properties that version defines, or send a version that has it.");
            }
        }
    }

    private static bool Contains(JsonElement element, string[] path, int index) => element.ValueKind switch
    {
        JsonValueKind.Array => element.EnumerateArray().Any(item => Contains(item, path, index)),
        JsonValueKind.Object when element.TryGetProperty(path[index], out JsonElement member) =>
            index == path.Length - 1 || Contains(member, path, index + 1),
        _ => false,
    };

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

    /// <summary>A count member that exists from <paramref name="Since"/>; before it, it is added to <paramref name="Into"/>.</summary>
    private sealed record CountRule(string Kind, string Owner, string Member, string Since, string Into);

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
