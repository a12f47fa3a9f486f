using System.Numerics;
using Nethereum.Contracts;
using Nethereum.Hex.HexTypes;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Signer;
using Nethereum.Util;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;
using Parity.Configuration;

namespace Parity.Chain;

/// <summary>
/// The payer's side of the StakeWallet, with Nethereum: transferPayment signed offline with an explicit nonce (so its
/// hash is known, and can be recorded, before anything is sent), sent as raw bytes (so a copy sent again is the same
/// transaction, mined once at most), receipts, and the contract's TaskPayment events. Knows nothing of the ledger.
/// </summary>
public sealed class RewardPayer : IDisposable
{
    private readonly ChainOptions options;
    private readonly HttpClient http;
    private readonly Web3 web3;
    private readonly string stakeWallet;

    private RewardPayer(ChainOptions options, byte[] key)
    {
        this.options = options;
        stakeWallet = options.StakeWalletAddress!;
        http = new HttpClient { Timeout = options.RpcTimeout };
        var account = new Account(new EthECKey(key, true), options.ChainId!.Value);
        Address = account.Address;
        web3 = new Web3(account, new RpcClient(options.Rpc!, http));
    }

    public string Address { get; }

    /// <summary>A payer for <paramref name="chain"/> (every BLOCKCHAIN_* key set) signing with the key in <paramref name="keyFile"/>.</summary>
    public static RewardPayer Open(ChainOptions chain, string keyFile)
    {
        chain.RequireChain("paying rewards");
        string text;
        try
        {
            text = File.ReadAllText(keyFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"BLOCKCHAIN_PAYER_KEY_FILE ({keyFile}) cannot be read: {e.Message}");
        }
        return new RewardPayer(chain, PrivateKeyText.Parse(text, $"BLOCKCHAIN_PAYER_KEY_FILE ({keyFile})"));
    }

    public void Dispose() => http.Dispose();

    /// <summary>The token (for its decimals), after checking the chain, the contracts, and that the payer owns the StakeWallet.</summary>
    public async Task<ChainToken> ConnectAsync()
    {
        using var reader = new StakeWalletClient(options);
        var token = await reader.ConnectAsync();
        var owner = await Rpc(() => web3.Eth.GetContractQueryHandler<StakeWalletContract.Owner>().QueryAsync<string>(stakeWallet, new()));
        if (!string.Equals(owner, Address, StringComparison.OrdinalIgnoreCase))
            throw new ConfigurationException(
                $"BLOCKCHAIN_PAYER_KEY_FILE holds the key of {Address}, but only the StakeWallet's owner {owner} may transferPayment");
        return token;
    }

    public async Task<long> LatestBlockAsync() => (long)(await Rpc(() => web3.Eth.Blocks.GetBlockNumber.SendRequestAsync())).Value;

    /// <summary>The payer's transactions mined so far: the nonce its next transaction takes once nothing is pending.</summary>
    public async Task<long> MinedNonceAsync() =>
        (long)(await Rpc(() => web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(Address, BlockParameter.CreateLatest()))).Value;

    /// <summary>The nonce after the payer's pending transactions too.</summary>
    public async Task<long> PendingNonceAsync() =>
        (long)(await Rpc(() => web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(Address, BlockParameter.CreatePending()))).Value;

    /// <summary>The gas transferPayment needs; a refusal by the contract (UnknownDevice, InsufficientStake …) is thrown as
    /// Nethereum's revert exception, which <see cref="ContractErrors.Describe"/> reads.</summary>
    public async Task<BigInteger> EstimateAsync(StakeWalletContract.TransferPayment payment) =>
        (await Rpc(() => web3.Eth.GetContractTransactionHandler<StakeWalletContract.TransferPayment>().EstimateGasAsync(stakeWallet, payment))).Value;

    /// <summary>transferPayment signed with <paramref name="nonce"/> and <paramref name="gas"/>: its hash and raw bytes (hex).</summary>
    public async Task<(string Hash, string Raw)> SignAsync(StakeWalletContract.TransferPayment payment, long nonce, BigInteger gas)
    {
        payment.Nonce = new BigInteger(nonce);
        payment.Gas = gas;
        var raw = await Rpc(() => web3.Eth.GetContractTransactionHandler<StakeWalletContract.TransferPayment>().SignTransactionAsync(stakeWallet, payment));
        raw = raw.StartsWith("0x", StringComparison.Ordinal) ? raw : "0x" + raw;
        return ("0x" + Sha3Keccack.Current.CalculateHashFromHex(raw), raw);
    }

    /// <summary>Sends a signed transaction. One the chain already has (in its pool, or mined: "already known", "nonce
    /// too low") is not an error: sending the same bytes again changes nothing.</summary>
    public async Task BroadcastAsync(string raw)
    {
        try
        {
            await Rpc(() => web3.Eth.Transactions.SendRawTransaction.SendRequestAsync(raw));
        }
        catch (RpcResponseException e) when (e.RpcError?.Message is { } message
                                             && (message.Contains("already known", StringComparison.OrdinalIgnoreCase)
                                                 || message.Contains("nonce too low", StringComparison.OrdinalIgnoreCase)))
        {
        }
    }

    public Task<TransactionReceipt?> ReceiptAsync(string hash) =>
        Rpc(() => web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(hash))!;

    /// <summary>Whether the chain knows the transaction at all (pending or mined).</summary>
    public async Task<bool> KnownAsync(string hash) =>
        await Rpc(() => web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(hash)) is not null;

    /// <summary>The StakeWallet's TaskPayment events from <paramref name="fromBlock"/> on: transaction hash → block.</summary>
    public async Task<Dictionary<string, long>> PaymentsSinceAsync(long fromBlock)
    {
        var events = web3.Eth.GetEvent<StakeWalletContract.TaskPaymentEvent>(stakeWallet);
        var filter = events.CreateFilterInput(new BlockParameter(new HexBigInteger(fromBlock)), BlockParameter.CreateLatest());
        var logs = await Rpc(() => events.GetAllChangesAsync(filter));
        return logs.GroupBy(l => l.Log.TransactionHash, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key.ToLowerInvariant(), g => (long)g.First().Log.BlockNumber.Value);
    }

    private async Task<T> Rpc<T>(Func<Task<T>> request)
    {
        try
        {
            return await request();
        }
        catch (Exception e) when (e is RpcClientUnknownException or RpcClientTimeoutException or HttpRequestException or TaskCanceledException)
        {
            throw new ChainException($"the chain at BLOCKCHAIN_RPC ({options.RpcShown}) does not answer ({e.GetBaseException().Message.TrimEnd('.')})", e);
        }
    }
}
