using System.Numerics;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.Contracts;
using Nethereum.Hex.HexTypes;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Signer;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;
using Parity.Configuration;

namespace Parity.Chain;

/// <summary>
/// Balance, stake and unstake against the configured token and StakeWallet, with Nethereum. Everything that can be known
/// before a transaction is checked before the first one is sent (the chain id, the contracts, the balances, a device
/// id staked by another wallet, a transaction still pending), so a refusal leaves the chain as it was; every amount is
/// an integer number of units; and a stake interrupted between its two transactions is finished by running it again,
/// because the allowance already given is read back and not asked for twice.
/// </summary>
public sealed class StakeWalletClient : IDisposable
{
    private static readonly TimeSpan ReceiptPollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly Lock TimeoutLock = new();

    private readonly ChainOptions options;
    private readonly HttpClient http;
    private readonly Web3 web3;
    private readonly string token;
    private readonly string stakeWallet;

    /// <param name="options">Options that passed <see cref="ChainOptions.RequireChain"/>.</param>
    /// <param name="privateKey">The signing key, for stake and unstake; null reads only.</param>
    public StakeWalletClient(ChainOptions options, byte[]? privateKey = null)
    {
        this.options = options;
        token = options.TokenAddress ?? throw new ArgumentException("BLOCKCHAIN_TOKEN_ADDRESS is not set", nameof(options));
        stakeWallet = options.StakeWalletAddress ?? throw new ArgumentException("BLOCKCHAIN_STAKE_WALLET_ADDRESS is not set", nameof(options));
        var rpc = options.Rpc ?? throw new ArgumentException("BLOCKCHAIN_RPC is not set", nameof(options));
        var chainId = options.ChainId ?? throw new ArgumentException("BLOCKCHAIN_CHAIN_ID is not set", nameof(options));
        // An HttpClient of its own, whose timeout is this client's. Nethereum also cancels every request after its own
        // process-wide ClientBase.ConnectionTimeout (20 s by default), which would cut a longer BLOCKCHAIN_RPC_TIMEOUT
        // short: that cap is raised to it, never lowered, and each client keeps its own limit through its HttpClient.
        http = new HttpClient { Timeout = options.RpcTimeout };
        lock (TimeoutLock)
            if (ClientBase.ConnectionTimeout < options.RpcTimeout) ClientBase.ConnectionTimeout = options.RpcTimeout;
        var client = new RpcClient(rpc, http);
        if (privateKey is null)
        {
            web3 = new Web3(client);
        }
        else
        {
            var account = new Account(new EthECKey(privateKey, true), chainId);
            Address = account.Address;
            web3 = new Web3(account, client);
        }
    }

    /// <summary>The signing wallet's address; null for a read-only client.</summary>
    public string? Address { get; }

    public void Dispose() => http.Dispose();

    /// <summary>
    /// Checks that BLOCKCHAIN_RPC answers with BLOCKCHAIN_CHAIN_ID and that both addresses hold the expected contracts
    /// (the StakeWallet stakes this token), and reads the token's symbol and decimals.
    /// </summary>
    public async Task<ChainToken> ConnectAsync()
    {
        var chainId = (await Rpc(() => web3.Eth.ChainId.SendRequestAsync(), Unsent)).Value;
        if (chainId != options.ChainId)
            throw new ConfigurationException(
                $"BLOCKCHAIN_CHAIN_ID is {options.ChainId}, but the chain at BLOCKCHAIN_RPC ({options.RpcShown}) has chain id {chainId}: " +
                "one of the two points at the wrong chain; nothing was sent");
        await RequireContract(token, "BLOCKCHAIN_TOKEN_ADDRESS");
        await RequireContract(stakeWallet, "BLOCKCHAIN_STAKE_WALLET_ADDRESS");
        var staked = await Contract(() => Query<StakeWalletContract.Token, string>(stakeWallet, new()),
            $"the contract at BLOCKCHAIN_STAKE_WALLET_ADDRESS ({stakeWallet}) does not answer token(): is it a StakeWallet?");
        if (!SameAddress(staked, token))
            throw new ConfigurationException(
                $"the StakeWallet at BLOCKCHAIN_STAKE_WALLET_ADDRESS ({stakeWallet}) stakes the token {staked}, not BLOCKCHAIN_TOKEN_ADDRESS ({token}): " +
                "the two addresses come from different deployments; nothing was sent");
        var decimals = await Contract(() => Query<Erc20Contract.Decimals, byte>(token, new()),
            $"the contract at BLOCKCHAIN_TOKEN_ADDRESS ({token}) does not answer decimals(): is it an ERC-20 token?");
        // symbol() is optional in ERC-20: a token without one is shown as "tokens".
        string symbol;
        try
        {
            symbol = await Rpc(() => Query<Erc20Contract.Symbol, string>(token, new()), Unsent);
        }
        catch (Exception e) when (e is SmartContractRevertException or SmartContractCustomErrorRevertException or RpcResponseException)
        {
            symbol = "";
        }
        return new ChainToken(token, string.IsNullOrWhiteSpace(symbol) ? "tokens" : symbol.Trim(), decimals);
    }

