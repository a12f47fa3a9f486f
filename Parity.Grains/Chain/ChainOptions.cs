using Parity.Configuration;

namespace Parity.Chain;

/// <summary>
/// The chain this runner stakes on (BLOCKCHAIN_*, the upstream's key names), bound by <see cref="ChainOptionsReader"/>.
/// All unset by default: a cluster runs without a chain, and the commands that need one say which keys are missing.
/// </summary>
public sealed record ChainOptions
{
    /// <summary>The chain's JSON-RPC endpoint (BLOCKCHAIN_RPC).</summary>
    public Uri? Rpc { get; set; }
    /// <summary>The chain id the RPC endpoint must answer (BLOCKCHAIN_CHAIN_ID); also the id transactions are signed for.</summary>
    public long? ChainId { get; set; }
    /// <summary>A name for the chain, shown by <c>balance</c> (BLOCKCHAIN_NETWORK_NAME); null: "chain &lt;id&gt;".</summary>
    public string? NetworkName { get; set; }
    /// <summary>The ERC-20 stakes are paid in (BLOCKCHAIN_TOKEN_ADDRESS).</summary>
    public string? TokenAddress { get; set; }
    /// <summary>The StakeWallet contract (BLOCKCHAIN_STAKE_WALLET_ADDRESS).</summary>
    public string? StakeWalletAddress { get; set; }
    /// <summary>The longest one JSON-RPC request may take (BLOCKCHAIN_RPC_TIMEOUT).</summary>
    public TimeSpan RpcTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>The longest a sent transaction may take to be mined before the command gives up waiting (BLOCKCHAIN_RECEIPT_TIMEOUT).</summary>
    public TimeSpan ReceiptTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The RPC endpoint as shown in messages: scheme, host and port only, since providers put API keys in the
    /// path or the user part of the URL and a message may end up in a log.</summary>
    public string RpcShown => Rpc is null ? "(unset)" : $"{Rpc.Scheme}://{Rpc.Authority}{(Rpc.AbsolutePath is "/" && Rpc.Query.Length == 0 ? "" : "/…")}";

    /// <summary>The name <c>balance</c> shows.</summary>
    public string NetworkShown => NetworkName ?? $"chain {ChainId}";

    /// <summary>
    /// These options with every key that talking to the chain needs, or a <see cref="ConfigurationException"/> naming the
    /// missing ones (<paramref name="command"/> completes "… needs them").
    /// </summary>
    public ChainOptions RequireChain(string command)
    {
        var missing = new List<string>();
        if (Rpc is null) missing.Add("BLOCKCHAIN_RPC");
        if (ChainId is null) missing.Add("BLOCKCHAIN_CHAIN_ID");
        if (TokenAddress is null) missing.Add("BLOCKCHAIN_TOKEN_ADDRESS");
        if (StakeWalletAddress is null) missing.Add("BLOCKCHAIN_STAKE_WALLET_ADDRESS");
        if (missing.Count == 0) return this;
        throw new ConfigurationException(
            $"{string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} not set, and {command} needs {(missing.Count == 1 ? "it" : "them")} " +
            "(for a local dev chain, ./deploy/chain.sh start prints an env file that has them all: pass it with --config-path)");
    }
}
