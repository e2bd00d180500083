using TopNWords.Batch.Azure;

namespace TopNWords.Batch.Emulator.Tests.Infrastructure;

/// <summary>The REST API versions the protocol tests run against: the oldest and the newest the emulator serves.</summary>
internal static class ApiVersions
{
    public const string Oldest = "2022-10-01.16.0";
    public const string Newest = "2025-06-01.21.0";

    /// <summary>Test cases for raw requests (the api-version string).</summary>
    public static readonly string[] OldestAndNewest = [Newest];

    /// <summary>Test cases for <c>BatchRestClient</c> (the client's service version).</summary>
    public static readonly BatchClientOptions.ServiceVersion[] ClientOldestAndNewest = [BatchClientOptions.ServiceVersion.V2025_06_01_21_0];
}
