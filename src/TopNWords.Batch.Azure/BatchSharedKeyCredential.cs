using System.Security.Cryptography;
using System.Text;

namespace TopNWords.Batch.Azure;

/// <summary>
/// The name and access key of an Azure Batch account, for Shared Key authentication.
/// </summary>
/// <remarks>
/// The key is kept only as bytes for signing; it is never returned, formatted, logged or put into an
/// exception message. Prefer Microsoft Entra ID (a <c>TokenCredential</c>) where the account allows it.
/// </remarks>
public sealed class BatchSharedKeyCredential
{
    private byte[] _key;

    /// <summary>Initializes a new instance of the <see cref="BatchSharedKeyCredential"/> class.</summary>
    /// <param name="accountName">The Batch account name (the first label of the account endpoint).</param>
    /// <param name="base64Key">The account's primary or secondary access key, base64-encoded as the portal shows it.</param>
    /// <exception cref="ArgumentNullException"><paramref name="accountName"/> or <paramref name="base64Key"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="accountName"/> is empty, or <paramref name="base64Key"/> is not a non-empty base64 string.</exception>
    public BatchSharedKeyCredential(string accountName, string base64Key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountName);
        AccountName = accountName;
        _key = DecodeKey(base64Key);
    }

    /// <summary>Gets the Batch account name.</summary>
    public string AccountName { get; }

    /// <summary>Replaces the access key, for key rotation; requests signed after the call use the new key.</summary>
    /// <param name="base64Key">The new base64-encoded access key.</param>
    /// <exception cref="ArgumentNullException"><paramref name="base64Key"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="base64Key"/> is not a non-empty base64 string.</exception>
    public void SetAccountKey(string base64Key) => Volatile.Write(ref _key, DecodeKey(base64Key));

    /// <summary>Returns the account name; never the key.</summary>
    /// <returns>A description of the credential that names the account only.</returns>
    public override string ToString() => $"BatchSharedKeyCredential {{ AccountName = {AccountName} }}";

    /// <summary>Computes <c>base64(HMAC-SHA256(key, utf8(stringToSign)))</c>.</summary>
    internal string ComputeSignature(string stringToSign)
    {
        byte[] key = Volatile.Read(ref _key);
        return Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
    }

    private static byte[] DecodeKey(string base64Key)
    {
        ArgumentNullException.ThrowIfNull(base64Key);
        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64Key);
        }
        catch (FormatException)
        {
            // The message must not echo the value: it is a secret, even when malformed.
            throw new ArgumentException("The Batch account key is not a valid base64 string.", nameof(base64Key));
        }

        if (key.Length == 0)
        {
            throw new ArgumentException("The Batch account key is empty.", nameof(base64Key));
        }

        return key;
    }
}
