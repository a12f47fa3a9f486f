namespace Parity.Federation.Privacy.SecureAggregation;

/// <summary>
/// Server → each participant that shared: the shares addressed to it by every other participant that shared. Their
/// senders, with the recipient, are the participants whose pairwise masks the recipient adds.
/// </summary>
public sealed record ShareDelivery(int To, EncryptedShare[] Shares);
