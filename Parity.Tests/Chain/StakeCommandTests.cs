using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Text.Json;
using Nethereum.Web3.Accounts;
using Parity.Tests.Support;

namespace Parity.Tests.Chain;

/// <summary>
/// <c>parity-runner auth</c>, <c>balance</c>, <c>stake</c> and <c>unstake</c> run as a user runs them, on a dev chain of
/// the class's own (deploy/chain.sh), once with an 18-decimal token and once with a 6-decimal one. Every test has its own
/// wallet and device id, and checks the chain itself (balances, nonces, events), not only what was printed: a refusal
/// must leave the wallet's nonce where it was, which proves that nothing was sent.
/// </summary>
public abstract class StakeCommandTests : IDisposable
{
    private const string Passphrase = "correct horse battery";
    private readonly PrivateDevChain chain;
    private readonly string home = Directory.CreateTempSubdirectory("parity-stake-").FullName;
    private readonly string device = $"device-{Guid.NewGuid():N}";

    protected StakeCommandTests(PrivateDevChain chain) => this.chain = chain;

    public void Dispose()
    {
        Directory.Delete(home, recursive: true);
        GC.SuppressFinalize(this);
    }

    private int Decimals => chain.Decimals;

    /// <summary><paramref name="text"/> tokens in units, computed apart from the code under test: digits shifted by hand.</summary>
    private BigInteger Units(string text)
    {
        var point = text.IndexOf('.');
        var whole = point < 0 ? text : text[..point];
        var fraction = point < 0 ? "" : text[(point + 1)..];
        Assert.True(fraction.Length <= Decimals, $"the test's own amount {text} has more places than {Decimals}");
        return BigInteger.Parse(whole + fraction.PadRight(Decimals, '0'), CultureInfo.InvariantCulture);
    }

    private Dictionary<string, string> Environment(params (string Key, string Value)[] extra)
    {
        var environment = new Dictionary<string, string>
        {
            ["HOME"] = home,
            ["PARITY_KEYSTORE_PASSWORD"] = Passphrase,
            ["RUNNER_DEVICE_ID"] = device,
        };
        foreach (var (key, value) in extra) environment[key] = value;
        return environment;
    }

    private (int Code, string Stdout, string Stderr) Cli(string[] arguments, params (string Key, string Value)[] environment) =>
        ParityCli.Run(Environment(environment), [.. arguments, "--config-path", chain.EnvFile]);

    private (int Code, string Stdout, string Stderr) Stake(string amount, params (string Key, string Value)[] environment) =>
        Cli(["stake", "--amount", amount], environment);

    private (int Code, string Stdout, string Stderr) Unstake(string amount, params (string Key, string Value)[] environment) =>
        Cli(["unstake", "--amount", amount], environment);

    /// <summary>A funded wallet, stored by <c>parity-runner auth</c> as this test's keystore; its address.</summary>
    private async Task<string> AuthenticatedWalletAsync(BigInteger tokens, bool withGas = true)
    {
        var key = await chain.NewWalletAsync(tokens, withGas);
        var keyFile = Path.Combine(home, "wallet.key");
        await File.WriteAllTextAsync(keyFile, key);
        // The real scrypt cost takes seconds per open by design; N = 2^12 keeps the same code path fast.
        var (code, stdout, stderr) = ParityCli.Run(Environment(), "auth", "--scrypt-n", "4096", "--private-key-file", keyFile);
        Assert.True(code == 0, stderr);
        var address = new Account(key, chain.ChainId).Address;
        Assert.Contains($"address: {address}", stdout);
        Keys[address] = key;
        return address;
    }

    private readonly Dictionary<string, string> Keys = [];

