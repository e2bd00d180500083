using System.Net.Sockets;
using Azure;
using Azure.Storage.Blobs.Models;
using TopNWords.Batch.Internal;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.Azure.Storage;

/// <summary>
/// Turns Azure SDK failures into <see cref="BlobStorageException"/>s with messages of our own. A
/// <see cref="RequestFailedException"/>'s message can echo request URLs, headers and service diagnostics,
/// so it is never copied and never kept as the inner exception: only its status and error code are.
/// </summary>
internal static class AzureBlobErrors
{
    /// <summary>Tells whether <paramref name="exception"/> is a service or network failure that <see cref="Map"/> describes.</summary>
    public static bool IsServiceFailure(Exception exception, CancellationToken cancellationToken)
    {
        return exception switch
        {
            RequestFailedException => true,
            AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(e => IsServiceFailure(e, cancellationToken)),
            HttpRequestException or SocketException or TimeoutException => true,
            IOException io => IsNetworkIOException(io),
            OperationCanceledException => !cancellationToken.IsCancellationRequested, // a NetworkTimeout, not the caller
            _ => false,
        };
    }

    /// <summary>Describes a failure of <paramref name="action"/> (for example, "upload blob 'b' to container 'c'").</summary>
    /// <param name="exception">The failure; see <see cref="IsServiceFailure"/>.</param>
    /// <param name="account">The storage account name.</param>
    /// <param name="endpoint">The service endpoint, without query.</param>
    /// <param name="action">What was being done, as a verb phrase.</param>
    /// <param name="containerName">The container involved, if any.</param>
    /// <param name="blobName">The blob involved, if any.</param>
    /// <param name="secrets">Values that must not appear in the message (keys), removed from any text that is quoted.</param>
    /// <returns>The exception to throw, with no inner exception.</returns>
    public static BlobStorageException Map(Exception exception, string account, string endpoint, string action, string? containerName, string? blobName, IReadOnlyList<string> secrets)
    {
        var (kind, status, code) = Classify(exception);
        string resource = blobName is not null && containerName is not null
            ? $"blob '{blobName}' of container '{containerName}'"
            : containerName is not null ? $"container '{containerName}'" : "the account";
        string statusText = status == 0 ? code : $"{status} {code}".TrimEnd();
        string message = kind switch
        {
            BlobStorageErrorKind.NotFound when code == BlobErrorCode.ContainerNotFound.ToString() || blobName is null || containerName is null =>
                $"Could not {action}: container '{containerName}' does not exist in storage account '{account}'. Create it first with CreateContainerIfNotExistsAsync.",
            BlobStorageErrorKind.NotFound =>
                $"Could not {action}: blob '{blobName}' does not exist in container '{containerName}' of storage account '{account}'. Check that it was uploaded and its container not deleted.",
            BlobStorageErrorKind.AlreadyExists when blobName is not null =>
                $"Could not {action}: blob '{blobName}' already exists in container '{containerName}' of storage account '{account}' and overwriting was not allowed. Set BlobStorageUploadOptions.Overwrite to replace it.",
            BlobStorageErrorKind.AlreadyExists =>
                $"Could not {action}: {resource} already exists in storage account '{account}' ({statusText}).",
            BlobStorageErrorKind.Forbidden =>
                $"Storage account '{account}' refused to {action} ({statusText}). Check the account name and key (or the connection string), or, with a Microsoft Entra ID credential, that the identity has a 'Storage Blob Data Contributor' role (and 'Storage Blob Delegator' to sign URLs) on the account.",
            BlobStorageErrorKind.Unavailable =>
                $"Could not {action}: storage account '{account}' at {endpoint} did not answer ({Reason(exception, statusText, secrets)}). Check the endpoint and the network; AzureBlobStorageOptions.Retry (MaxRetries, NetworkTimeout) bounds how long each request is tried.",
            BlobStorageErrorKind.InvalidName =>
                $"Could not {action}: storage account '{account}' refused the name of {resource} ({statusText}).",
            _ when code == BlobErrorCode.ContainerBeingDeleted.ToString() =>
                $"Could not {action}: container '{containerName}' of storage account '{account}' is still being deleted. Try again in a minute, or use another container name.",
            _ => $"Could not {action} in storage account '{account}' ({statusText}).",
        };
        return new BlobStorageException(kind, message, containerName, blobName)
        {
            RetryAfter = kind == BlobStorageErrorKind.Unavailable ? RetryAfterOf(exception) : null,
        };
    }

