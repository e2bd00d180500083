using System.Text.Json;
using System.Text.Json.Serialization;
using TopNWords.Batch.Azure.BatchRest.Models;

namespace TopNWords.Batch.Azure.BatchRest.Serialization;

/// <summary>
/// Source-generated JSON metadata of the Batch wire models: lower camel case names, case-insensitive reads,
/// unknown members skipped, null members not written, durations as ISO 8601, enums in the service's lower case
/// (read case-insensitively; a value this library does not know reads as <c>Unknown</c>).
/// </summary>
/// <remarks>
/// <see cref="Default"/> reads and writes what <see cref="BatchRestClient"/> sends and receives. A context made with
/// other <see cref="JsonSerializerOptions"/> (for example another time format) keeps the duration format only if
/// those options carry the converters of <c>Default.Options</c>.
/// </remarks>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(Iso8601DurationConverter)])]
[JsonSerializable(typeof(BatchPoolCreateContent))]
[JsonSerializable(typeof(BatchPool))]
[JsonSerializable(typeof(BatchPage<BatchSupportedImage>))]
[JsonSerializable(typeof(BatchPage<BatchNode>))]
[JsonSerializable(typeof(BatchNode))]
[JsonSerializable(typeof(BatchPage<BatchNodeFile>))]
[JsonSerializable(typeof(BatchPage<BatchTask>))]
[JsonSerializable(typeof(BatchJobCreateContent))]
[JsonSerializable(typeof(BatchJob))]
[JsonSerializable(typeof(BatchJobTerminateContent))]
[JsonSerializable(typeof(BatchJobTaskCounts))]
[JsonSerializable(typeof(BatchTaskGroup))]
[JsonSerializable(typeof(BatchTaskAddCollectionResult))]
[JsonSerializable(typeof(BatchTask))]
[JsonSerializable(typeof(BatchPage<BatchPool>))]
[JsonSerializable(typeof(BatchPage<BatchJob>))]
[JsonSerializable(typeof(BatchPage<BatchPoolNodeCounts>))]
[JsonSerializable(typeof(BatchPoolUpdateContent))]
[JsonSerializable(typeof(BatchJobUpdateContent))]
public sealed partial class BatchJsonContext : JsonSerializerContext
{
}
