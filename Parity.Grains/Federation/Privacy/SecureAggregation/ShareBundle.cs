namespace Parity.Federation.Privacy.SecureAggregation;

/// <summary>Step 2, participant → server: one encrypted share per other participant on the roster.</summary>
public sealed record ShareBundle(int From, EncryptedShare[] Shares);
