using Azure.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TopNWords.Batch.Azure.Compute;
using TopNWords.Batch.Azure.Storage;
using TopNWords.Batch.Internal;

namespace TopNWords.Batch.Azure.DependencyInjection;

/// <summary>
/// Validates <see cref="TopNWordsAzureOptions"/> at start-up when the backend is Azure: what is missing or wrong, each
/// failure naming its configuration key (such as <c>TopNWords:Azure:Batch:Endpoint</c>), never a key's or connection
/// string's value.
/// </summary>
internal sealed class TopNWordsAzureOptionsValidator(string name, string sectionPath, IServiceProvider services) : IValidateOptions<TopNWordsAzureOptions>
{
    private const string RegisterCredential = "register a TokenCredential in the container, such as services.AddSingleton<TokenCredential>(new DefaultAzureCredential()) (Azure.Identity)";

    public ValidateOptionsResult Validate(string? name1, TopNWordsAzureOptions options)
    {
        if (!string.Equals(name1 ?? Options.DefaultName, name, StringComparison.Ordinal) || !IsAzureBackend())
        {
            return ValidateOptionsResult.Skip;
        }

        if (options.Storage is null || options.Batch is null)
        {
            return ValidateOptionsResult.Fail($"{sectionPath}:{(options.Storage is null ? "Storage" : "Batch")} is null: leave the default, or set one.");
        }

        bool hasCredential = services.GetService<IServiceProviderIsService>()?.IsService(typeof(TokenCredential)) == true;
        var failures = new List<string>();
        ValidateStorage(options.Storage, hasCredential, failures);
        ValidateBatch(options.Batch, hasCredential, failures);
        if (!string.IsNullOrWhiteSpace(options.TaskRunnerPath))
        {
            try
            {
                _ = AzureTaskApplications.SelfContainedTaskRunner(options.TaskRunnerPath);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or ArgumentException)
            {
                failures.Add($"{sectionPath}:TaskRunnerPath: {ex.Message}");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private void ValidateStorage(TopNWordsAzureStorageOptions storage, bool hasCredential, List<string> failures)
    {
        string prefix = $"{sectionPath}:Storage";
        int before = failures.Count;
        OptionsKeyMessages.Check(failures, prefix, nameof(AzureBlobStorageOptions), () => storage.ApplyTo(new AzureBlobStorageOptions()).Validate());
        if (!string.IsNullOrWhiteSpace(storage.ConnectionString))
        {
            if (storage.ServiceUri is not null || !string.IsNullOrWhiteSpace(storage.AccountKey))
            {
                failures.Add($"{prefix}:ConnectionString is set, and so is {prefix}:{(storage.ServiceUri is not null ? "ServiceUri" : "AccountKey")}: set the connection string alone (it holds the endpoint and the key), or ServiceUri with AccountKey or a TokenCredential.");
            }
            else if (failures.Count == before)
            {
                try
                {
                    // Parses only: no request is sent. The message never holds the connection string.
                    _ = new AzureBlobStorage(storage.ConnectionString);
                }
                catch (ArgumentException)
                {
                    failures.Add($"{prefix}:ConnectionString is not a valid Azure Storage connection string with an account key (its value is not shown): copy it again from the storage account's access keys, or use UseDevelopmentStorage=true for Azurite.");
                }
            }

            return;
        }

        if (storage.ServiceUri is null)
        {
            failures.Add($"{prefix}:ConnectionString or {prefix}:ServiceUri must be set: the connection string (holding the key), or the Blob service endpoint, such as https://myaccount.blob.core.windows.net, with {prefix}:AccountKey or a TokenCredential in the container.");
            return;
        }

        if (!IsHttpUrl(storage.ServiceUri))
        {
            failures.Add($"{prefix}:ServiceUri must be an absolute http(s) URL without query, such as https://myaccount.blob.core.windows.net (or http://127.0.0.1:10000/devstoreaccount1 for Azurite).");
            return;
        }

        if (!string.IsNullOrWhiteSpace(storage.AccountKey))
        {
            if (AzureBackendFactory.StorageAccountName(storage) is null)
            {
                failures.Add($"{prefix}:AccountName must be set with {prefix}:AccountKey: the host of {prefix}:ServiceUri does not name the account.");
            }

            if (!IsBase64(storage.AccountKey))
            {
                failures.Add($"{prefix}:AccountKey is not valid base64 (its value is not shown): copy it again from the storage account's access keys.");
            }
        }
        else if (!hasCredential)
        {
            failures.Add($"{prefix}:AccountKey is not set and the container has no TokenCredential: set the account key (or {prefix}:ConnectionString instead of ServiceUri), or {RegisterCredential}.");
        }
    }

    private void ValidateBatch(TopNWordsAzureBatchOptions batch, bool hasCredential, List<string> failures)
    {
        string prefix = $"{sectionPath}:Batch";
        OptionsKeyMessages.Check(failures, prefix, nameof(AzureBatchComputeOptions), () => batch.ApplyTo(new AzureBatchComputeOptions()).Validate());
        if (batch.Endpoint is null)
        {
            failures.Add($"{prefix}:Endpoint must be set: the Batch account endpoint, such as https://myaccount.westeurope.batch.azure.com.");
            return;
        }

        if (!IsHttpUrl(batch.Endpoint) || (batch.Endpoint.Scheme == Uri.UriSchemeHttp && !batch.Endpoint.IsLoopback))
        {
            failures.Add($"{prefix}:Endpoint must be an absolute https URL without query, such as https://myaccount.westeurope.batch.azure.com (http only on a loopback address, for the emulator).");
            return;
        }

        if (!string.IsNullOrWhiteSpace(batch.AccountKey))
        {
            if (AzureBackendFactory.BatchAccountName(batch) is null)
            {
                failures.Add($"{prefix}:AccountName must be set with {prefix}:AccountKey: the host of {prefix}:Endpoint does not name the account (a loopback endpoint, such as the emulator's).");
            }

            if (!IsBase64(batch.AccountKey))
            {
                failures.Add($"{prefix}:AccountKey is not valid base64 (its value is not shown): copy it again from the Batch account's keys.");
            }
        }
        else if (batch.Endpoint.Scheme == Uri.UriSchemeHttp)
        {
            failures.Add($"{prefix}:AccountKey must be set with the http endpoint {batch.Endpoint.GetLeftPart(UriPartial.Authority)} (the emulator): Microsoft Entra ID sign-in needs https.");
        }
        else if (!hasCredential)
        {
            failures.Add($"{prefix}:AccountKey is not set and the container has no TokenCredential: set the account key, or {RegisterCredential} (its identity needs a Batch role on the account).");
        }
    }

    /// <summary>Whether the workflow's backend is Azure; not when its own options are invalid (their failure stops the start).</summary>
    private bool IsAzureBackend()
    {
        try
        {
            string backend = services.GetRequiredService<IOptionsMonitor<TopNWordsBatchOptions>>().Get(name).Backend;
            return string.Equals(backend?.Trim(), TopNWordsAzureOptions.BackendName, StringComparison.OrdinalIgnoreCase);
        }
        catch (OptionsValidationException)
        {
            return false;
        }
    }

    private static bool IsHttpUrl(Uri uri)
        => uri.IsAbsoluteUri && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.UserInfo);

    private static bool IsBase64(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value.Trim(), buffer, out int written) && written > 0;
    }
}
