using System.Globalization;
using Microsoft.Extensions.Options;
using Nethereum.Util;
using Parity.Configuration;

namespace Parity.Chain;

/// <summary>Reads the BLOCKCHAIN_* keys into <see cref="ChainOptions"/> (see <see cref="ConfigurationReader"/> for why not the binder).</summary>
public sealed class ChainOptionsReader(ConfigurationReader read) : IConfigureOptions<ChainOptions>
{
    public void Configure(ChainOptions options)
    {
        if (read.Raw("BLOCKCHAIN_RPC") is { } rpc)
            options.Rpc = Uri.TryCreate(rpc, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Fragment.Length == 0
                ? uri
                // The value itself is not repeated: an RPC URL often carries a provider's API key.
                : throw new ConfigurationException("BLOCKCHAIN_RPC must be an http(s) URL of a JSON-RPC endpoint, like http://127.0.0.1:8545");
        if (read.Raw("BLOCKCHAIN_CHAIN_ID") is { } chainId)
            options.ChainId = long.TryParse(chainId, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
                ? id
                : throw new ConfigurationException($"BLOCKCHAIN_CHAIN_ID must be a positive integer (1 for Ethereum mainnet, 1337 for deploy/chain.sh), got '{chainId}'");
        options.NetworkName = read.Raw("BLOCKCHAIN_NETWORK_NAME") ?? options.NetworkName;
        options.TokenAddress = Address(read, "BLOCKCHAIN_TOKEN_ADDRESS") ?? options.TokenAddress;
        options.StakeWalletAddress = Address(read, "BLOCKCHAIN_STAKE_WALLET_ADDRESS") ?? options.StakeWalletAddress;
        options.RpcTimeout = read.Duration("BLOCKCHAIN_RPC_TIMEOUT", options.RpcTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10));
        options.ReceiptTimeout = read.Duration("BLOCKCHAIN_RECEIPT_TIMEOUT", options.ReceiptTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
    }

    /// <summary>
    /// A contract address: 0x and 40 hex digits. Written in mixed case it must carry a valid EIP-55 checksum, which
    /// catches a mistyped digit before anything is sent to the wrong contract; all lower or all upper case has none.
    /// </summary>
    private static string? Address(ConfigurationReader read, string key)
    {
        if (read.Raw(key) is not { } text) return null;
        if (!AddressUtil.Current.IsValidEthereumAddressHexFormat(text))
            throw new ConfigurationException($"{key} must be a contract address, 0x and 40 hex digits, got '{text}'");
        var digits = text[2..];
        var mixedCase = digits.Any(char.IsAsciiLetterUpper) && digits.Any(char.IsAsciiLetterLower);
        if (mixedCase && !AddressUtil.Current.IsChecksumAddress(text))
            throw new ConfigurationException($"{key} has a wrong EIP-55 checksum (a mistyped digit?): '{text}' should be written '{AddressUtil.Current.ConvertToChecksumAddress(text)}' if it is right");
        return AddressUtil.Current.ConvertToChecksumAddress(text);
    }
}
