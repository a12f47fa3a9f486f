using System.Numerics;

namespace Parity.Chain;

/// <summary>What <c>parity-runner balance</c> shows: one wallet and one device id on one chain, in integer units.</summary>
/// <param name="Native">The wallet's balance of the chain's own coin (wei: 18 decimals on every EVM chain), which pays gas.</param>
/// <param name="Tokens">The wallet's token balance.</param>
/// <param name="Stake">The device id's stake in the StakeWallet.</param>
/// <param name="StakeOwner">The wallet that staked for the device id (only it may add or withdraw); null when none has.</param>
public sealed record ChainBalance(
    long ChainId, string Network, string Address, string DeviceId, string StakeWallet, ChainToken Token,
    BigInteger Native, BigInteger Tokens, BigInteger Stake, string? StakeOwner);
