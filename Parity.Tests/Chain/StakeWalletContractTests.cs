using System.Numerics;
using Nethereum.Contracts;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;
using Parity.Configuration;
using Parity.Tests.Support;

namespace Parity.Tests.Chain;

/// <summary>
/// The contracts deploy/chain.sh deploys, on its real Anvil chain: staking through approve + addFunds, balances, owner-only
/// payments bounded by the creator's stake, withdrawals only by the wallet that staked, and an event for each movement.
/// Every test uses device ids of its own, so the shared chain's earlier state never matters.
/// </summary>
public sealed class StakeWalletContractTests
{
    private static readonly BigInteger Token = BigInteger.Pow(10, 18);
    private readonly Dictionary<string, string> env = ReadEnv(TestEngines.ChainEnv);
    private readonly Web3 dev;
    private readonly Web3 owner;
    private readonly Web3 stranger;
    private readonly string token;
    private readonly string stakeWallet;

    public StakeWalletContractTests()
    {
        var rpc = env["BLOCKCHAIN_RPC"];
        var chainId = long.Parse(env["BLOCKCHAIN_CHAIN_ID"], System.Globalization.CultureInfo.InvariantCulture);
        dev = new Web3(new Account(File.ReadAllText(env["PARITY_DEV_KEY_FILE"]).Trim(), chainId), rpc);
        owner = new Web3(new Account(File.ReadAllText(env["PARITY_OWNER_KEY_FILE"]).Trim(), chainId), rpc);
        // Anvil's account 2 (same mnemonic): funded with ether, holds no tokens, owns nothing.
        stranger = new Web3(new Account("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a", chainId), rpc);
        token = env["BLOCKCHAIN_TOKEN_ADDRESS"];
        stakeWallet = env["BLOCKCHAIN_STAKE_WALLET_ADDRESS"];
    }

    private static Dictionary<string, string> ReadEnv(string path) =>
        DotEnvFile.Read(path).ToDictionary(e => e.Key, e => e.Value ?? "");

    private static string NewDevice() => $"device-{Guid.NewGuid():N}";

    private static Task<TransactionReceipt> Send<T>(Web3 web3, string contract, T message) where T : FunctionMessage, new() =>
        web3.Eth.GetContractTransactionHandler<T>().SendRequestAndWaitForReceiptAsync(contract, message);

    private Task<BigInteger> StakeOf(string device) =>
        dev.Eth.GetContractQueryHandler<StakeWalletAbi.GetBalance>().QueryAsync<BigInteger>(stakeWallet, new() { DeviceId = device });

    private Task<BigInteger> TokensOf(string address) =>
        dev.Eth.GetContractQueryHandler<StakeWalletAbi.BalanceOf>().QueryAsync<BigInteger>(token, new() { Account = address });

    private async Task<TransactionReceipt> Stake(string device, BigInteger amount)
    {
        var approved = await Send(dev, token, new StakeWalletAbi.Approve { Spender = stakeWallet, Value = amount });
        Assert.Equal(1, (int)approved.Status.Value);
        var added = await Send(dev, stakeWallet, new StakeWalletAbi.AddFunds { Amount = amount, DeviceId = device, Wallet = dev.TransactionManager.Account.Address });
        Assert.Equal(1, (int)added.Status.Value);
        return added;
    }

