using System.Text;
using Microsoft.Extensions.Logging;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Internal;

namespace TopNWords.Batch.Azure.Compute;

/// <summary>Maps Batch REST failures to <see cref="BatchComputeException"/>, with messages that say what to do and hold no secret.</summary>
internal static class AzureBatchErrors
{
    /// <summary>The kind of failure a Batch service error is.</summary>
    public static BatchComputeErrorKind Classify(BatchServiceException exception)
    {
        string code = exception.ErrorCode ?? string.Empty;
        if (code.Contains("Quota", StringComparison.OrdinalIgnoreCase))
        {
            return BatchComputeErrorKind.QuotaExceeded;
        }

        return exception.Status switch
        {
            0 or 408 or 429 or >= 500 => BatchComputeErrorKind.Unavailable,
            401 or 403 => BatchComputeErrorKind.Forbidden,
            404 => BatchComputeErrorKind.NotFound,
            409 when code.EndsWith("Exists", StringComparison.OrdinalIgnoreCase) => BatchComputeErrorKind.AlreadyExists,
            409 or 412 => BatchComputeErrorKind.Conflict,
            400 or 413 => BatchComputeErrorKind.InvalidRequest,
            _ => BatchComputeErrorKind.Other,
        };
    }

    /// <summary>
    /// The compute failure of <paramref name="exception"/>: what failed on which pool, job or task of which account,
    /// what to do, and the service's (already redacted) details; the service exception stays the inner exception.
    /// </summary>
    /// <param name="exception">The service failure.</param>
    /// <param name="account">The account's display name (its endpoint host).</param>
    /// <param name="action">What was being done, e.g. "create pool".</param>
    /// <param name="resourceKind">"pool", "job" or "task".</param>
    /// <param name="resourceId">The id of the pool, job or task.</param>
    public static BatchComputeException Map(BatchServiceException exception, string account, string action, string resourceKind, string resourceId)
    {
        BatchComputeErrorKind kind = Classify(exception);
        string subject = $"{resourceKind} '{resourceId}'";
        string advice = kind switch
        {
            BatchComputeErrorKind.NotFound =>
                $"Could not {action} {subject} on Azure Batch account '{account}': it does not exist ({exception.ErrorCode ?? "404"}). Check the id, or create it first.",
            BatchComputeErrorKind.AlreadyExists =>
                $"Could not {action} {subject} on Azure Batch account '{account}': it already exists. Delete it, or use another id.",
            BatchComputeErrorKind.Conflict =>
                $"Could not {action} {subject} on Azure Batch account '{account}': its state does not allow it now ({exception.ErrorCode ?? "409"}, for example it is being deleted). Wait for the current operation to finish, or use another id.",
            BatchComputeErrorKind.Forbidden =>
                $"Azure Batch account '{account}' refused to {action} {subject} ({exception.Status}): check the account key (Shared Key) or the credential's role on the Batch account (Microsoft Entra ID), and the account name in the endpoint.",
            BatchComputeErrorKind.InvalidRequest =>
                $"Azure Batch account '{account}' refused to {action} {subject} as invalid ({exception.ErrorCode ?? exception.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)}): fix the definition and run again.",
            BatchComputeErrorKind.QuotaExceeded =>
                $"Could not {action} {subject}: a quota of Azure Batch account '{account}' is reached ({exception.ErrorCode}). Ask for fewer or smaller nodes, delete unused pools or jobs, or raise the quota (Azure portal, Batch account, Quotas).",
            BatchComputeErrorKind.Unavailable =>
                $"Azure Batch account '{account}' could not {action} {subject}: {(exception.Status == 0 ? "no response" : $"status {exception.Status}")} after the retries BatchClientOptions.Retry allows. Check the endpoint and the network, or try again later.",
            _ => $"Could not {action} {subject} on Azure Batch account '{account}'.",
        };

        return new BatchComputeException(kind, $"{advice} Service: {exception.Message}", resourceId, exception.ErrorCode, exception)
        {
            RetryAfter = kind == BatchComputeErrorKind.Unavailable ? exception.RetryAfter : null,
        };
    }

    /// <summary>Logs a failed operation (ids, status and code only) and returns its compute failure (see <see cref="Map"/>).</summary>
    /// <param name="logger">The logger.</param>
    /// <param name="account">The account's display name (its endpoint host).</param>
    /// <param name="exception">The service failure.</param>
    /// <param name="action">What was being done, e.g. "create".</param>
    /// <param name="resourceKind">"pool", "job", "node" or "task".</param>
    /// <param name="resourceId">The id of the resource.</param>
    public static BatchComputeException Fail(ILogger logger, string account, BatchServiceException exception, string action, string resourceKind, string resourceId)
    {
        AzureBatchLog.OperationFailed(logger, account, action + " " + resourceKind, resourceId, exception.Status, exception.ErrorCode ?? "none");
        return Map(exception, account, action, resourceKind, resourceId);
    }

    /// <summary>The service's <c>code: message (key=value; …)</c> of a task add error, redacted.</summary>
    public static (string Code, string Message) Describe(BatchError? error, string fallbackCode)
    {
        if (error is null)
        {
            return (fallbackCode, "The service gave no error details.");
        }

        var text = new StringBuilder(error.Message?.Value?.Trim() ?? string.Empty);
        if (error.Values is { Count: > 0 } values)
        {
            text.Append(text.Length > 0 ? " (" : "(");
            text.AppendJoin("; ", values.Select(v => $"{v.Key}={v.Value}"));
            text.Append(')');
        }

        return (error.Code ?? fallbackCode, SecretRedaction.RedactText(OneLine(text.ToString())));
    }

    /// <summary>A node error as <c>code: message (name=value; …)</c>, redacted (node errors may quote resource file URLs).</summary>
    public static string Describe(BatchNodeError error)
    {
        var text = new StringBuilder(error.Code ?? "NodeError");
        if (!string.IsNullOrWhiteSpace(error.Message))
        {
            text.Append(": ").Append(error.Message.Trim());
        }

        if (error.ErrorDetails is { Count: > 0 } details)
        {
            text.Append(" (").AppendJoin("; ", details.Select(d => $"{d.Name}={d.Value}")).Append(')');
        }

        return SecretRedaction.RedactText(OneLine(text.ToString()));
    }

    /// <summary>A resize error's message with its values, redacted.</summary>
    public static string Describe(BatchResizeError error)
    {
        var text = new StringBuilder(error.Message?.Trim() ?? string.Empty);
        if (error.Values is { Count: > 0 } values)
        {
            text.Append(text.Length > 0 ? " (" : "(").AppendJoin("; ", values.Select(v => $"{v.Name}={v.Value}")).Append(')');
        }

        return SecretRedaction.RedactText(OneLine(text.ToString()));
    }

    /// <summary>A task failure's message with the details that do not repeat it (<c>message (name=value; …)</c>), redacted.</summary>
    public static string Describe(BatchTaskFailureInfo failure)
    {
        var message = new StringBuilder(failure.Message?.Trim() ?? string.Empty);
        if (failure.Details is { Count: > 0 } details)
        {
            var extra = details.Where(d => !string.Equals(d.Value?.Trim(), failure.Message?.Trim(), StringComparison.Ordinal)).ToList();
            if (extra.Count > 0)
            {
                message.Append(message.Length > 0 ? " (" : "(").AppendJoin("; ", extra.Select(d => $"{d.Name}={d.Value}")).Append(')');
            }
        }

        return SecretRedaction.RedactText(OneLine(message.ToString()));
    }

    /// <summary>Text with line breaks folded into spaces.</summary>
    public static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
