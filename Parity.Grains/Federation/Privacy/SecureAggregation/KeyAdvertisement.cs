namespace Parity.Federation.Privacy.SecureAggregation;

/// <summary>
/// Step 1, participant → server: the participant's two public keys for this round, P-256 points as SubjectPublicKeyInfo
/// (DER). One key pair encrypts the secret shares sent to peers; the other agrees the pairwise mask seeds.
/// </summary>
public sealed record KeyAdvertisement(int Participant, byte[] ShareEncryptionKey, byte[] MaskKey);
