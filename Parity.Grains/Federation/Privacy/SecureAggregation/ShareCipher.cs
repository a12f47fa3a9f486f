using System.Security.Cryptography;

namespace Parity.Federation.Privacy.SecureAggregation;

/// <summary>
/// Seals and opens <see cref="EncryptedShare"/>s: AES-256-GCM with a random 96-bit nonce (each pair's key is used for
/// two messages, one each way, so random nonces cannot collide in practice), the associated data binding session,
/// round, sender and recipient in that order, so a share cannot be replayed to another round or passed off as
/// another pair's.
/// </summary>
public static class ShareCipher
{
    private const string AssociatedPurpose = "parity/secagg/v1/share";

    public static EncryptedShare Seal(byte[] key, SecAggParameters parameters, int from, int to, ReadOnlySpan<byte> plaintext)
    {
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        using var aes = new AesGcm(key, tag.Length);
        aes.Encrypt(nonce, plaintext, ciphertext, tag, SecAggKeys.Context(AssociatedPurpose, parameters, from, to));
        return new EncryptedShare(from, to, nonce, ciphertext, tag);
    }

    /// <exception cref="SecureAggregationException">The share was altered, redirected or sealed under another key.</exception>
    public static byte[] Open(byte[] key, SecAggParameters parameters, EncryptedShare share)
    {
        if (share.Nonce.Length != AesGcm.NonceByteSizes.MaxSize || share.Tag.Length != AesGcm.TagByteSizes.MaxSize)
            throw new SecureAggregationException($"the share from participant {share.From} to {share.To} has a malformed nonce or tag");
        var plaintext = new byte[share.Ciphertext.Length];
        using var aes = new AesGcm(key, share.Tag.Length);
        try
        {
            aes.Decrypt(share.Nonce, share.Ciphertext, share.Tag, plaintext, SecAggKeys.Context(AssociatedPurpose, parameters, share.From, share.To));
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new SecureAggregationException(
                $"the share from participant {share.From} to {share.To} fails authentication (altered in transit, or not sealed for this pair and round)", e);
        }
        return plaintext;
    }
}
