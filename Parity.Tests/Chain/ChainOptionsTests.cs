using Microsoft.Extensions.Configuration;
using Parity.Chain;
using Parity.Configuration;
using Parity.Hosting;

namespace Parity.Tests.Chain;

/// <summary>The BLOCKCHAIN_* keys as <see cref="ChainOptionsReader"/> reads them, and the refusals that name the key.</summary>
public class ChainOptionsTests
{
    private static ChainOptions Read(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build()
            .ReadRunnerOptions<ChainOptions>();

    [Fact]
    public void Unset_keys_leave_the_chain_unconfigured_and_a_command_names_each_missing_key()
    {
        var options = Read();
        Assert.Null(options.Rpc);
        Assert.Null(options.ChainId);
        Assert.Equal(TimeSpan.FromSeconds(30), options.RpcTimeout);
        Assert.Equal(TimeSpan.FromMinutes(5), options.ReceiptTimeout);

        var error = Assert.Throws<ConfigurationException>(() => options.RequireChain("parity-runner balance"));
        Assert.Contains("BLOCKCHAIN_RPC, BLOCKCHAIN_CHAIN_ID, BLOCKCHAIN_TOKEN_ADDRESS, BLOCKCHAIN_STAKE_WALLET_ADDRESS are not set, and parity-runner balance needs them", error.Message);

        var one = Assert.Throws<ConfigurationException>(() => Read(("BLOCKCHAIN_RPC", "http://127.0.0.1:8545"), ("BLOCKCHAIN_CHAIN_ID", "1337"),
            ("BLOCKCHAIN_TOKEN_ADDRESS", "0x5fbdb2315678afecb367f032d93f642f64180aa3")).RequireChain("stake"));
        Assert.Contains("BLOCKCHAIN_STAKE_WALLET_ADDRESS is not set, and stake needs it", one.Message);
    }

    [Fact]
    public void Set_keys_are_read_and_addresses_written_with_their_checksum()
    {
        var options = Read(("BLOCKCHAIN_RPC", "http://127.0.0.1:8545"), ("BLOCKCHAIN_CHAIN_ID", "11155111"), ("BLOCKCHAIN_NETWORK_NAME", "sepolia"),
            ("BLOCKCHAIN_TOKEN_ADDRESS", "0x5fbdb2315678afecb367f032d93f642f64180aa3"),
            ("BLOCKCHAIN_STAKE_WALLET_ADDRESS", "0xE7F1725E7734CE288F8367E1BB143E90BB3F0512"),
            ("BLOCKCHAIN_RPC_TIMEOUT", "5s"), ("BLOCKCHAIN_RECEIPT_TIMEOUT", "2m"));

        Assert.Same(options, options.RequireChain("balance"));
        Assert.Equal(new Uri("http://127.0.0.1:8545"), options.Rpc);
        Assert.Equal(11155111L, options.ChainId);
        Assert.Equal("sepolia", options.NetworkShown);
        Assert.Equal("0x5FbDB2315678afecb367f032d93F642f64180aa3", options.TokenAddress);
        Assert.Equal("0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512", options.StakeWalletAddress);
        Assert.Equal(TimeSpan.FromSeconds(5), options.RpcTimeout);
        Assert.Equal(TimeSpan.FromMinutes(2), options.ReceiptTimeout);
        Assert.Equal("chain 1337", (options with { NetworkName = null, ChainId = 1337 }).NetworkShown);
    }

    [Theory]
    [InlineData("BLOCKCHAIN_RPC", "ftp://127.0.0.1/", "BLOCKCHAIN_RPC must be an http(s) URL")]
    [InlineData("BLOCKCHAIN_RPC", "127.0.0.1:8545", "BLOCKCHAIN_RPC must be an http(s) URL")]
    [InlineData("BLOCKCHAIN_CHAIN_ID", "0", "BLOCKCHAIN_CHAIN_ID must be a positive integer")]
    [InlineData("BLOCKCHAIN_CHAIN_ID", "-1", "BLOCKCHAIN_CHAIN_ID must be a positive integer")]
    [InlineData("BLOCKCHAIN_CHAIN_ID", "0x539", "BLOCKCHAIN_CHAIN_ID must be a positive integer")]
    [InlineData("BLOCKCHAIN_CHAIN_ID", "99999999999999999999", "BLOCKCHAIN_CHAIN_ID must be a positive integer")]
    [InlineData("BLOCKCHAIN_TOKEN_ADDRESS", "0x5fbdb2315678afecb367f032d93f642f64180aa", "BLOCKCHAIN_TOKEN_ADDRESS must be a contract address")]
    [InlineData("BLOCKCHAIN_TOKEN_ADDRESS", "5fbdb2315678afecb367f032d93f642f64180aa3", "BLOCKCHAIN_TOKEN_ADDRESS must be a contract address")]
    [InlineData("BLOCKCHAIN_STAKE_WALLET_ADDRESS", "0xzzf1725e7734ce288f8367e1bb143e90bb3f0512", "BLOCKCHAIN_STAKE_WALLET_ADDRESS must be a contract address")]
    // One digit changed in a checksummed address (…0512 → …0513): the checksum no longer matches.
    [InlineData("BLOCKCHAIN_STAKE_WALLET_ADDRESS", "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0513", "BLOCKCHAIN_STAKE_WALLET_ADDRESS has a wrong EIP-55 checksum")]
    [InlineData("BLOCKCHAIN_RPC_TIMEOUT", "forever", "BLOCKCHAIN_RPC_TIMEOUT must be a duration")]
    [InlineData("BLOCKCHAIN_RECEIPT_TIMEOUT", "0s", "BLOCKCHAIN_RECEIPT_TIMEOUT must be a duration")]
    public void Bad_values_are_refused_naming_the_key(string key, string value, string message)
    {
        var error = Assert.Throws<ConfigurationException>(() => Read((key, value)));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void An_RPC_URL_is_shown_without_what_may_hold_an_API_key()
    {
        var error = Assert.Throws<ConfigurationException>(() => Read(("BLOCKCHAIN_RPC", "wss://user:secret@example.invalid/v3/key")));
        Assert.DoesNotContain("secret", error.Message);

        Assert.Equal("https://mainnet.example.invalid/…", Read(("BLOCKCHAIN_RPC", "https://user:pw@mainnet.example.invalid/v3/0123abcd")).RpcShown);
        Assert.Equal("https://mainnet.example.invalid/…", Read(("BLOCKCHAIN_RPC", "https://mainnet.example.invalid/?key=0123abcd")).RpcShown);
        Assert.Equal("http://127.0.0.1:8545", Read(("BLOCKCHAIN_RPC", "http://127.0.0.1:8545")).RpcShown);
    }
}
