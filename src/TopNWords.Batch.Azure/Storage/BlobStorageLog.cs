using Microsoft.Extensions.Logging;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Azure.Storage;

/// <summary>
/// The log messages of <see cref="AzureBlobStorage"/>. They name accounts, containers and blobs; they never
/// hold a key, a connection string, a SAS signature or a whole URL.
/// </summary>
internal static partial class BlobStorageLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Debug, Message = "Storage account {Account}: created container {Container}")]
    public static partial void ContainerCreated(ILogger logger, string account, string container);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "Storage account {Account}: deleted container {Container}")]
    public static partial void ContainerDeleted(ILogger logger, string account, string container);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Debug, Message = "Storage account {Account}: uploaded blob {Blob} to container {Container} ({Length} bytes)")]
    public static partial void Uploaded(ILogger logger, string account, string container, string blob, long length);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Debug, Message = "Storage account {Account}: blob {Blob} of container {Container} already holds the same {Length} bytes; upload skipped")]
    public static partial void UploadSkipped(ILogger logger, string account, string container, string blob, long length);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Debug, Message = "Storage account {Account}: downloaded blob {Blob} of container {Container} to {Destination}")]
    public static partial void Downloaded(ILogger logger, string account, string container, string blob, string destination);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Debug, Message = "Storage account {Account}: issued a URL for {Resource} with permissions {Permissions}, valid from {StartsOn:u} to {ExpiresOn:u}")]
    public static partial void UrlIssued(ILogger logger, string account, string resource, string permissions, DateTimeOffset startsOn, DateTimeOffset expiresOn);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Information, Message = "Storage account {Account}: obtained a user delegation key valid until {ExpiresOn:u}")]
    public static partial void UserDelegationKeyObtained(ILogger logger, string account, DateTimeOffset expiresOn);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Debug, Message = "Storage account {Account}: could not {Action}: {Kind} ({Status} {ErrorCode})")]
    public static partial void OperationFailed(ILogger logger, string account, string action, BlobStorageErrorKind kind, int status, string errorCode);
}
