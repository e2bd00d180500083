using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Azure.Compute;
using TopNWords.Batch.Azure.Tests.BatchRest.Fakes;

namespace TopNWords.Batch.Azure.Tests.Compute;

/// <summary>Image selection among the account's supported images (moved from <see cref="AzureBatchComputePoolTests"/>).</summary>
[TestFixture]
public class SupportedImageSelectorTests
{
    private static readonly DateTimeOffset Now = RecordingTimeProvider.VectorTime;

    [Test]
    public void Select_PicksTheNewestVerifiedSupportedMatch()
    {
        var images = Images(
            ("canonical", "0001-com-ubuntu-server-jammy", "22_04-lts", "batch.node.ubuntu 22.04", "verified", null),
            ("canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "batch.node.ubuntu 22.04", "verified", null),
            ("canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-arm64", "batch.node.ubuntu 22.04 arm64", "verified", null),
            ("canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-x", "batch.node.ubuntu 22.04", "unverified", null),
            ("canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-old", "batch.node.ubuntu 22.04", "verified", "2025-01-01T00:00:00Z"));

        var selected = SupportedImageSelector.Select(images, "Canonical", "0001-com-ubuntu-server-jammy", "22_04", Now);

        Assert.That(selected, Is.EqualTo(new SupportedImageSelector.SelectedImage("canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2", "batch.node.ubuntu 22.04")));
    }

    [Test]
    public void Select_ExactSkuWinsOverLongerSkus_AndArm64OnlyWhenAskedFor()
    {
        var images = Images(
            ("canonical", "ubuntu-24_04-lts", "server-gen1", "batch.node.ubuntu 24.04", "verified", null),
            ("canonical", "ubuntu-24_04-lts", "server", "batch.node.ubuntu 24.04", "verified", null),
            ("canonical", "ubuntu-24_04-lts", "server-arm64", "batch.node.ubuntu 24.04 arm64", "verified", null));

        Assert.Multiple(() =>
        {
            Assert.That(SupportedImageSelector.Select(images, "canonical", "ubuntu-24_04-lts", "server", Now)!.Sku, Is.EqualTo("server"));
            Assert.That(SupportedImageSelector.Select(images, "canonical", "ubuntu-24_04-lts", "server-arm64", Now)!.Sku, Is.EqualTo("server-arm64"));
        });
    }

    [Test]
    public void Select_LaterEndOfSupportWins_AndPastEndOfSupportOrUnverifiedNeverMatch()
    {
        var images = Images(
            ("p", "o", "s-a", "agent a", "verified", "2026-06-01T00:00:00Z"),
            ("p", "o", "s-b", "agent b", "verified", "2028-06-01T00:00:00Z"),
            ("p", "o", "s-c", "agent c", "verified", "2025-06-30T00:00:00Z"),
            ("p", "o", "s-d", "agent d", "unverified", null));

        Assert.Multiple(() =>
        {
            Assert.That(SupportedImageSelector.Select(images, "p", "o", "s", Now)!.Sku, Is.EqualTo("s-b"));
            Assert.That(SupportedImageSelector.Select(images, "p", "o", "s-c", Now), Is.Null, "past its end of support");
            Assert.That(SupportedImageSelector.Select(images, "p", "o", "s-d", Now), Is.Null, "unverified");
            Assert.That(SupportedImageSelector.Select(images, "p", "other", "s", Now), Is.Null);
        });
    }

    private static List<BatchSupportedImage> Images(params (string Publisher, string Offer, string Sku, string Agent, string Verification, string? EndOfLife)[] images)
        => [.. images.Select(i => new BatchSupportedImage
        {
            NodeAgentSkuId = i.Agent,
            ImageReference = new BatchImageReference { Publisher = i.Publisher, Offer = i.Offer, Sku = i.Sku, Version = "latest" },
            OsType = BatchOSType.Linux,
            VerificationType = i.Verification == "verified" ? BatchImageVerificationType.Verified : BatchImageVerificationType.Unverified,
            BatchSupportEndOfLife = i.EndOfLife is null ? null : DateTimeOffset.Parse(i.EndOfLife, System.Globalization.CultureInfo.InvariantCulture),
        })];
}
