namespace TopNWords.Batch.Internal;

/// <summary>
/// Turns the library's option checks (the <c>Validate()</c> methods, which throw <see cref="ArgumentException"/> naming the
/// option) into start-up failures that name the configuration key instead. Compiled into TopNWords.Batch and
/// TopNWords.Batch.Azure (internal in each).
/// </summary>
internal static class OptionsKeyMessages
{
    /// <summary>Runs one of the library's checks; its <see cref="ArgumentException"/> becomes a failure that names the key.</summary>
    public static void Check(List<string> failures, string keyPrefix, string typeName, Action validate)
    {
        try
        {
            validate();
        }
        catch (ArgumentException ex)
        {
            failures.Add(Describe(ex, keyPrefix, typeName));
        }
    }

    /// <summary>
    /// The message of a check's exception with the option's name (<c>BatchWorkflowOptions.MonitorPollInterval</c>) replaced by
    /// its configuration key (<c>TopNWords:Workflow:MonitorPollInterval</c>), without the "(Parameter ...)" suffix.
    /// </summary>
    public static string Describe(ArgumentException exception, string keyPrefix, string typeName)
    {
        string message = exception.Message;
        int end = message.IndexOf(Environment.NewLine, StringComparison.Ordinal); // ArgumentOutOfRangeException's "Actual value was" line
        if (end >= 0)
        {
            message = message[..end];
        }

        if (exception.ParamName is not { Length: > 0 } parameter)
        {
            return $"{keyPrefix}: {message}";
        }

        message = message.Replace($" (Parameter '{parameter}')", string.Empty, StringComparison.Ordinal);
        string key = $"{keyPrefix}:{parameter.Replace('.', ':')}";
        string optionName = $"{typeName}.{parameter}";
        return message.Contains(optionName, StringComparison.Ordinal)
            ? message.Replace(optionName, key, StringComparison.Ordinal)
            : $"{key}: {message}";
    }
}
