using System.Text.Json;
using System.Text.Json.Serialization;

namespace TopNWords.Batch.Emulator.Protocol;

/// <summary>JSON of the emulator-only admin endpoints.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = false)]
[JsonSerializable(typeof(BatchEmulatorFaults))]
[JsonSerializable(typeof(BatchEmulatorRequestCounts))]
[JsonSerializable(typeof(BatchEmulatorResources))]
internal sealed partial class EmulatorJsonContext : JsonSerializerContext
{
}