    // The chain refuses the call (gas estimation runs it and reverts), rather than the client failing for another reason.
    private static async Task AssertReverts(Func<Task> call)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(call);
        Assert.Contains("revert", error.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_token_has_the_configured_decimals_and_the_dev_account_holds_tokens()
    {
        var decimals = await dev.Eth.GetContractQueryHandler<StakeWalletAbi.Decimals>().QueryAsync<byte>(token, new());
        Assert.Equal(env["BLOCKCHAIN_TOKEN_DECIMALS"], decimals.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(await TokensOf(env["PARITY_DEV_ADDRESS"]) > 0);
    }

    [Fact]
    public async Task Approve_and_addFunds_stake_tokens_for_the_device_with_an_event()
    {
        var device = NewDevice();
        var wallet = dev.TransactionManager.Account.Address;
        var tokensBefore = await TokensOf(wallet);

        var receipt = await Stake(device, 5 * Token);

        Assert.Equal(5 * Token, await StakeOf(device));
        Assert.Equal(tokensBefore - 5 * Token, await TokensOf(wallet));
        var info = await dev.Eth.GetContractQueryHandler<StakeWalletAbi.GetWalletInfo>()
            .QueryDeserializingToObjectAsync<StakeWalletAbi.WalletInfo>(new() { DeviceId = device }, stakeWallet);
        Assert.True(info.Exists);
        Assert.Equal(device, info.DeviceId);
        Assert.Equal(wallet, info.WalletAddress, ignoreCase: true);
        var added = Assert.Single(receipt.DecodeAllEvents<StakeWalletAbi.FundsAdded>());
        Assert.Equal((device, 5 * Token), (added.Event.DeviceId, added.Event.Amount));
        Assert.Equal(wallet, added.Event.Wallet, ignoreCase: true);
    }

    [Fact]
    public async Task The_owner_pays_from_the_creator_to_the_solver_with_an_event_but_never_beyond_the_creator_stake()
    {
        var (creator, solver) = (NewDevice(), NewDevice());
        await Stake(creator, 3 * Token);
        await Stake(solver, 1 * Token);

        var paid = await Send(owner, stakeWallet, new StakeWalletAbi.TransferPayment { CreatorDeviceId = creator, SolverDeviceId = solver, Amount = 2 * Token });
        var payment = Assert.Single(paid.DecodeAllEvents<StakeWalletAbi.TaskPayment>());
        Assert.Equal((creator, solver, 2 * Token), (payment.Event.CreatorDeviceId, payment.Event.SolverDeviceId, payment.Event.Amount));
        Assert.Equal(1 * Token, await StakeOf(creator));
        Assert.Equal(3 * Token, await StakeOf(solver));

        // One token left: two is beyond it, and the chain refuses it whole.
        await AssertReverts(() =>
            Send(owner, stakeWallet, new StakeWalletAbi.TransferPayment { CreatorDeviceId = creator, SolverDeviceId = solver, Amount = 2 * Token }));
        Assert.Equal(1 * Token, await StakeOf(creator));
        Assert.Equal(3 * Token, await StakeOf(solver));
    }

    [Fact]
    public async Task Only_the_owner_may_pay()
    {
        var (creator, solver) = (NewDevice(), NewDevice());
        await Stake(creator, 2 * Token);
        await Stake(solver, 1 * Token);

        foreach (var caller in new[] { dev, stranger })
            await AssertReverts(() =>
                Send(caller, stakeWallet, new StakeWalletAbi.TransferPayment { CreatorDeviceId = creator, SolverDeviceId = solver, Amount = 1 * Token }));

        Assert.Equal(2 * Token, await StakeOf(creator));
        Assert.Equal(1 * Token, await StakeOf(solver));
    }

    [Fact]
    public async Task Only_the_wallet_that_staked_withdraws_and_the_tokens_go_back_to_it_with_an_event()
    {
        var device = NewDevice();
        var wallet = dev.TransactionManager.Account.Address;
        await Stake(device, 4 * Token);
        var tokensBefore = await TokensOf(wallet);

        await AssertReverts(() => Send(stranger, stakeWallet, new StakeWalletAbi.WithdrawFunds { DeviceId = device, Amount = 1 * Token }));
        await AssertReverts(() => Send(dev, stakeWallet, new StakeWalletAbi.WithdrawFunds { DeviceId = device, Amount = 5 * Token }));
        Assert.Equal(4 * Token, await StakeOf(device));

        var receipt = await Send(dev, stakeWallet, new StakeWalletAbi.WithdrawFunds { DeviceId = device, Amount = 3 * Token });
        var withdrawn = Assert.Single(receipt.DecodeAllEvents<StakeWalletAbi.FundsWithdrawn>());
        Assert.Equal((device, 3 * Token), (withdrawn.Event.DeviceId, withdrawn.Event.Amount));
        Assert.Equal(1 * Token, await StakeOf(device));
        Assert.Equal(tokensBefore + 3 * Token, await TokensOf(wallet));
    }

    [Fact]
    public async Task A_stake_cannot_be_credited_to_another_wallet_or_taken_over()
    {
        var device = NewDevice();
        await Stake(device, 1 * Token);
        await Send(dev, token, new StakeWalletAbi.Approve { Spender = stakeWallet, Value = 1 * Token });

        // The caller must be the wallet it names...
        await AssertReverts(() => Send(dev, stakeWallet,
            new StakeWalletAbi.AddFunds { Amount = 1 * Token, DeviceId = NewDevice(), Wallet = stranger.TransactionManager.Account.Address }));
        // ...and a device id already staked by one wallet takes no funds from another.
        await AssertReverts(() => Send(stranger, stakeWallet,
            new StakeWalletAbi.AddFunds { Amount = 1, DeviceId = device, Wallet = stranger.TransactionManager.Account.Address }));
        Assert.Equal(1 * Token, await StakeOf(device));
    }
}
