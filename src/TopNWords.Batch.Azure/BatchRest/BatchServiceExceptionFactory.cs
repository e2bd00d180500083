using System.Text;
using System.Text.Json;
using Azure;
using Azure.Core;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Internal;

namespace TopNWords.Batch.Azure.BatchRest;

/// <summary>Turns failed Batch calls into <see cref="BatchServiceException"/> with a message that names the operation and resource and holds no secret.</summary>
internal static class BatchServiceExceptionFactory
{
    /// <summary>The error of a response with a non-success status, parsed from the Batch error body.</summary>
    internal static BatchServiceException FromResponse(string operation, string? resource, HttpMessage message)
    {
        Response response = message.Response;
        string[] secrets = GetKnownSecrets(message.Request);
        (string? code, string? errorMessage, List<KeyValuePair<string, string>> values) = ParseErrorBody(response);

        errorMessage = errorMessage is null ? null : SecretRedaction.RedactText(errorMessage, secrets);
        for (int i = 0; i < values.Count; i++)
        {
            values[i] = new(values[i].Key, SecretRedaction.RedactText(values[i].Value, secrets));
        }

        string? requestId = response.Headers.TryGetValue("request-id", out string? id) ? id : null;

        var text = new StringBuilder();
        AppendSubject(text, operation, resource);
        text.Append(response.Status);
        string? label = code ?? (string.IsNullOrEmpty(response.ReasonPhrase) ? null : response.ReasonPhrase);
        if (label is not null)
        {
            text.Append(' ').Append(label);
        }

        string? summary = Summarize(errorMessage);
        if (summary is not null)
        {
            text.Append(": ").Append(summary);
        }

        if (values.Count > 0)
        {
            text.Append(" (");
            for (int i = 0; i < values.Count; i++)
            {
                text.Append(i == 0 ? string.Empty : "; ").Append(values[i].Key).Append('=').Append(values[i].Value);
            }

            text.Append(')');
        }

        if (requestId is not null)
        {
            text.Append(" RequestId: ").Append(requestId).Append('.');
        }

        string? hint = Hint(response.Status, code);
        if (hint is not null)
        {
            text.Append(' ').Append(hint);
        }

        return new BatchServiceException(
            SecretRedaction.RedactText(text.ToString(), secrets),
            response.Status,
            code,
            errorMessage,
            values,
            requestId)
        {
            RetryAfter = BatchRetryPolicy.GetServerDelay(response),
        };
    }

    /// <summary>The error of a call that got no response after the retries (network failure or timeout).</summary>
    internal static BatchServiceException FromTransportFailure(string operation, string? resource, Exception exception)
    {
        var text = new StringBuilder();
        AppendSubject(text, operation, resource);
        text.Append("no response from the service (")
            .Append(exception.GetType().Name).Append(": ").Append(SecretRedaction.RedactText(exception.Message))
            .Append("). Check the account endpoint and the network; transient failures were retried as BatchClientOptions.Retry allows.");
        return new BatchServiceException(text.ToString(), 0, null, null, null, null, exception);
    }

    /// <summary>The error of a success response whose body could not be read.</summary>
    internal static BatchServiceException FromUnreadableResponse(string operation, string? resource, HttpMessage message, Exception? exception)
    {
        Response response = message.Response;
        string? requestId = response.Headers.TryGetValue("request-id", out string? id) ? id : null;
        var text = new StringBuilder();
        AppendSubject(text, operation, resource);
        text.Append(response.Status).Append(" with a body that is not the expected JSON");
        if (exception is not null)
        {
            text.Append(" (").Append(SecretRedaction.RedactText(exception.Message)).Append(')');
        }

        text.Append('.');
        if (requestId is not null)
        {
            text.Append(" RequestId: ").Append(requestId).Append('.');
        }

        return new BatchServiceException(text.ToString(), response.Status, null, null, null, requestId, exception);
    }

    private static void AppendSubject(StringBuilder text, string operation, string? resource)
    {
        text.Append(operation);
        if (resource is not null)
        {
            text.Append(" '").Append(resource).Append('\'');
        }

        text.Append(" failed: ");
    }

    /// <summary>The message without the <c>RequestId:</c> and <c>Time:</c> lines the service appends, on one line.</summary>
    private static string? Summarize(string? errorMessage)
    {
        if (string.IsNullOrWhiteSpace(errorMessage))
        {
            return null;
        }

        var lines = new List<string>();
        foreach (string line in errorMessage.Split('\n'))
        {
            string trimmed = line.Trim();
            if (trimmed.Length > 0 &&
                !trimmed.StartsWith("RequestId:", StringComparison.OrdinalIgnoreCase) &&
                !trimmed.StartsWith("Time:", StringComparison.OrdinalIgnoreCase))
            {
                lines.Add(trimmed);
            }
        }

        return lines.Count == 0 ? null : string.Join(' ', lines);
    }

    private static string? Hint(int status, string? code) => (status, code) switch
    {
        (_, BatchErrorCodes.AuthenticationFailed) or (401, _) =>
            "Check the account name and key (Shared Key) or the identity's access to the account (Microsoft Entra ID), " +
            "and the clock: a Shared Key request must reach the service within 15 minutes of its ocp-date.",
        (403, _) => "The credential is valid but not allowed to do this: check the identity's role on the Batch account.",
        (408 or 429 or 500 or 502 or 503 or 504, _) =>
            "This is a transient error and the retries were used up: try again later, or allow more retries in BatchClientOptions.Retry.",
        _ => null,
    };

    private static (string? Code, string? Message, List<KeyValuePair<string, string>> Values) ParseErrorBody(Response response)
    {
        var values = new List<KeyValuePair<string, string>>();
        BinaryData content;
        try
        {
            content = response.Content;
        }
        catch (InvalidOperationException)
        {
            // Not buffered (a streamed download): the caller buffers error bodies first; nothing to read here.
            return (null, null, values);
        }

        if (content.ToMemory().IsEmpty)
        {
            return (null, null, values);
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(content.ToMemory());
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null, values);
            }

            string? code = GetString(root, "code");
            string? message = null;
            if (TryGetProperty(root, "message", out JsonElement messageElement))
            {
                message = messageElement.ValueKind switch
                {
                    JsonValueKind.String => messageElement.GetString(),
                    JsonValueKind.Object => GetString(messageElement, "value"),
                    _ => null,
                };
            }

            if (TryGetProperty(root, "values", out JsonElement valuesElement) && valuesElement.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement item in valuesElement.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object)
                    {
                        string? key = GetString(item, "key");
                        if (key is not null)
                        {
                            values.Add(new(key, GetString(item, "value") ?? string.Empty));
                        }
                    }
                }
            }

            return (code, message, values);
        }
        catch (JsonException)
        {
            return (null, null, values);
        }
    }

    private static bool TryGetProperty(JsonElement element, string name, out JsonElement value)
    {
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    private static string? GetString(JsonElement element, string name)
        => TryGetProperty(element, name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The request's credential, verbatim and without its scheme, so that an echo of it can be removed.</summary>
    private static string[] GetKnownSecrets(Request request)
    {
        if (!request.Headers.TryGetValue(HttpHeader.Names.Authorization, out string? authorization) || string.IsNullOrEmpty(authorization))
        {
            return [];
        }

        int space = authorization.IndexOf(' ', StringComparison.Ordinal);
        string credential = space < 0 ? authorization : authorization[(space + 1)..];
        int colon = credential.LastIndexOf(':');
        string signature = colon < 0 ? credential : credential[(colon + 1)..];
        return [authorization, credential, signature];
    }
}
