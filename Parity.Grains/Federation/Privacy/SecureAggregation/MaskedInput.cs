namespace Parity.Federation.Privacy.SecureAggregation;

/// <summary>
/// Step 3, participant → server: the fixed-point update plus the self mask and the pairwise masks, one little-endian
/// uint32 word per coordinate. Uniformly distributed to anyone who lacks the masks.
/// </summary>
public sealed record MaskedInput(int From, byte[] Masked);
