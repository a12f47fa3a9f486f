namespace Parity.Federation.Privacy.SecureAggregation;

/// <summary>The revealing participant's share of a secret of <paramref name="Owner"/>; the revealer's number is its x coordinate.</summary>
public sealed record RevealedShare(int Owner, byte[] Share);
