
namespace TopNWords.Batch.Emulator;

/// <summary>Log messages of the emulator. Never keys, signatures, bearer tokens or SAS URLs.</summary>
internal static partial class EmulatorLog
{
    /// <summary>Event ids, 6000–6099.</summary>
    public static class Events
    {
        public const int Listening = 6000;
        public const int Request = 6001;
        public const int FaultInjected = 6002;
        public const int AuthenticationFailed = 6003;
        public const int ConnectionDropped = 6004;
        public const int BackgroundFailed = 6005;
        public const int FaultsChanged = 6006;
        public const int NodeMadeUnusable = 6007;
        public const int HostRefused = 6008;
        public const int InsecureWellKnownKey = 6009;
        public const int FileLinkRefused = 6010;
        public const int FileListLinkRefused = 6020;
    }

    [LoggerMessage(EventId = Events.Listening, EventName = nameof(Events.Listening), Level = LogLevel.Information,
        Message = "Batch emulator for account {Account} listening on {BaseUri}")]
    public static partial void Listening(ILogger logger, string account, Uri baseUri);

    [LoggerMessage(EventId = Events.Request, EventName = nameof(Events.Request), Level = LogLevel.Debug,
        Message = "{Method} {Path} ({Operation}) -> {Status}")]
    public static partial void Request(ILogger logger, string method, string path, string operation, int status);

    [LoggerMessage(EventId = Events.FaultInjected, EventName = nameof(Events.FaultInjected), Level = LogLevel.Information,
        Message = "Injected {Status} {Code} into {Operation}")]
    public static partial void FaultInjected(ILogger logger, int status, string code, string operation);

    [LoggerMessage(EventId = Events.AuthenticationFailed, EventName = nameof(Events.AuthenticationFailed), Level = LogLevel.Warning,
        Message = "Refused {Method} {Path}: {Detail}")]
    public static partial void AuthenticationFailed(ILogger logger, string method, string path, string detail);

    [LoggerMessage(EventId = Events.ConnectionDropped, EventName = nameof(Events.ConnectionDropped), Level = LogLevel.Information,
        Message = "Dropped the connection of an add-task-collection request to job {JobId} after adding {Added} task(s)")]
    public static partial void ConnectionDropped(ILogger logger, string jobId, int added);

    [LoggerMessage(EventId = Events.BackgroundFailed, EventName = nameof(Events.BackgroundFailed), Level = LogLevel.Warning,
        Message = "Background work failed: {What}")]
    public static partial void BackgroundFailed(ILogger logger, string what, Exception exception);

    [LoggerMessage(EventId = Events.FaultsChanged, EventName = nameof(Events.FaultsChanged), Level = LogLevel.Information,
        Message = "Faults set: 503 rate {ServerBusyRate}, 429 rate {TooManyRequestsRate}, 429 burst every {BurstEvery}, drops {Drops}, start-task failures [{StartTaskFailures}], unusable [{Unusable}]")]
    public static partial void FaultsChanged(ILogger logger, double serverBusyRate, double tooManyRequestsRate, int burstEvery, int drops, string startTaskFailures, string unusable);

    [LoggerMessage(EventId = Events.NodeMadeUnusable, EventName = nameof(Events.NodeMadeUnusable), Level = LogLevel.Information,
        Message = "Node {NodeId} of pool {PoolId} made unusable ({Reason})")]
    public static partial void NodeMadeUnusable(ILogger logger, string poolId, string nodeId, string reason);

    [LoggerMessage(EventId = Events.HostRefused, EventName = nameof(Events.HostRefused), Level = LogLevel.Warning,
        Message = "Refused {Method} {Path} addressed to Host '{Host}' with 421: only {Expected} are answered (a page whose name resolves to 127.0.0.1, DNS rebinding, must not reach the emulator)")]
    public static partial void HostRefused(ILogger logger, string method, string path, string host, string expected);

    [LoggerMessage(EventId = Events.InsecureWellKnownKey, EventName = nameof(Events.InsecureWellKnownKey), Level = LogLevel.Warning,
        Message = "The emulator runs with the published well-known account key (AllowInsecureWellKnownKey): anyone on this machine can sign requests that run commands as this user")]
    public static partial void InsecureWellKnownKey(ILogger logger);

    [LoggerMessage(EventId = Events.FileLinkRefused, EventName = nameof(Events.FileLinkRefused), Level = LogLevel.Warning,
        Message = "Refused {Method} of file '{Path}': a symbolic link on its path leads outside the node's folder; answered 404")]
    public static partial void FileLinkRefused(ILogger logger, string method, string path);

    [LoggerMessage(EventId = Events.FileListLinkRefused, EventName = nameof(Events.FileListLinkRefused), Level = LogLevel.Warning,
        Message = "Left '{Path}' out of a file list of {Folder}: it is a symbolic link that leads outside that folder")]
    public static partial void FileListLinkRefused(ILogger logger, string folder, string path);
}
