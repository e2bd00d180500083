using Azure.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TopNWords.Batch.Azure.Compute;
using TopNWords.Batch.Azure.Storage;

namespace TopNWords.Batch.Azure.DependencyInjection;

/// <summary>Builds the Azure storage and compute of the registration from the validated options and the container.</summary>
internal static class AzureBackendFactory
{
    internal static AzureBlobStorage CreateStorage(IServiceProvider services, string name)
    {
        var settings = Settings(services, name).Storage;
        var options = settings.ApplyTo(new AzureBlobStorageOptions
        {
            TimeProvider = services.GetService<TimeProvider>() ?? TimeProvider.System,
            LoggerFactory = services.GetService<ILoggerFactory>(),
        });
        if (!string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            return new AzureBlobStorage(settings.ConnectionString, options);
        }

        var serviceUri = settings.ServiceUri!;
        return string.IsNullOrWhiteSpace(settings.AccountKey)
            ? new AzureBlobStorage(serviceUri, services.GetRequiredService<TokenCredential>(), options)
            : AzureBlobStorage.FromAccountKey(StorageAccountName(settings)!, settings.AccountKey, serviceUri, options);
    }

    internal static AzureBatchCompute CreateCompute(IServiceProvider services, string name)
    {
        var settings = Settings(services, name).Batch;
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var options = settings.ApplyTo(new AzureBatchComputeOptions { LoggerFactory = services.GetService<ILoggerFactory>() });
        options.ClientOptions.TimeProvider = time;
        options.TimeProvider = time;
        var endpoint = settings.Endpoint!;
        return string.IsNullOrWhiteSpace(settings.AccountKey)
            ? new AzureBatchCompute(endpoint, services.GetRequiredService<TokenCredential>(), options)
            : new AzureBatchCompute(endpoint, new BatchSharedKeyCredential(BatchAccountName(settings)!, settings.AccountKey), options);
    }

    /// <summary>The storage account name: as configured, else the first label of the service URI's host (not for an IP address or localhost).</summary>
    internal static string? StorageAccountName(TopNWordsAzureStorageOptions settings)
        => string.IsNullOrWhiteSpace(settings.AccountName) ? FirstLabel(settings.ServiceUri) : settings.AccountName.Trim();

    /// <summary>The Batch account name: as configured, else the first label of the endpoint's host (not for an IP address or localhost).</summary>
    internal static string? BatchAccountName(TopNWordsAzureBatchOptions settings)
        => string.IsNullOrWhiteSpace(settings.AccountName) ? FirstLabel(settings.Endpoint) : settings.AccountName.Trim();

    private static string? FirstLabel(Uri? uri)
        => uri is { IsAbsoluteUri: true, HostNameType: UriHostNameType.Dns, IsLoopback: false } && uri.Host.Contains('.', StringComparison.Ordinal)
            ? uri.Host.Split('.')[0]
            : null;

    private static TopNWordsAzureOptions Settings(IServiceProvider services, string name)
        => services.GetRequiredService<IOptionsMonitor<TopNWordsAzureOptions>>().Get(name);
}

/// <summary>
/// The task runner for Azure Batch's Linux nodes: by default the Native AOT executable the TopNWords.Batch package copies
/// next to the application (<see cref="AzureTaskApplications.LinuxTaskRunner"/>, one file per node); with
/// <c>TopNWords:Azure:TaskRunnerPath</c>, that file, or that folder (a Native AOT folder, or a self-contained publish).
/// </summary>
internal sealed class AzureTaskRunnerProvider(TopNWordsAzureOptions options) : ITaskRunnerProvider
{
    public TaskApplication GetTaskRunner()
    {
        if (string.IsNullOrWhiteSpace(options.TaskRunnerPath))
        {
            return AzureTaskApplications.LinuxTaskRunner();
        }

        return AzureTaskApplications.TaskRunnerAt(options.TaskRunnerPath);
    }
}
