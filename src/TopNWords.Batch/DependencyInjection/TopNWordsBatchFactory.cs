using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Storage;

namespace TopNWords.Batch.DependencyInjection;

/// <summary>Builds the registered workflow and task runner provider from the validated options and the container.</summary>
internal static class TopNWordsBatchFactory
{
    /// <summary>The name of the Azure backend, which TopNWords.Batch.Azure registers (<c>AddAzure()</c>).</summary>
    internal const string AzureBackend = "Azure";

    /// <summary>The backend's service key: the canonical spelling of the two known backends, else the name as configured.</summary>
    internal static string BackendKey(TopNWordsBatchOptions options)
    {
        if (options.IsLocal)
        {
            return TopNWordsBatchOptions.LocalBackend;
        }

        string backend = options.Backend.Trim();
        return string.Equals(backend, AzureBackend, StringComparison.OrdinalIgnoreCase) ? AzureBackend : backend;
    }

    internal static IBatchWorkflow CreateWorkflow(IServiceProvider services, string name)
    {
        // Reading the options validates them (OptionsValidationException naming the keys), if the host did not already.
        var options = services.GetRequiredService<IOptionsMonitor<TopNWordsBatchOptions>>().Get(name);
        var loggerFactory = services.GetService<ILoggerFactory>();
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var resilience = ResiliencePipelineOf(services);
        var meters = services.GetService<IMeterFactory>();
        if (options.IsLocal)
        {
            var local = new LocalBatchWorkflowOptions
            {
                RootDirectory = options.Local.RootDirectory,
                ReadOnly = options.Local.ReadOnly,
                LoggerFactory = loggerFactory,
                TimeProvider = time,
            };
            foreach (string variable in options.Local.PassThroughEnvironmentVariables)
            {
                local.PassThroughEnvironmentVariables.Add(variable);
            }

            var workflowOptions = options.Workflow.ApplyTo(local.Workflow);
            workflowOptions.Resilience = resilience;
            workflowOptions.MeterFactory = meters;
            return new LocalBatchWorkflow(local);
        }

        string backend = BackendKey(options);
        var storage = services.GetKeyedService<IBlobStorage>(backend);
        var compute = services.GetKeyedService<IBatchCompute>(backend);
        if (storage is null || compute is null)
        {
            throw new InvalidOperationException(TopNWordsBatchOptionsValidator.NotRegistered(TopNWordsBatchOptions.DefaultSectionName, options.Backend));
        }

        var workflow = options.Workflow.ApplyTo(new BatchWorkflowOptions { TimeProvider = time, LoggerFactory = loggerFactory, Resilience = resilience, MeterFactory = meters });
        return new BatchWorkflow(storage, compute, workflow);
    }

    internal static ITaskRunnerProvider CreateTaskRunnerProvider(IServiceProvider services, string name)
    {
        var options = services.GetRequiredService<IOptionsMonitor<TopNWordsBatchOptions>>().Get(name);
        return services.GetKeyedService<ITaskRunnerProvider>(BackendKey(options)) ?? new DefaultTaskRunnerProvider();
    }

    /// <summary>The pipeline named <see cref="TopNWordsBatchOptions.ResiliencePipelineName"/>, if the container's Polly registry has it.</summary>
    private static ResiliencePipeline? ResiliencePipelineOf(IServiceProvider services)
        => services.GetService<ResiliencePipelineProvider<string>>() is { } provider
            && provider.TryGetPipeline(TopNWordsBatchOptions.ResiliencePipelineName, out var pipeline)
            ? pipeline
            : null;
}

/// <summary>The framework-dependent task runner from the application's folder, for backends whose nodes have .NET (the local one).</summary>
internal sealed class DefaultTaskRunnerProvider : ITaskRunnerProvider
{
    private readonly Lazy<TaskApplication> _application = new(() => TaskApplication.TopNWordsTaskRunner());

    public TaskApplication GetTaskRunner() => _application.Value;
}
