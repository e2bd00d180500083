using Microsoft.Extensions.Logging;
using TopNWords.Batch.Azure.BatchRest;
using TopNWords.Batch.Azure.BatchRest.Models;
using TopNWords.Batch.Compute;

namespace TopNWords.Batch.Azure.Compute;

/// <summary>
/// Picks the image pools are created with from the account's supported images, once per instance: the newest
/// verified, still supported Linux image of the configured publisher and offer whose SKU starts with the prefix.
/// </summary>
/// <remarks>Thread-safe; concurrent first calls may each list the images, and one of their (equal) choices is kept.</remarks>
internal sealed class SupportedImageSelector
{
    /// <summary>The image filter sent to list supported images.</summary>
    internal const string ImageFilter = "osType eq 'linux'";

    private readonly BatchRestClient _client;
    private readonly AzureBatchComputeOptions _options;
    private readonly TimeProvider _time;
    private readonly string _account;
    private readonly ILogger _logger;
    private SelectedImage? _image;

    /// <summary>Initializes a new instance of the <see cref="SupportedImageSelector"/> class.</summary>
    /// <param name="client">The Batch client.</param>
    /// <param name="options">The image publisher, offer and SKU prefix.</param>
    /// <param name="time">The clock that support end dates are compared with.</param>
    /// <param name="account">The account's display name, for messages and logs.</param>
    /// <param name="logger">The logger.</param>
    public SupportedImageSelector(BatchRestClient client, AzureBatchComputeOptions options, TimeProvider time, string account, ILogger logger)
    {
        _client = client;
        _options = options;
        _time = time;
        _account = account;
        _logger = logger;
    }

    /// <summary>The image for pool <paramref name="poolId"/>: listed and chosen on the first call, the same one afterwards.</summary>
    /// <param name="poolId">The pool being created, for messages.</param>
    /// <param name="cancellationToken">The cancellation token.</param>
    /// <returns>The image and its node agent.</returns>
    /// <exception cref="BatchComputeException">The images could not be listed, or none matches (<c>ImageNotSupported</c>).</exception>
    public async Task<SelectedImage> GetAsync(string poolId, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _image) is { } cached)
        {
            return cached;
        }

        var candidates = new List<BatchSupportedImage>();
        try
        {
            await foreach (BatchSupportedImage image in _client.ListSupportedImagesAsync(ImageFilter, cancellationToken).ConfigureAwait(false))
            {
                candidates.Add(image);
            }
        }
        catch (BatchServiceException ex)
        {
            throw AzureBatchErrors.Fail(_logger, _account, ex, "list the supported images for", "pool", poolId);
        }

        SelectedImage selected = Select(candidates, _options.ImagePublisher, _options.ImageOffer, _options.ImageSkuPrefix, _time.GetUtcNow())
            ?? throw new BatchComputeException(
                BatchComputeErrorKind.InvalidRequest,
                $"Azure Batch account '{_account}' supports no verified Linux image of publisher '{_options.ImagePublisher}', offer '{_options.ImageOffer}' with a SKU starting with '{_options.ImageSkuPrefix}' (or every match is past its Batch end of support), so pool '{poolId}' was not created. " +
                "Set AzureBatchComputeOptions.ImagePublisher, ImageOffer and ImageSkuPrefix to an image the account lists (az batch pool supported-images list).",
                poolId,
                "ImageNotSupported");
        AzureBatchLog.ImageSelected(_logger, _account, selected.Publisher, selected.Offer, selected.Sku, selected.NodeAgentSkuId);
        Volatile.Write(ref _image, selected);
        return selected;
    }

    /// <summary>
    /// The newest verified, still supported Linux image of the publisher and offer whose SKU starts with the prefix:
    /// an exact SKU first, then the latest end of support (none announced is latest), then the highest SKU.
    /// Arm64 images are skipped unless the prefix names arm64.
    /// </summary>
    internal static SelectedImage? Select(IEnumerable<BatchSupportedImage> images, string publisher, string offer, string skuPrefix, DateTimeOffset now)
    {
        bool wantArm = skuPrefix.Contains("arm64", StringComparison.OrdinalIgnoreCase);
        BatchSupportedImage? best = images
            .Where(i => i.ImageReference is { Publisher: not null, Offer: not null, Sku: not null } && !string.IsNullOrEmpty(i.NodeAgentSkuId))
            .Where(i => i.VerificationType == BatchImageVerificationType.Verified && i.OsType != BatchOSType.Windows)
            .Where(i => i.BatchSupportEndOfLife is null || i.BatchSupportEndOfLife > now)
            .Where(i => string.Equals(i.ImageReference!.Publisher, publisher, StringComparison.OrdinalIgnoreCase)
                && string.Equals(i.ImageReference.Offer, offer, StringComparison.OrdinalIgnoreCase)
                && i.ImageReference.Sku!.StartsWith(skuPrefix, StringComparison.OrdinalIgnoreCase))
            .Where(i => wantArm || !(i.ImageReference!.Sku!.Contains("arm64", StringComparison.OrdinalIgnoreCase) || i.NodeAgentSkuId!.Contains("arm64", StringComparison.OrdinalIgnoreCase)))
            .OrderByDescending(i => string.Equals(i.ImageReference!.Sku, skuPrefix, StringComparison.OrdinalIgnoreCase))
            .ThenByDescending(i => i.BatchSupportEndOfLife ?? DateTimeOffset.MaxValue)
            .ThenByDescending(i => i.ImageReference!.Sku, StringComparer.OrdinalIgnoreCase)
            .FirstOrDefault();
        return best is null
            ? null
            : new SelectedImage(best.ImageReference!.Publisher!, best.ImageReference.Offer!, best.ImageReference.Sku!, best.NodeAgentSkuId!);
    }

    /// <summary>The image a pool is created with.</summary>
    internal sealed record SelectedImage(string Publisher, string Offer, string Sku, string NodeAgentSkuId)
    {
        /// <summary>The pool's VM configuration: this image at its latest version, with its node agent.</summary>
        public BatchVirtualMachineConfiguration ToConfiguration() => new()
        {
            ImageReference = new BatchImageReference { Publisher = Publisher, Offer = Offer, Sku = Sku, Version = "latest" },
            NodeAgentSkuId = NodeAgentSkuId,
        };
    }
}
