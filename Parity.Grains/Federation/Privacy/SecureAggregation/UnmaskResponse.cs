namespace Parity.Federation.Privacy.SecureAggregation;

/// <summary>
/// Step 4, participant → server: its shares of the survivors' self-mask seeds and of the dropped participants' mask
/// private keys. Never both kinds for one owner.
/// </summary>
public sealed record UnmaskResponse(int From, RevealedShare[] SelfMaskShares, RevealedShare[] MaskKeyShares);
