using System.Numerics;

namespace Parity.Chain;

/// <summary>A transaction a command sent and saw mined: the contract call (<c>approve</c>, <c>addFunds</c>…), its hash and block.</summary>
public sealed record ChainTransaction(string Call, string Hash, BigInteger Block);
