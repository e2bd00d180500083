using System.Text.Json;
using System.Text.Json.Serialization;
using TopNWords.Batch.Azure.BatchRest.Models;

namespace TopNWords.Batch.Azure.BatchRest.Serialization;

/// <summary>
/// Source-generated JSON metadata of the Batch wire models: lower camel case names, case-insensitive reads,
/// unknown members skipped, null members not written, durations as ISO 8601.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(Iso8601DurationConverter)])]
[JsonSerializable(typeof(BatchPoolCreateContent))]
[JsonSerializable(typeof(BatchPool))]
[JsonSerializable(typeof(BatchPage<BatchSupportedImage>))]
[JsonSerializable(typeof(BatchPage<BatchNode>))]
[JsonSerializable(typeof(BatchPage<BatchTask>))]
[JsonSerializable(typeof(BatchJobCreateContent))]
[JsonSerializable(typeof(BatchJob))]
[JsonSerializable(typeof(BatchJobTerminateContent))]
[JsonSerializable(typeof(BatchJobTaskCounts))]
[JsonSerializable(typeof(BatchTaskGroup))]
[JsonSerializable(typeof(BatchTaskAddCollectionResult))]
[JsonSerializable(typeof(BatchTask))]
internal sealed partial class BatchJsonContext : JsonSerializerContext
{
}
