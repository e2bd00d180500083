using TopNWords.Batch.Azure.BatchRest.Models;

namespace TopNWords.Batch.Emulator.Protocol;

/// <summary>The images the emulated account supports (a small fixed list; every pool's nodes run on this machine).</summary>
internal static class SupportedImages
{
    /// <summary>The verified Ubuntu LTS image pools use by default.</summary>
    public const string UbuntuNodeAgent = "batch.node.ubuntu 24.04";

    public static IReadOnlyList<BatchSupportedImage> All { get; } =
    [
        new()
        {
            NodeAgentSkuId = UbuntuNodeAgent,
            ImageReference = new BatchImageReference { Publisher = "canonical", Offer = "ubuntu-24_04-lts", Sku = "server", Version = "latest" },
            VerificationType = BatchImageVerificationType.Verified,
            Capabilities = ["DockerCompatible"],
            OsType = BatchOSType.Linux,
        },
        new()
        {
            NodeAgentSkuId = "batch.node.ubuntu 22.04",
            ImageReference = new BatchImageReference { Publisher = "canonical", Offer = "0001-com-ubuntu-server-jammy", Sku = "22_04-lts", Version = "latest" },
            VerificationType = BatchImageVerificationType.Verified,
            OsType = BatchOSType.Linux,
            BatchSupportEndOfLife = new DateTimeOffset(2027, 4, 30, 0, 0, 0, TimeSpan.Zero),
        },
        new()
        {
            NodeAgentSkuId = "batch.node.debian 12",
            ImageReference = new BatchImageReference { Publisher = "debian", Offer = "debian-12", Sku = "12", Version = "latest" },
            VerificationType = BatchImageVerificationType.Unverified,
            OsType = BatchOSType.Linux,
        },
    ];

    /// <summary>The supported image an image reference and node agent name, if any.</summary>
    public static BatchSupportedImage? Find(BatchImageReference reference, string nodeAgentSkuId) =>
        All.FirstOrDefault(i =>
            string.Equals(i.NodeAgentSkuId, nodeAgentSkuId, StringComparison.OrdinalIgnoreCase)
            && string.Equals(i.ImageReference!.Publisher, reference.Publisher, StringComparison.OrdinalIgnoreCase)
            && string.Equals(i.ImageReference.Offer, reference.Offer, StringComparison.OrdinalIgnoreCase)
            && string.Equals(i.ImageReference.Sku, reference.Sku, StringComparison.OrdinalIgnoreCase));

    /// <summary>What <c>$filter</c> may compare on supported images.</summary>
    public static IReadOnlyList<FilterProperty> Filterable { get; } =
    [
        new("osType", FilterKind.Enum, ["linux", "windows"]),
        new("verificationType", FilterKind.Enum, ["verified", "unverified"]),
        new("nodeAgentSKUId", FilterKind.Text),
    ];
}
