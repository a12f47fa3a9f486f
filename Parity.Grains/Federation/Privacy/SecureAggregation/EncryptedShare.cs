namespace Parity.Federation.Privacy.SecureAggregation;

/// <summary>
/// The sender's Shamir shares, of its self-mask seed and of its mask private key, for one peer: AES-256-GCM under the
/// key the two agreed with their share-encryption key pairs, the session, round, sender and recipient as associated
/// data. Only the recipient can read it; the server relays it and cannot change or redirect it undetected.
/// </summary>
public sealed record EncryptedShare(int From, int To, byte[] Nonce, byte[] Ciphertext, byte[] Tag);
