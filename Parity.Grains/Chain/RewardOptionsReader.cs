using Microsoft.Extensions.Options;
using Parity.Configuration;

namespace Parity.Chain;

/// <summary>Reads the payout keys into <see cref="RewardOptions"/> (see <see cref="ConfigurationReader"/> for why not the binder).</summary>
public sealed class RewardOptionsReader(ConfigurationReader read) : IConfigureOptions<RewardOptions>
{
    public void Configure(RewardOptions options)
    {
        if (read.Raw("BLOCKCHAIN_PAYER_KEY_FILE") is { } file)
            options.PayerKeyFile = file.Length > 0 && !PrivateKeyText.LooksLikeKey(file)
                ? file
                // The value is not repeated: it looks like the key itself.
                : throw new ConfigurationException("BLOCKCHAIN_PAYER_KEY_FILE must be the path of a file that holds the payer's key, not the key itself");
        options.Confirmations = read.Int("BLOCKCHAIN_CONFIRMATIONS", options.Confirmations, 1, 1000);
        options.RetryMax = read.Duration("BLOCKCHAIN_PAYOUT_RETRY_MAX", options.RetryMax, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
    }
}
