namespace TopNWords.Batch.Emulator.Protocol;

/// <summary>
/// A request the emulator refuses the way the Batch service would: the HTTP status, the service's error code,
/// its message and its key/value details. Thrown by handlers and written as the service's error body.
/// </summary>
internal sealed class BatchRequestException : Exception
{
    public BatchRequestException(int status, string code, string message, params (string Key, string Value)[] values)
        : base(message)
    {
        Status = status;
        Code = code;
        Values = values;
    }

    public int Status { get; }

    public string Code { get; }

    public IReadOnlyList<(string Key, string Value)> Values { get; }

    /// <summary>Response headers to add (for example <c>Retry-After</c>).</summary>
    public IReadOnlyList<(string Name, string Value)> Headers { get; init; } = [];
}
