namespace TopNWords.Batch.Azure.Compute;

/// <summary>
/// A Batch account's Azure Resource Manager id,
/// <c>/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Batch/batchAccounts/{accountName}</c>.
/// </summary>
/// <param name="SubscriptionId">The subscription.</param>
/// <param name="ResourceGroup">The resource group.</param>
/// <param name="AccountName">The Batch account's name.</param>
internal sealed record BatchAccountResourceId(string SubscriptionId, string ResourceGroup, string AccountName)
{
    private const string Shape = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Batch/batchAccounts/{accountName}";

    /// <summary>The id in its canonical spelling.</summary>
    public override string ToString()
        => $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroup}/providers/Microsoft.Batch/batchAccounts/{AccountName}";

    /// <summary>The path segments of the account (each to be escaped on its own).</summary>
    public string[] Segments => ["subscriptions", SubscriptionId, "resourceGroups", ResourceGroup, "providers", "Microsoft.Batch", "batchAccounts", AccountName];

    /// <summary>Reads a resource id; the fixed segments compare case-insensitively, as Azure Resource Manager does.</summary>
    /// <param name="value">The id.</param>
    /// <param name="paramName">The option's name, for the exception.</param>
    /// <returns>The id's parts.</returns>
    /// <exception cref="ArgumentException">The value does not have the shape of a Batch account's resource id.</exception>
    public static BatchAccountResourceId Parse(string value, string paramName)
    {
        ArgumentNullException.ThrowIfNull(value, paramName);
        string[] parts = value.Trim().Trim('/').Split('/');
        if (parts.Length == 8
            && string.Equals(parts[0], "subscriptions", StringComparison.OrdinalIgnoreCase)
            && string.Equals(parts[2], "resourceGroups", StringComparison.OrdinalIgnoreCase)
            && string.Equals(parts[4], "providers", StringComparison.OrdinalIgnoreCase)
            && string.Equals(parts[5], "Microsoft.Batch", StringComparison.OrdinalIgnoreCase)
            && string.Equals(parts[6], "batchAccounts", StringComparison.OrdinalIgnoreCase)
            && value.TrimStart().StartsWith('/')
            && Array.TrueForAll(parts, p => p.Length > 0 && p.Trim().Length == p.Length && !p.Contains('?', StringComparison.Ordinal) && !p.Contains('#', StringComparison.Ordinal)))
        {
            return new BatchAccountResourceId(parts[1], parts[3], parts[7]);
        }

        throw new ArgumentException(
            $"AzureBatchComputeOptions.ManagementResourceId must be the Batch account's Azure Resource Manager id, {Shape} " +
            $"(az batch account show -n <account> -g <resource group> --query id), but it is '{value}'. Fix it, or leave it unset to skip the VM size and quota checks.",
            paramName);
    }
}
