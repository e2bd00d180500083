using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TopNWords.Batch;
using TopNWords.Batch.DependencyInjection;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the TopNWords.Batch workflow (<see cref="IBatchWorkflow"/>) in a service collection.</summary>
public static class TopNWordsBatchServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="IBatchWorkflow"/> whose settings are bound from <paramref name="configuration"/>
    /// (usually <c>configuration.GetSection("TopNWords")</c>) and validated when the host starts.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section holding <c>Backend</c>, <c>Workflow</c>, <c>Local</c> (and a backend's own, such as <c>Azure</c>).</param>
    /// <returns>A builder, to add a backend such as Azure (<c>.AddAzure()</c>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// The workflow takes <c>ILoggerFactory</c> and <see cref="TimeProvider"/> from the container (<see cref="TimeProvider.System"/>
    /// when none is registered), and the Polly pipeline named <see cref="TopNWordsBatchOptions.ResiliencePipelineName"/> when the
    /// container has a <c>ResiliencePipelineProvider&lt;string&gt;</c> that knows it. The container disposes the workflow
    /// (asynchronously: dispose the provider with <c>DisposeAsync</c>, as hosts do).
    /// </remarks>
    public static ITopNWordsBatchBuilder AddTopNWordsBatch(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = AddCore(services, configuration);
        services.AddOptions<TopNWordsBatchOptions>(builder.Name).Bind(configuration);
        return builder;
    }

    /// <summary>
    /// Registers a singleton <see cref="IBatchWorkflow"/> with the default settings: the local backend under the per-user
    /// state folder (<see cref="LocalBatchWorkflowOptions.DefaultRootDirectory"/>).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>A builder, to add a backend such as Azure (<c>.AddAzure()</c>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    /// <remarks>See <see cref="AddTopNWordsBatch(IServiceCollection, IConfiguration)"/>.</remarks>
    public static ITopNWordsBatchBuilder AddTopNWordsBatch(this IServiceCollection services)
        => AddTopNWordsBatch(services, configure: null);

    /// <summary>Registers a singleton <see cref="IBatchWorkflow"/> whose settings are given in code, validated when the host starts.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the settings, or <see langword="null"/> for the defaults (the local backend under the per-user state folder).</param>
    /// <returns>A builder, to add a backend such as Azure (<c>.AddAzure()</c>).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    /// <remarks>See <see cref="AddTopNWordsBatch(IServiceCollection, IConfiguration)"/>.</remarks>
    public static ITopNWordsBatchBuilder AddTopNWordsBatch(this IServiceCollection services, Action<TopNWordsBatchOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = AddCore(services, configuration: null);
        if (configure is not null)
        {
            services.Configure(builder.Name, configure);
        }

        return builder;
    }

    private static TopNWordsBatchBuilder AddCore(IServiceCollection services, IConfiguration? configuration)
    {
        var builder = new TopNWordsBatchBuilder(services, Options.Options.DefaultName, configuration);
        string sectionPath = configuration is IConfigurationSection section ? section.Path : TopNWordsBatchOptions.DefaultSectionName;
        services.AddOptions<TopNWordsBatchOptions>(builder.Name).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TopNWordsBatchOptions>>(sp => new TopNWordsBatchOptionsValidator(builder.Name, sectionPath, sp.GetService<IServiceProviderIsKeyedService>()));
        services.TryAddKeyedSingleton<ITaskRunnerProvider>(TopNWordsBatchOptions.LocalBackend, (_, _) => new DefaultTaskRunnerProvider());
        services.TryAddSingleton<ITaskRunnerProvider>(sp => TopNWordsBatchFactory.CreateTaskRunnerProvider(sp, builder.Name));
        services.TryAddSingleton<IBatchWorkflow>(sp => TopNWordsBatchFactory.CreateWorkflow(sp, builder.Name));
        return builder;
    }

    private sealed class TopNWordsBatchBuilder(IServiceCollection services, string name, IConfiguration? configuration) : ITopNWordsBatchBuilder
    {
        public IServiceCollection Services { get; } = services;

        public string Name { get; } = name;

        public IConfiguration? Configuration { get; } = configuration;
    }
}