    /// <summary>The wallet's native and token balances and the device id's stake.</summary>
    public async Task<ChainBalance> BalanceAsync(ChainToken chainToken, string address, string deviceId)
    {
        var native = await Rpc(() => web3.Eth.GetBalance.SendRequestAsync(address), Unsent);
        var tokens = await TokensOf(address);
        var info = await WalletInfo(deviceId);
        return new ChainBalance(options.ChainId!.Value, options.NetworkShown, address, deviceId, stakeWallet, chainToken,
            native.Value, tokens, info.Balance, info.Exists ? info.WalletAddress : null);
    }

    /// <summary>
    /// Stakes <paramref name="amount"/> units for <paramref name="deviceId"/>: <c>approve</c> for the StakeWallet only when
    /// its allowance is less than the amount, then <c>addFunds</c>, each waited for until mined.
    /// </summary>
    public async Task<StakeResult> StakeAsync(ChainToken chainToken, BigInteger amount, string deviceId, IProgress<string>? progress = null)
    {
        var me = Signer();
        await RequireNothingPending(me);
        var held = await TokensOf(me);
        if (held < amount)
            throw new ChainException($"wallet {me} holds {chainToken.Format(held)}, less than the {chainToken.Format(amount)} to stake; nothing was sent");
        var info = await WalletInfo(deviceId);
        // The contract would refuse addFunds too, but only after approve was sent: refused here, nothing is sent at all.
        if (info.Exists && !SameAddress(info.WalletAddress, me))
            throw new ChainException($"device id '{deviceId}' is staked by wallet {info.WalletAddress}, not by this wallet {me}: only that wallet may add to its stake; nothing was sent");
        await RequireGasMoney(me);
        var transactions = new List<ChainTransaction>();
        var allowance = await Rpc(() => Query<Erc20Contract.Allowance, BigInteger>(token, new() { Owner = me, Spender = stakeWallet }), Unsent);
        if (allowance < amount)
        {
            // approve sets the allowance (it does not add to it): exactly the amount, which addFunds then uses up.
            transactions.Add(await SendAndWait(chainToken, "approve", token, new Erc20Contract.Approve { Spender = stakeWallet, Value = amount },
                progress, undone: "nothing was staked",
                pending: "once it is mined, stake again sends addFunds only (it refuses to run while a transaction is pending)"));
        }
        else
        {
            progress?.Report($"approve: not needed, the StakeWallet may already move {chainToken.Format(allowance)} of this wallet's tokens");
        }
        var approved = transactions.Count == 0 ? "" : $"; the allowance from approve {transactions[0].Hash} stays, so stake again sends addFunds only";
        transactions.Add(await SendAndWait(chainToken, "addFunds", stakeWallet,
            new StakeWalletContract.AddFunds { Amount = amount, DeviceId = deviceId, Wallet = me },
            progress, undone: $"nothing was staked{approved}",
            pending: "once it is mined the tokens are staked (parity-runner balance shows it): look before staking again"));
        return await After(transactions, deviceId, me);
    }

