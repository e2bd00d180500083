using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using TopNWords.Batch;
using TopNWords.Batch.Azure;
using TopNWords.Batch.Azure.DependencyInjection;
using TopNWords.Batch.Compute;
using TopNWords.Batch.Storage;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the Azure backend (Azure Blob storage and Azure Batch) to the TopNWords.Batch registration.</summary>
public static class AzureTopNWordsBatchBuilderExtensions
{
    /// <summary>
    /// Makes the backend <c>Azure</c> available (<c>TopNWords:Backend = Azure</c>), bound from the <c>Azure</c> subsection of
    /// the builder's section (<c>TopNWords:Azure</c>) and validated at start-up when the backend is Azure.
    /// </summary>
    /// <param name="builder">The builder that <c>AddTopNWordsBatch</c> returned.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static ITopNWordsBatchBuilder AddAzure(this ITopNWordsBatchBuilder builder)
        => AddAzure(builder, configure: null);

    /// <summary>
    /// Makes the backend <c>Azure</c> available (<c>TopNWords:Backend = Azure</c>), bound from the <c>Azure</c> subsection of
    /// the builder's section (<c>TopNWords:Azure</c>), then adjusted by <paramref name="configure"/>, and validated at
    /// start-up when the backend is Azure.
    /// </summary>
    /// <param name="builder">The builder that <c>AddTopNWordsBatch</c> returned.</param>
    /// <param name="configure">Adjusts the settings after binding, or <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <remarks>
    /// Storage: <c>Storage:ConnectionString</c>; or <c>Storage:ServiceUri</c> with <c>Storage:AccountKey</c> (and
    /// <c>Storage:AccountName</c>), or with the <c>Azure.Core.TokenCredential</c> registered in the container. Batch:
    /// <c>Batch:Endpoint</c> with <c>Batch:AccountKey</c> (and <c>Batch:AccountName</c>), or with the container's
    /// <c>TokenCredential</c>. The storage and the compute are keyed singletons (key <c>Azure</c>) of
    /// <see cref="IBlobStorage"/> and <see cref="IBatchCompute"/>; <see cref="ITaskRunnerProvider"/> gives the task runner for
    /// the Linux nodes.
    /// </remarks>
    public static ITopNWordsBatchBuilder AddAzure(this ITopNWordsBatchBuilder builder, Action<TopNWordsAzureOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        string name = builder.Name;
        var options = services.AddOptions<TopNWordsAzureOptions>(name);
        string sectionPath = TopNWordsBatchOptions.DefaultSectionName + ":" + TopNWordsAzureOptions.BackendName;
        if (builder.Configuration is { } configuration)
        {
            var section = configuration.GetSection(TopNWordsAzureOptions.BackendName);
            sectionPath = section.Path;
            options.Bind(section);
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.AddSingleton<IValidateOptions<TopNWordsAzureOptions>>(sp => new TopNWordsAzureOptionsValidator(name, sectionPath, sp));
        services.TryAddKeyedSingleton<IBlobStorage>(TopNWordsAzureOptions.BackendName, (sp, _) => AzureBackendFactory.CreateStorage(sp, name));
        services.TryAddKeyedSingleton<IBatchCompute>(TopNWordsAzureOptions.BackendName, (sp, _) => AzureBackendFactory.CreateCompute(sp, name));
        services.TryAddKeyedSingleton<ITaskRunnerProvider>(TopNWordsAzureOptions.BackendName, (sp, _) => new AzureTaskRunnerProvider(sp.GetRequiredService<IOptionsMonitor<TopNWordsAzureOptions>>().Get(name)));
        return builder;
    }
}
