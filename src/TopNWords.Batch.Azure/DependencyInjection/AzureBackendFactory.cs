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

/// <summary>The task runner for Azure Batch's Linux nodes: the configured publish folder, else the package's default.</summary>
internal sealed class AzureTaskRunnerProvider(TopNWordsAzureOptions options) : ITaskRunnerProvider
{
    public TaskApplication GetTaskRunner()
        => string.IsNullOrWhiteSpace(options.TaskRunnerPath)
            ? DefaultTaskRunner()
            : AzureTaskApplications.SelfContainedTaskRunner(options.TaskRunnerPath);

    /// <summary>
    /// THE ONE PLACE where the default task application of the Azure backend is chosen (when TopNWords:Azure:TaskRunnerPath
    /// is not set). Switch it to <c>AzureTaskApplications.LinuxTaskRunner()</c>, the native runner shipped in the package,
    /// once that exists.
    /// </summary>
    internal static TaskApplication DefaultTaskRunner()
        => throw new InvalidOperationException(
            $"TopNWords:{TopNWordsAzureOptions.BackendName}:TaskRunnerPath is not set: set it to the folder of a self-contained Linux publish of the task runner, "
            + "made with: dotnet publish src/TopNWords.TaskRunner -c Release -r linux-x64 --self-contained -o out/taskrunner-linux-x64");
}