    /// <summary>Withdraws <paramref name="amount"/> units of <paramref name="deviceId"/>'s stake back to the wallet (<c>withdrawFunds</c>).</summary>
    public async Task<StakeResult> UnstakeAsync(ChainToken chainToken, BigInteger amount, string deviceId, IProgress<string>? progress = null)
    {
        var me = Signer();
        await RequireNothingPending(me);
        var info = await WalletInfo(deviceId);
        if (!info.Exists || info.Balance.IsZero)
            throw new ChainException($"nothing is staked for device id '{deviceId}'; nothing was sent");
        if (info.Balance < amount)
            throw new ChainException($"device id '{deviceId}' has {chainToken.Format(info.Balance)} staked, less than the {chainToken.Format(amount)} to withdraw; nothing was sent");
        await RequireGasMoney(me);
        // Who may withdraw is the contract's rule: a stake of another wallet is refused by its gas estimate (WalletMismatch,
        // decoded), before anything is sent.
        var withdrawn = await SendAndWait(chainToken, "withdrawFunds", stakeWallet,
            new StakeWalletContract.WithdrawFunds { DeviceId = deviceId, Amount = amount },
            progress, undone: "nothing was withdrawn",
            pending: "once it is mined the tokens are back in the wallet (parity-runner balance shows it)");
        return await After([withdrawn], deviceId, me);
    }

    /// <summary>The balances once <paramref name="transactions"/> are mined; a chain that stops answering now says so
    /// without pretending that nothing was sent.</summary>
    private async Task<StakeResult> After(List<ChainTransaction> transactions, string deviceId, string me)
    {
        var done = $"{string.Join(" and ", transactions.Select(t => $"{t.Call} {t.Hash}"))} mined, so the stake has changed: " +
                   "parity-runner balance shows it once the chain answers";
        var stake = await WalletInfo(deviceId, done);
        var tokens = await TokensOf(me, done);
        return new StakeResult(transactions, stake.Balance, tokens);
    }

    private string Signer() => Address ?? throw new InvalidOperationException("a read-only client sends no transactions");

    private const string Unsent = "nothing was sent";

    private Task<BigInteger> TokensOf(string address, string state = Unsent) =>
        Rpc(() => Query<Erc20Contract.BalanceOf, BigInteger>(token, new() { Account = address }), state);

    private Task<StakeWalletContract.WalletInfo> WalletInfo(string deviceId, string state = Unsent) =>
        Rpc(() => web3.Eth.GetContractQueryHandler<StakeWalletContract.GetWalletInfo>()
            .QueryDeserializingToObjectAsync<StakeWalletContract.WalletInfo>(new() { DeviceId = deviceId }, stakeWallet), state);

    private Task<TResult> Query<TMessage, TResult>(string contract, TMessage message) where TMessage : FunctionMessage, new() =>
        web3.Eth.GetContractQueryHandler<TMessage>().QueryAsync<TResult>(contract, message);

    private async Task RequireContract(string address, string key)
    {
        var code = await Rpc(() => web3.Eth.GetCode.SendRequestAsync(address), Unsent);
        if (string.IsNullOrEmpty(code) || code == "0x")
            throw new ConfigurationException($"{key} ({address}) holds no contract on chain {options.ChainId} (an address of another deployment or another chain?); nothing was sent");
    }

    /// <summary>
    /// Transactions of this wallet that are sent but not mined (a run interrupted while waiting, or another wallet app)
    /// could still be mined after this run's: one more addFunds would then stake twice. Nothing is sent until they are.
    /// </summary>
    private async Task RequireNothingPending(string me)
    {
        var mined = await Rpc(() => web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(me, BlockParameter.CreateLatest()), Unsent);
        var pending = await Rpc(() => web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(me, BlockParameter.CreatePending()), Unsent);
        if (pending.Value > mined.Value)
            throw new ChainException(
                $"wallet {me} has {pending.Value - mined.Value} transaction(s) sent but not yet mined: wait until they are " +
                "(parity-runner balance shows the result), then run this again; nothing was sent");
    }

    private async Task RequireGasMoney(string me)
    {
        var native = await Rpc(() => web3.Eth.GetBalance.SendRequestAsync(me), Unsent);
        if (native.Value.IsZero)
            throw new ChainException($"wallet {me} holds none of the chain's own coin to pay for gas; nothing was sent");
    }