    /// <summary>
    /// The wait the service asked for in the response of a failure (<c>x-ms-retry-after-ms</c>, <c>retry-after-ms</c>, or
    /// <c>Retry-After</c> in seconds or as an HTTP date measured from the response's <c>Date</c>), if there is one.
    /// </summary>
    internal static TimeSpan? RetryAfterOf(Exception exception)
    {
        var response = exception switch
        {
            RequestFailedException rfe => rfe.GetRawResponse(),
            AggregateException { InnerExceptions.Count: > 0 } aggregate when aggregate.InnerExceptions[^1] is RequestFailedException last => last.GetRawResponse(),
            _ => null,
        };
        if (response is null)
        {
            return null;
        }

        foreach (string header in new[] { "x-ms-retry-after-ms", "retry-after-ms" })
        {
            if (response.Headers.TryGetValue(header, out string? value)
                && double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double milliseconds)
                && milliseconds >= 0)
            {
                return TimeSpan.FromMilliseconds(milliseconds);
            }
        }

        if (response.Headers.TryGetValue("Retry-After", out string? retryAfter) && !string.IsNullOrWhiteSpace(retryAfter))
        {
            retryAfter = retryAfter.Trim();
            if (int.TryParse(retryAfter, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int seconds))
            {
                return TimeSpan.FromSeconds(seconds);
            }

            if (response.Headers.Date is { } now
                && DateTimeOffset.TryParse(retryAfter, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at))
            {
                return at > now ? at - now : TimeSpan.Zero;
            }
        }

        return null;
    }

    /// <summary>The kind, HTTP status (0 without a response) and service error code of a failure.</summary>
    internal static (BlobStorageErrorKind Kind, int Status, string Code) Classify(Exception exception)
    {
        switch (exception)
        {
            case RequestFailedException { Status: 0 }:
                return (BlobStorageErrorKind.Unavailable, 0, "no response");
            case RequestFailedException rfe:
                string code = rfe.ErrorCode ?? string.Empty;
                return (KindOf(rfe.Status, code), rfe.Status, code);
            case AggregateException aggregate when aggregate.InnerExceptions.Count > 0:
                // Azure.Core's retry policy gives up with every attempt's failure: the last one tells.
                return Classify(aggregate.InnerExceptions[^1]);
            case OperationCanceledException or TimeoutException:
                return (BlobStorageErrorKind.Unavailable, 0, "timed out");
            default:
                return (BlobStorageErrorKind.Unavailable, 0, "network error");
        }
    }

    private static BlobStorageErrorKind KindOf(int status, string code)
    {
        if (code == BlobErrorCode.ContainerNotFound.ToString() || code == BlobErrorCode.BlobNotFound.ToString() || status == 404)
        {
            return BlobStorageErrorKind.NotFound;
        }

        if (code == BlobErrorCode.BlobAlreadyExists.ToString() || code == BlobErrorCode.ContainerAlreadyExists.ToString() || code == BlobErrorCode.ConditionNotMet.ToString() || status == 412)
        {
            // 412 only arises from the If-None-Match: * of an upload that may not overwrite.
            return BlobStorageErrorKind.AlreadyExists;
        }

        if (code == BlobErrorCode.ContainerBeingDeleted.ToString())
        {
            return BlobStorageErrorKind.Other;
        }

        if (status is 401 or 403 || code == BlobErrorCode.AuthenticationFailed.ToString() || code == BlobErrorCode.InvalidAuthenticationInfo.ToString())
        {
            return BlobStorageErrorKind.Forbidden;
        }

        if (code == BlobErrorCode.InvalidResourceName.ToString() || code == BlobErrorCode.OutOfRangeInput.ToString())
        {
            return BlobStorageErrorKind.InvalidName;
        }

        if (status is 408 or 429 or 500 or 502 or 503 or 504)
        {
            return BlobStorageErrorKind.Unavailable;
        }

        return BlobStorageErrorKind.Other;
    }

    /// <summary>A short network reason (for example, "Connection refused (127.0.0.1:10000)"), with secrets removed.</summary>
    private static string Reason(Exception exception, string fallback, IReadOnlyList<string> secrets)
    {
        if (exception is RequestFailedException { Status: > 0 })
        {
            return fallback;
        }

        var innermost = exception;
        while (true)
        {
            if (innermost is AggregateException { InnerExceptions.Count: > 0 } aggregate)
            {
                innermost = aggregate.InnerExceptions[^1];
            }
            else if (innermost is RequestFailedException { Status: > 0 } failed)
            {
                return $"{failed.Status} {failed.ErrorCode}".TrimEnd();
            }
            else if (innermost.InnerException is not null)
            {
                innermost = innermost.InnerException;
            }
            else
            {
                break;
            }
        }

        string reason = SecretRedaction.RedactText(innermost.Message.ReplaceLineEndings(" "), secrets);

        if (reason.Length > 200)
        {
            reason = reason[..200] + "…";
        }

        return reason.Length == 0 ? fallback : reason;
    }

    private static bool IsNetworkIOException(IOException exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is SocketException or HttpIOException or HttpRequestException)
            {
                return true;
            }
        }

        return false;
    }
}
