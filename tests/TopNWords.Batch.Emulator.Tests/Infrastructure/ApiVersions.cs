using TopNWords.Batch.Azure;

namespace TopNWords.Batch.Emulator.Tests.Infrastructure;

/// <summary>The REST API versions the protocol tests run against: the oldest and the newest the emulator serves.</summary>
internal static class ApiVersions
{
    public const string Oldest = "2022-10-01.16.0";
    public const string Newest = "2025-06-01.21.0";

    /// <summary>Every stable data-plane version the emulator serves, oldest first.</summary>
    public static readonly string[] Served = ["2022-10-01.16.0", "2023-05-01.17.0", "2023-11-01.18.0", "2024-02-01.19.0", "2024-07-01.20.0", "2025-06-01.21.0"];

    /// <summary>Test cases for raw requests (the api-version string).</summary>
    public static readonly string[] OldestAndNewest = [Oldest, Newest];

    /// <summary>Test cases for <c>BatchRestClient</c> (the client's service version).</summary>
    public static readonly BatchClientOptions.ServiceVersion[] ClientOldestAndNewest = [BatchClientOptions.ServiceVersion.V2022_10_01_16_0, BatchClientOptions.ServiceVersion.V2025_06_01_21_0];
}
