namespace Parity.Chain;

/// <summary>
/// Reward payouts (BLOCKCHAIN_PAYER_KEY_FILE, BLOCKCHAIN_CONFIRMATIONS, BLOCKCHAIN_PAYOUT_RETRY_MAX), bound by
/// <see cref="RewardOptionsReader"/>. Without a payer key file (the default) rewards are recorded and left unpaid.
/// </summary>
public sealed record RewardOptions
{
    /// <summary>A file holding the payer's hex private key: the StakeWallet's owner, which alone may transferPayment.
    /// A path, never the key: a key in the environment is readable from /proc by the same user.</summary>
    public string? PayerKeyFile { get; set; }
    /// <summary>Blocks a payment must have (its own included) before it counts as paid.</summary>
    public int Confirmations { get; set; } = 1;
    /// <summary>The longest wait between two attempts at a failing payout (the backoff doubles from 1 s up to it).</summary>
    public TimeSpan RetryMax { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Whether this cluster pays rewards: a payer key file and every BLOCKCHAIN_* key of a chain are set.</summary>
    public bool PaysOn(ChainOptions chain) =>
        PayerKeyFile is not null && chain is { Rpc: not null, ChainId: not null, TokenAddress: not null, StakeWalletAddress: not null };
}
