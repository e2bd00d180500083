using Microsoft.Extensions.Logging;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Azure.Storage;

/// <summary>
/// The storage account as <see cref="AzureBlobStorage"/> and its collaborators see it: the name and endpoint
/// their messages name, the texts those messages must never contain, and the one logger they all log to (so
/// that everything logs under the <see cref="AzureBlobStorage"/> category).
/// </summary>
internal sealed class BlobAccountContext
{
    private readonly string[] _secrets;

    public BlobAccountContext(string accountName, Uri serviceEndpoint, IEnumerable<string> secrets, ILogger logger)
    {
        AccountName = accountName;
        Endpoint = serviceEndpoint.AbsoluteUri;
        _secrets = [.. secrets.Where(s => !string.IsNullOrEmpty(s))];
        Logger = logger;
    }

    /// <summary>Gets the storage account name.</summary>
    public string AccountName { get; }

    /// <summary>Gets the Blob service endpoint, without query.</summary>
    public string Endpoint { get; }

    /// <summary>Gets the logger of the storage.</summary>
    public ILogger Logger { get; }

    /// <summary>Describes and logs a service or network failure of <paramref name="action"/> (see <see cref="AzureBlobErrors.Map"/>).</summary>
    /// <returns>The exception to throw.</returns>
    public BlobStorageException Failure(Exception ex, string action, string? containerName, string? blobName)
    {
        var failure = AzureBlobErrors.Map(ex, AccountName, Endpoint, action, containerName, blobName, _secrets);
        var (_, status, code) = AzureBlobErrors.Classify(ex);
        BlobStorageLog.OperationFailed(Logger, AccountName, action, failure.Kind, status, code);
        return failure;
    }
}
