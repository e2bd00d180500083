using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Compute.Local;
using TopNWords.Batch.Internal;

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
        OptionsKeyMessages.Check(failures, $"{sectionPath}:Workflow", nameof(BatchWorkflowOptions), () => options.Workflow.ApplyTo(workflow).Validate());
        if (options.IsLocal)
        {
            var local = new LocalBatchWorkflowOptions { RootDirectory = options.Local.RootDirectory, ReadOnly = options.Local.ReadOnly };
            OptionsKeyMessages.Check(failures, $"{sectionPath}:Local", nameof(LocalBatchWorkflowOptions), local.Validate);
            var compute = new LocalProcessComputeOptions { RootPath = Path.GetTempPath(), Durable = true };
            foreach (string variable in options.Local.PassThroughEnvironmentVariables)
            {
                compute.PassThroughEnvironmentVariables.Add(variable);
            }

            OptionsKeyMessages.Check(failures, $"{sectionPath}:Local", nameof(LocalProcessComputeOptions), compute.Validate);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The failure of a backend that is configured but not registered.</summary>
    internal static string NotRegistered(string sectionPath, string backend)
        => string.Equals(backend.Trim(), TopNWordsBatchFactory.AzureBackend, StringComparison.OrdinalIgnoreCase)
            ? $"{sectionPath}:Backend is '{backend}', but the Azure backend is not registered: reference the TopNWords.Batch.Azure package and call AddAzure() on the builder, services.AddTopNWordsBatch(configuration.GetSection(\"{TopNWordsBatchOptions.DefaultSectionName}\")).AddAzure()."
            : $"{sectionPath}:Backend '{backend}' is not a registered backend: use '{TopNWordsBatchOptions.LocalBackend}' (the default), or '{TopNWordsBatchFactory.AzureBackend}' with the TopNWords.Batch.Azure package's AddAzure().";
}
