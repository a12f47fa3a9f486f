using System.Numerics;

namespace Parity.Chain;

/// <summary>What a stake or unstake did: the transactions it sent, in order, and the balances after them.</summary>
/// <param name="StakeAfter">The device id's stake once the last transaction is mined.</param>
/// <param name="TokensAfter">The wallet's token balance then.</param>
public sealed record StakeResult(IReadOnlyList<ChainTransaction> Transactions, BigInteger StakeAfter, BigInteger TokensAfter);
