namespace Parity.Chain;

/// <summary>
/// The payment in flight: recorded (hash, nonce, the signed bytes) before it is sent, so that until it is mined the same
/// bytes are sent again (the same transaction, which can be mined once) and a new one is signed only once its nonce is
/// provably taken by another transaction.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RewardSending
{
    [Id(0)] public string TaskId { get; init; } = "";
    [Id(1)] public string Units { get; init; } = "";
    [Id(2)] public string TxHash { get; init; } = "";
    [Id(3)] public long Nonce { get; init; }
    [Id(4)] public string SignedTransaction { get; init; } = "";
    /// <summary>The chain's latest block when it was signed: where the search for its TaskPayment event starts.</summary>
    [Id(5)] public long SignedAtBlock { get; init; }
    /// <summary>The block that holds it, once mined.</summary>
    [Id(6)] public long? Block { get; init; }
}
