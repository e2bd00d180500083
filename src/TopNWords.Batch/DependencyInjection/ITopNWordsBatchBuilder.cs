using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// What <see cref="TopNWordsBatchServiceCollectionExtensions.AddTopNWordsBatch(IServiceCollection, IConfiguration)"/> returns:
/// backends (such as TopNWords.Batch.Azure's <c>AddAzure()</c>) register through it.
/// </summary>
public interface ITopNWordsBatchBuilder
{
    /// <summary>Gets the service collection.</summary>
    IServiceCollection Services { get; }

    /// <summary>Gets the name of the options (<see cref="Options.Options.DefaultName"/>, the empty string).</summary>
    string Name { get; }

    /// <summary>
    /// Gets the configuration section the settings were bound from (such as <c>TopNWords</c>), whose subsections a backend
    /// binds (such as <c>TopNWords:Azure</c>); <see langword="null"/> when the settings were given in code.
    /// </summary>
    IConfiguration? Configuration { get; }
}