    /// <summary>One line on stderr, no stack trace.</summary>
    private static void AssertOneLine(string stderr)
    {
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task Auth_then_stake_then_balance_end_to_end_moves_exactly_the_amount_with_two_transactions()
    {
        var amount = "10.5";
        var address = await AuthenticatedWalletAsync(Units("100"));
        var nonce = await chain.NonceAsync(address);

        var (code, stdout, stderr) = Stake(amount);

        Assert.True(code == 0, stderr);
        Assert.Equal(Units(amount), await chain.StakeOfAsync(device));
        Assert.Equal(Units("89.5"), await chain.TokensOfAsync(address));
        Assert.Equal(BigInteger.Zero, await chain.AllowanceAsync(address));  // approve gave exactly what addFunds took
        Assert.Equal(nonce + 2, await chain.NonceAsync(address));
        var added = Assert.Single(await chain.EventsAsync<StakeWalletAbi.FundsAdded>(chain.StakeWallet), e => e.DeviceId == device);
        Assert.Equal(Units(amount), added.Amount);
        Assert.Equal(address, added.Wallet, ignoreCase: true);
        var approval = Assert.Single(await chain.EventsAsync<StakeWalletAbi.Approval>(chain.Token), e => e.Owner.Equals(address, StringComparison.OrdinalIgnoreCase));
        Assert.Equal(Units(amount), approval.Value);
        // Both hashes are printed, and they are the chain's: each names a mined transaction of this wallet to the right contract.
        var hashes = stdout.Split('\n').Where(l => l.StartsWith("approve: 0x") || l.StartsWith("addFunds: 0x"))
            .Select(l => l.Split(' ')[1]).ToList();
        Assert.Equal(2, hashes.Count);
        var approveTx = await chain.Dev.Eth.Transactions.GetTransactionByHash.SendRequestAsync(hashes[0]);
        var addTx = await chain.Dev.Eth.Transactions.GetTransactionByHash.SendRequestAsync(hashes[1]);
        Assert.Equal(chain.Token, approveTx.To, ignoreCase: true);
        Assert.Equal(chain.StakeWallet, addTx.To, ignoreCase: true);
        Assert.Equal(address, addTx.From, ignoreCase: true);
        Assert.Contains("waiting for it to be mined", stderr);
        Assert.Contains($"stake: 10.5 PRTY", stdout);

        var text = Cli(["balance"]);
        Assert.True(text.Code == 0, text.Stderr);
        Assert.Contains($"address:   {address}", text.Stdout);
        Assert.Contains($"device id: {device}", text.Stdout);
        Assert.Contains($"tokens:    89.5 PRTY", text.Stdout);
        Assert.Contains($"{Decimals} decimals", text.Stdout);
        Assert.Contains($"stake:     10.5 PRTY", text.Stdout);
        Assert.Contains("(chain id 1337)", text.Stdout);

        var json = Cli(["balance", "--json"]);
        Assert.True(json.Code == 0, json.Stderr);
        using var document = JsonDocument.Parse(json.Stdout);
        var root = document.RootElement;
        Assert.Equal(chain.ChainId, root.GetProperty("chain_id").GetInt64());
        Assert.Equal("anvil-dev", root.GetProperty("network").GetString());
        Assert.Equal(address, root.GetProperty("address").GetString());
        Assert.Equal(device, root.GetProperty("device_id").GetString());
        Assert.Equal((await chain.BalanceOfAsync(address)).Value.ToString(CultureInfo.InvariantCulture),
            root.GetProperty("native").GetProperty("units").GetString());
        var token = root.GetProperty("token");
        Assert.Equal(Decimals, token.GetProperty("decimals").GetInt32());
        Assert.Equal("PRTY", token.GetProperty("symbol").GetString());
        Assert.Equal((await chain.TokensOfAsync(address)).ToString(CultureInfo.InvariantCulture), token.GetProperty("balance").GetProperty("units").GetString());
        Assert.Equal("89.5", token.GetProperty("balance").GetProperty("amount").GetString());
        var stake = root.GetProperty("stake");
        Assert.Equal((await chain.StakeOfAsync(device)).ToString(CultureInfo.InvariantCulture), stake.GetProperty("balance").GetProperty("units").GetString());
        Assert.Equal("10.5", stake.GetProperty("balance").GetProperty("amount").GetString());
        Assert.Equal(address, stake.GetProperty("staked_by").GetString());
    }

    [Fact]
    public async Task Amounts_are_exact_to_the_last_unit_of_the_tokens_decimals()
    {
        var address = await AuthenticatedWalletAsync(Units("2000"));
        var smallest = "0." + new string('0', Decimals - 1) + "1";
        var precise = "1234." + "567891234567891234"[..Decimals];

        var first = Stake(smallest);
        Assert.True(first.Code == 0, first.Stderr);
        Assert.Equal(BigInteger.One, await chain.StakeOfAsync(device));

        var second = Stake(precise);
        Assert.True(second.Code == 0, second.Stderr);
        Assert.Equal(BigInteger.One + Units(precise), await chain.StakeOfAsync(device));
        Assert.Equal(Units("2000") - BigInteger.One - Units(precise), await chain.TokensOfAsync(address));
        var sum = Decimals == 18 ? "1234.567891234567891235" : "1234.567892";  // the smallest unit and the precise amount
        Assert.Contains($"stake: {sum} PRTY", second.Stdout);
    }

    [Fact]
    public async Task Too_many_decimal_places_are_refused_naming_the_tokens_decimals_and_nothing_is_sent()
    {
        var address = await AuthenticatedWalletAsync(Units("100"));
        var nonce = await chain.NonceAsync(address);

        var (code, _, stderr) = Stake("1." + new string('0', Decimals) + "1");

        Assert.Equal(2, code);
        Assert.Contains($"--amount: at most {Decimals} decimal places (the token has {Decimals} decimals)", stderr);
        AssertOneLine(stderr);
        Assert.Equal(nonce, await chain.NonceAsync(address));
        Assert.Equal(BigInteger.Zero, await chain.StakeOfAsync(device));
    }

    [Theory]
    [InlineData("abc", "plain digits")]
    [InlineData("-1", "more than 0")]
    [InlineData("0", "more than 0")]
    [InlineData("0.000", "more than 0")]
    [InlineData("1e3", "exponent")]
    [InlineData("1,5", "plain digits")]
    [InlineData("0x10", "plain digits")]
    public void Malformed_amounts_are_refused_with_exit_2_before_the_chain_or_the_keystore_is_asked(string amount, string message)
    {
        // No keystore, and a chain that does not answer: either would fail with exit 1, so exit 2 and the amount's own
        // message show that the amount was refused first.
        var closed = $"http://127.0.0.1:{TestEngines.FreeTcpPort()}";
        foreach (var command in new[] { "stake", "unstake" })
        {
            var (code, _, stderr) = Cli([command, $"--amount={amount}"], ("BLOCKCHAIN_RPC", closed));
            Assert.Equal(2, code);
            Assert.Contains("--amount", stderr);
            Assert.Contains(message, stderr);
            Assert.Contains("nothing was sent", stderr);
            AssertOneLine(stderr);
        }
    }

    [Fact]
    public async Task An_amount_beyond_uint256_is_refused()
    {
        await AuthenticatedWalletAsync(Units("1"));

        var (code, _, stderr) = Stake(BigInteger.Pow(2, 256).ToString(CultureInfo.InvariantCulture));

        Assert.Equal(2, code);
        Assert.Contains("2^256 - 1 units", stderr);
    }

    [Fact]
    public async Task More_than_the_wallet_holds_is_refused_before_approve()
    {
        var address = await AuthenticatedWalletAsync(Units("5"));
        var nonce = await chain.NonceAsync(address);

        var (code, _, stderr) = Stake("5.5");

        Assert.Equal(1, code);
        Assert.Contains($"holds 5 PRTY, less than the 5.5 PRTY to stake; nothing was sent", stderr);
        AssertOneLine(stderr);
        Assert.Equal(nonce, await chain.NonceAsync(address));
        Assert.Equal(BigInteger.Zero, await chain.AllowanceAsync(address));
        Assert.Equal(Units("5"), await chain.TokensOfAsync(address));
    }

    [Fact]
    public async Task A_wallet_without_gas_money_is_refused_before_anything_is_sent()
    {
        var address = await AuthenticatedWalletAsync(Units("5"), withGas: false);

        var (code, _, stderr) = Stake("1");

        Assert.Equal(1, code);
        Assert.Contains("to pay for gas; nothing was sent", stderr);
        Assert.Equal(BigInteger.Zero, await chain.NonceAsync(address));
        Assert.Equal(BigInteger.Zero, await chain.StakeOfAsync(device));
    }

    [Fact]
    public async Task A_wrong_chain_id_is_a_configuration_error_and_nothing_is_sent()
    {
        var address = await AuthenticatedWalletAsync(Units("10"));
        var nonce = await chain.NonceAsync(address);

        var stake = Stake("1", ("BLOCKCHAIN_CHAIN_ID", "1"));
        var balance = Cli(["balance"], ("BLOCKCHAIN_CHAIN_ID", "1"));

        foreach (var (code, _, stderr) in new[] { stake, balance })
        {
            Assert.Equal(2, code);
            Assert.Contains("BLOCKCHAIN_CHAIN_ID is 1, but the chain at BLOCKCHAIN_RPC", stderr);
            Assert.Contains("has chain id 1337", stderr);
            AssertOneLine(stderr);
        }
        Assert.Equal(nonce, await chain.NonceAsync(address));
        Assert.Equal(BigInteger.Zero, await chain.StakeOfAsync(device));
    }

    [Fact]
    public async Task A_stopped_chain_is_one_line_naming_BLOCKCHAIN_RPC()
    {
        var address = await AuthenticatedWalletAsync(Units("10"));
        var closed = $"http://127.0.0.1:{TestEngines.FreeTcpPort()}";

        foreach (var arguments in new[] { new[] { "stake", "--amount", "1" }, ["unstake", "--amount", "1"], ["balance"] })
        {
            var (code, _, stderr) = Cli(arguments, ("BLOCKCHAIN_RPC", closed));
            Assert.Equal(1, code);
            Assert.Contains($"the chain at BLOCKCHAIN_RPC ({closed}) does not answer", stderr);
            AssertOneLine(stderr);
        }
        Assert.Equal(BigInteger.Zero, await chain.StakeOfAsync(device));
        Assert.Equal(Units("10"), await chain.TokensOfAsync(address));
    }

    [Fact]
    public async Task A_chain_that_accepts_but_never_answers_fails_after_BLOCKCHAIN_RPC_TIMEOUT()
    {
        await AuthenticatedWalletAsync(Units("10"));
        // Connections complete in the listen backlog, but nothing ever reads or answers them.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/v3/secret-api-key";

        var (code, _, stderr) = Cli(["balance"], ("BLOCKCHAIN_RPC", url), ("BLOCKCHAIN_RPC_TIMEOUT", "1s"));

        Assert.Equal(1, code);
        Assert.Contains("does not answer (no answer within BLOCKCHAIN_RPC_TIMEOUT, 1s)", stderr);
        // A provider's API key in the URL's path is not repeated.
        Assert.DoesNotContain("secret-api-key", stderr);
        AssertOneLine(stderr);
    }

    [Fact]
    public async Task Staking_again_after_an_approve_that_was_not_followed_by_addFunds_sends_addFunds_only()
    {
        var address = await AuthenticatedWalletAsync(Units("50"));
        // What a crash right after approve leaves: the allowance, and no stake.
        await PrivateDevChain.SendAsync(chain.Wallet(Keys[address]), chain.Token, new StakeWalletAbi.Approve { Spender = chain.StakeWallet, Value = Units("20") });
        var nonce = await chain.NonceAsync(address);

        var (code, stdout, stderr) = Stake("20");

        Assert.True(code == 0, stderr);
        Assert.Equal(nonce + 1, await chain.NonceAsync(address));
        Assert.Single(await chain.EventsAsync<StakeWalletAbi.Approval>(chain.Token), e => e.Owner.Equals(address, StringComparison.OrdinalIgnoreCase));
        var added = Assert.Single(await chain.EventsAsync<StakeWalletAbi.FundsAdded>(chain.StakeWallet), e => e.DeviceId == device);
        Assert.Equal(Units("20"), added.Amount);
        Assert.Equal(Units("20"), await chain.StakeOfAsync(device));
        Assert.Equal(BigInteger.Zero, await chain.AllowanceAsync(address));
        Assert.DoesNotContain("approve: 0x", stdout);
        Assert.Contains("approve: not needed", stderr);
    }

    [Fact]
    public async Task A_transaction_still_pending_blocks_a_second_run_until_it_is_mined()
    {
        var address = await AuthenticatedWalletAsync(Units("50"));
        await chain.RpcAsync("evm_setAutomine", false);
        try
        {
            var waited = Stake("7", ("BLOCKCHAIN_RECEIPT_TIMEOUT", "1s"));
            Assert.Equal(1, waited.Code);
            Assert.Contains("approve 0x", waited.Stderr);
            Assert.Contains("is not mined after BLOCKCHAIN_RECEIPT_TIMEOUT (1s)", waited.Stderr);

            var again = Stake("7");
            Assert.Equal(1, again.Code);
            Assert.Contains("1 transaction(s) sent but not yet mined", again.Stderr);
            Assert.Contains("nothing was sent", again.Stderr);

            await chain.RpcAsync("evm_mine");
        }
        finally
        {
            await chain.RpcAsync("evm_setAutomine", true);
        }
        Assert.Equal(Units("7"), await chain.AllowanceAsync(address));
        Assert.Equal(BigInteger.One, await chain.NonceAsync(address));  // the approve, and only it

        var finished = Stake("7");

        Assert.True(finished.Code == 0, finished.Stderr);
        Assert.Equal(new BigInteger(2), await chain.NonceAsync(address));
        Assert.Equal(Units("7"), await chain.StakeOfAsync(device));
    }

    [Fact]
    public async Task Unstake_withdraws_to_the_wallet_with_an_event()
    {
        var address = await AuthenticatedWalletAsync(Units("10"));
        Assert.Equal(0, Stake("3").Code);

        var (code, stdout, stderr) = Unstake("1.25");

        Assert.True(code == 0, stderr);
        Assert.Equal(Units("1.75"), await chain.StakeOfAsync(device));
        Assert.Equal(Units("8.25"), await chain.TokensOfAsync(address));
        var withdrawn = Assert.Single(await chain.EventsAsync<StakeWalletAbi.FundsWithdrawn>(chain.StakeWallet), e => e.DeviceId == device);
        Assert.Equal(Units("1.25"), withdrawn.Amount);
        Assert.Equal(address, withdrawn.Wallet, ignoreCase: true);
        Assert.Contains("withdrawFunds: 0x", stdout);
        Assert.Contains("stake: 1.75 PRTY; wallet: 8.25 PRTY", stdout);
    }

    [Fact]
    public async Task Unstaking_more_than_is_staked_or_with_nothing_staked_is_refused_and_nothing_is_sent()
    {
        var address = await AuthenticatedWalletAsync(Units("10"));
        var nothing = Unstake("1");
        Assert.Equal(1, nothing.Code);
        Assert.Contains($"nothing is staked for device id '{device}'; nothing was sent", nothing.Stderr);

        Assert.Equal(0, Stake("3").Code);
        var nonce = await chain.NonceAsync(address);

        var (code, _, stderr) = Unstake("3.5");

        Assert.Equal(1, code);
        Assert.Contains($"device id '{device}' has 3 PRTY staked, less than the 3.5 PRTY to withdraw; nothing was sent", stderr);
        AssertOneLine(stderr);
        Assert.Equal(nonce, await chain.NonceAsync(address));
        Assert.Equal(Units("3"), await chain.StakeOfAsync(device));
    }

    [Fact]
    public async Task Another_wallets_stake_is_neither_added_to_nor_withdrawn_and_the_contracts_refusal_is_decoded()
    {
        var address = await AuthenticatedWalletAsync(Units("10"));
        var otherKey = await chain.NewWalletAsync(Units("10"));
        var other = chain.Wallet(otherKey);
        var otherAddress = other.TransactionManager.Account.Address;
        await PrivateDevChain.SendAsync(other, chain.Token, new StakeWalletAbi.Approve { Spender = chain.StakeWallet, Value = Units("4") });
        await PrivateDevChain.SendAsync(other, chain.StakeWallet, new StakeWalletAbi.AddFunds { Amount = Units("4"), DeviceId = device, Wallet = otherAddress });
        var nonce = await chain.NonceAsync(address);

        var stake = Stake("1");
        Assert.Equal(1, stake.Code);
        Assert.Contains($"device id '{device}' is staked by wallet {otherAddress}, not by this wallet {address}", stake.Stderr);
        Assert.Contains("nothing was sent", stake.Stderr);

        // Refused by the StakeWallet itself (its gas estimate reverts with WalletMismatch), in plain words.
        var unstake = Unstake("1");
        Assert.Equal(1, unstake.Code);
        Assert.Contains($"withdrawFunds refused: device id '{device}' is staked by wallet {otherAddress}, not by this wallet {address}", unstake.Stderr);
        Assert.Contains("(WalletMismatch); it was not sent", unstake.Stderr);
        AssertOneLine(unstake.Stderr);

        Assert.Equal(nonce, await chain.NonceAsync(address));
        Assert.Equal(Units("4"), await chain.StakeOfAsync(device));
        var balance = Cli(["balance"]);
        Assert.Contains($"staked by wallet {otherAddress}: not this one", balance.Stdout);
    }

    [Fact]
    public async Task Without_a_keystore_or_with_a_wrong_passphrase_nothing_is_sent()
    {
        var none = Cli(["balance"]);
        Assert.Equal(1, none.Code);
        Assert.Contains("run 'parity-runner auth' first", none.Stderr);

        var address = await AuthenticatedWalletAsync(Units("10"));
        var (code, _, stderr) = Stake("1", ("PARITY_KEYSTORE_PASSWORD", "not the passphrase"));

        Assert.Equal(1, code);
        Assert.Contains("the passphrase does not open the keystore", stderr);
        Assert.Equal(BigInteger.Zero, await chain.NonceAsync(address));  // the wallet has never sent a transaction
        Assert.Equal(BigInteger.Zero, await chain.StakeOfAsync(device));
    }

    [Fact]
    public async Task Missing_chain_keys_are_named()
    {
        await AuthenticatedWalletAsync(Units("1"));
        // No --config-path, and the keys are emptied in case the environment has them.
        var (code, _, stderr) = ParityCli.Run(Environment(("BLOCKCHAIN_RPC", ""), ("BLOCKCHAIN_CHAIN_ID", ""),
            ("BLOCKCHAIN_TOKEN_ADDRESS", ""), ("BLOCKCHAIN_STAKE_WALLET_ADDRESS", "")), "stake", "--amount", "1");

        Assert.Equal(2, code);
        Assert.Contains("BLOCKCHAIN_RPC, BLOCKCHAIN_CHAIN_ID, BLOCKCHAIN_TOKEN_ADDRESS, BLOCKCHAIN_STAKE_WALLET_ADDRESS are not set", stderr);
    }
}

/// <summary>The stake commands with an 18-decimal token.</summary>
public sealed class StakeCommandTests18(DevChain18 chain) : StakeCommandTests(chain), IClassFixture<DevChain18>;

/// <summary>The stake commands with a 6-decimal token.</summary>
public sealed class StakeCommandTests6(DevChain6 chain) : StakeCommandTests(chain), IClassFixture<DevChain6>;