    /// <summary>
    /// Estimates, sends and waits for one transaction. <paramref name="undone"/> says what holds when it did nothing (its
    /// estimate was refused, or it reverted), <paramref name="pending"/> what to do when it may still be mined.
    /// </summary>
    private async Task<ChainTransaction> SendAndWait<TMessage>(ChainToken chainToken, string call, string contract, TMessage message,
        IProgress<string>? progress, string undone, string pending) where TMessage : FunctionMessage, new()
    {
        var handler = web3.Eth.GetContractTransactionHandler<TMessage>();
        HexBigInteger gas;
        try
        {
            // Estimated apart from sending, so a refusal here is known to have sent nothing.
            gas = await Rpc(() => handler.EstimateGasAsync(contract, message), $"{call} was not sent: {undone}");
        }
        catch (Exception e) when (ContractErrors.Describe(e, chainToken) is { } refusal)
        {
            throw new ChainException($"{call} refused: {refusal}; it was not sent: {undone}", e);
        }
        catch (RpcResponseException e)
        {
            throw new ChainException($"{call} refused by the chain: {e.RpcError?.Message ?? e.Message}; it was not sent: {undone}", e);
        }
        message.Gas = gas.Value;
        string hash;
        try
        {
            hash = await handler.SendRequestAsync(contract, message);
        }
        catch (RpcResponseException e)
        {
            throw new ChainException($"{call} refused by the chain: {e.RpcError?.Message ?? e.Message}; it was not sent: {undone}", e);
        }
        catch (Exception e) when (Unreachable(e))
        {
            // The request may have reached the chain before the connection failed.
            throw new ChainException(
                $"the chain at BLOCKCHAIN_RPC ({options.RpcShown}) stopped answering while {call} was being sent ({Reason(e)}): it may or may " +
                $"not have been sent; {pending}", e);
        }
        progress?.Report($"{call}: sent {hash}, waiting for it to be mined");
        var receipt = await WaitForReceipt(call, hash, pending);
        if (receipt.Status?.Value != 1)
            throw new ChainException($"{call} {hash} was mined in block {receipt.BlockNumber.Value} but failed (reverted): {undone}");
        progress?.Report($"{call}: mined in block {receipt.BlockNumber.Value}");
        return new ChainTransaction(call, hash, receipt.BlockNumber.Value);
    }

    private async Task<TransactionReceipt> WaitForReceipt(string call, string hash, string pending)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (true)
        {
            var receipt = await Rpc(() => web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(hash),
                $"{call} {hash} was sent and may still be mined: {pending}");
            if (receipt is not null) return receipt;
            if (System.Diagnostics.Stopwatch.GetElapsedTime(started) >= options.ReceiptTimeout)
                throw new ChainException(
                    $"{call} {hash} was sent but is not mined after BLOCKCHAIN_RECEIPT_TIMEOUT ({Seconds(options.ReceiptTimeout)}), and may still be: {pending}");
            await Task.Delay(ReceiptPollInterval);
        }
    }

    /// <summary>Runs a read; a contract that refuses it fails with <paramref name="refused"/>.</summary>
    private async Task<T> Contract<T>(Func<Task<T>> query, string refused)
    {
        try
        {
            return await Rpc(query, Unsent);
        }
        catch (Exception e) when (e is SmartContractRevertException or SmartContractCustomErrorRevertException or RpcResponseException
                                      or AbiEncodingException or ArgumentException or OverflowException)
        {
            throw new ChainException($"{refused}; nothing was sent", e);
        }
    }

    /// <summary>Runs one request; a chain that does not answer fails naming BLOCKCHAIN_RPC and what holds (<paramref name="state"/>).</summary>
    private async Task<T> Rpc<T>(Func<Task<T>> request, string state)
    {
        try
        {
            return await request();
        }
        catch (Exception e) when (Unreachable(e))
        {
            throw new ChainException($"the chain at BLOCKCHAIN_RPC ({options.RpcShown}) does not answer ({Reason(e)}); {state}", e);
        }
    }

    private static bool Unreachable(Exception e) =>
        e is RpcClientUnknownException or RpcClientTimeoutException or HttpRequestException or TaskCanceledException;

    // The innermost message says what went wrong on the wire ("Connection refused (127.0.0.1:9)"); Nethereum's own
    // wrappers only say that it did.
    private string Reason(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null) inner = inner.InnerException;
        return inner is TaskCanceledException or TimeoutException || e is RpcClientTimeoutException
            ? $"no answer within BLOCKCHAIN_RPC_TIMEOUT, {Seconds(options.RpcTimeout)}"
            : inner.Message.TrimEnd('.');
    }

    private static string Seconds(TimeSpan span) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.###}s");

    private static bool SameAddress(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
