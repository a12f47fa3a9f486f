using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Parity.Federation.Privacy.SecureAggregation;

/// <summary>
/// Key agreement and derivation of the protocol: P-256 key pairs, ECDH between one party's private key and a peer's
/// public key, then HKDF-SHA256 of the raw shared secret (the x coordinate) with a context that binds the purpose, the
/// session, the round and both participant numbers (lower first, so both ends derive the same key). A key agreed for
/// one purpose, round or pair is thus useless for any other.
/// </summary>
public static class SecAggKeys
{
    public const string MaskPurpose = "parity/secagg/v1/pairwise-mask";
    public const string ShareEncryptionPurpose = "parity/secagg/v1/share-encryption";

    public static ECDiffieHellman NewKeyPair() => ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>A peer's public key from its SubjectPublicKeyInfo, which must be a P-256 point.</summary>
    /// <exception cref="SecureAggregationException">The bytes are no P-256 public key.</exception>
    public static ECDiffieHellman ImportPublicKey(byte[] subjectPublicKeyInfo, int participant, string which)
    {
        var key = ECDiffieHellman.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out var read);
            if (read != subjectPublicKeyInfo.Length) throw new CryptographicException("trailing bytes after the key");
            var curve = key.ExportParameters(false).Curve;
            if (curve.Oid.Value != ECCurve.NamedCurves.nistP256.Oid.Value) throw new CryptographicException($"curve {curve.Oid.FriendlyName ?? curve.Oid.Value}, not P-256");
            return key;
        }
        catch (CryptographicException e)
        {
            key.Dispose();
            throw new SecureAggregationException($"participant {participant}'s {which} key is not a P-256 public key: {e.Message}", e);
        }
    }

    /// <summary>A 32-byte key for <paramref name="purpose"/> between participants <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static byte[] Agree(ECDiffieHellman own, ECDiffieHellman peerPublic, string purpose, SecAggParameters parameters, int a, int b)
    {
        var shared = own.DeriveRawSecretAgreement(peerPublic.PublicKey);
        try
        {
            return HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, 32, salt: [], info: Context(purpose, parameters, Math.Min(a, b), Math.Max(a, b)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    /// <summary>
    /// The binding of a derived key or an encrypted share: purpose, session id (each length-prefixed, so no two
    /// different contexts share an encoding), round and the two participant numbers, in the order given.
    /// </summary>
    public static byte[] Context(string purpose, SecAggParameters parameters, int first, int second)
    {
        var purposeBytes = Encoding.UTF8.GetBytes(purpose);
        var session = Encoding.UTF8.GetBytes(parameters.SessionId);
        var context = new byte[4 + purposeBytes.Length + 4 + session.Length + 8 + 4 + 4];
        var span = context.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(span, purposeBytes.Length);
        purposeBytes.CopyTo(span[4..]);
        span = span[(4 + purposeBytes.Length)..];
        BinaryPrimitives.WriteInt32BigEndian(span, session.Length);
        session.CopyTo(span[4..]);
        span = span[(4 + session.Length)..];
        BinaryPrimitives.WriteInt64BigEndian(span, parameters.Round);
        BinaryPrimitives.WriteInt32BigEndian(span[8..], first);
        BinaryPrimitives.WriteInt32BigEndian(span[12..], second);
        return context;
    }
}
