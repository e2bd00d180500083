using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Compute.Local;

namespace TopNWords.Batch.DependencyInjection;

/// <summary>
/// Validates <see cref="TopNWordsBatchOptions"/> at start-up with the library's own checks (<see cref="BatchWorkflowOptions.Validate"/>,
/// <see cref="LocalBatchWorkflowOptions.Validate"/>), each failure naming its configuration key, such as
/// <c>TopNWords:Workflow:MonitorPollInterval</c>; and that the backend is registered.
/// </summary>
internal sealed class TopNWordsBatchOptionsValidator(string name, string sectionPath, IServiceProviderIsKeyedService? keyedServices) : IValidateOptions<TopNWordsBatchOptions>
{
    public ValidateOptionsResult Validate(string? name1, TopNWordsBatchOptions options)
    {
        if (!string.Equals(name1 ?? Options.DefaultName, name, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }

        if (options.Workflow is null || options.Local is null)
        {
            return ValidateOptionsResult.Fail($"{sectionPath}:{(options.Workflow is null ? "Workflow" : "Local")} is null: leave the default, or set one.");
        }

        var failures = new List<string>();
        if (!options.IsLocal)
        {
            string key = TopNWordsBatchFactory.BackendKey(options);
            if (keyedServices is null || !keyedServices.IsKeyedService(typeof(IBatchCompute), key))
            {
                failures.Add(NotRegistered(sectionPath, options.Backend));
            }
        }

        var workflow = options.IsLocal ? new LocalBatchWorkflowOptions().Workflow : new BatchWorkflowOptions();
        Check(failures, $"{sectionPath}:Workflow", nameof(BatchWorkflowOptions), () => options.Workflow.ApplyTo(workflow).Validate());
        if (options.IsLocal)
        {
            var local = new LocalBatchWorkflowOptions { RootDirectory = options.Local.RootDirectory, ReadOnly = options.Local.ReadOnly };
            Check(failures, $"{sectionPath}:Local", nameof(LocalBatchWorkflowOptions), local.Validate);
            var compute = new LocalProcessComputeOptions { RootPath = Path.GetTempPath(), Durable = true };
            foreach (string variable in options.Local.PassThroughEnvironmentVariables)
            {
                compute.PassThroughEnvironmentVariables.Add(variable);
            }

            Check(failures, $"{sectionPath}:Local", nameof(LocalProcessComputeOptions), compute.Validate);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The failure of a backend that is configured but not registered.</summary>
    internal static string NotRegistered(string sectionPath, string backend)
        => string.Equals(backend.Trim(), TopNWordsBatchFactory.AzureBackend, StringComparison.OrdinalIgnoreCase)
            ? $"{sectionPath}:Backend is '{backend}', but the Azure backend is not registered: reference the TopNWords.Batch.Azure package and call AddAzure() on the builder, services.AddTopNWordsBatch(configuration.GetSection(\"{TopNWordsBatchOptions.DefaultSectionName}\")).AddAzure()."
            : $"{sectionPath}:Backend '{backend}' is not a registered backend: use '{TopNWordsBatchOptions.LocalBackend}' (the default), or '{TopNWordsBatchFactory.AzureBackend}' with the TopNWords.Batch.Azure package's AddAzure().";

    /// <summary>Runs one of the library's checks; its <see cref="ArgumentException"/> becomes a failure that names the key.</summary>
    internal static void Check(List<string> failures, string keyPrefix, string typeName, Action validate)
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
    internal static string Describe(ArgumentException exception, string keyPrefix, string typeName)
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
