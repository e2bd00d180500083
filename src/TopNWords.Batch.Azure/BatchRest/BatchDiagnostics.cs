namespace TopNWords.Batch.Azure.BatchRest;

/// <summary>What Azure.Core's HTTP logging may record for Batch requests, on top of its own safe defaults.</summary>
internal static class BatchDiagnostics
{
    /// <summary>Batch headers that carry no secret. <c>Authorization</c> is deliberately absent.</summary>
    internal static readonly string[] SafeHeaderNames =
    [
        "client-request-id",
        "return-client-request-id",
        "request-id",
        "ocp-date",
        "ocp-range",
        "retry-after-ms",
        "x-ms-retry-after-ms",
        "ocp-creation-time",
        "ocp-batch-file-isdirectory",
        "ocp-batch-file-url",
        "ocp-batch-file-mode",
        "DataServiceId",
        "DataServiceVersion",
        "Location",
    ];

    /// <summary>Batch query parameters that carry no secret. <c>sig</c> (a SAS signature) is deliberately absent.</summary>
    internal static readonly string[] SafeQueryParameters =
    [
        "api-version",
        "$filter",
        "$select",
        "$expand",
        "maxresults",
        "timeout",
    ];
}
