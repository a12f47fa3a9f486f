using System.Numerics;
using Microsoft.Extensions.Configuration;
using Parity.Chain;
using Parity.Configuration;
using Parity.Hosting;
using Parity.Tasks;

namespace Parity.Tests.Rewards;

/// <summary>What a task earns (the creator's reward, else the upstream's metered formula), exactly, and the payout keys.</summary>
public class RewardFormulaTests
{
    private static readonly ParityTask Task = new() { Id = "t1", Type = TaskType.Command };

    [Fact]
    public void The_metered_formula_is_the_upstreams_in_exact_decimals()
    {
        // 1.2 × (100·1e-5 + 1·5e-5 + 2·1e-4 + 3·1e-4 + 5000·1e-6) = 1.2 × 0.00655 = 0.00786, worked by hand.
        var result = new TaskResult { CpuSeconds = 100, MemoryGbHours = 1, StorageGb = 2, NetworkDataGb = 3, EstimatedCycles = 5_000_000_000 };
        Assert.Equal((0.00786m, "metered"), RewardFormula.Of(Task, result));
        // A result that used almost nothing still earns the upstream's minimum.
        Assert.Equal(0.0001m, RewardFormula.Metered(new TaskResult { CpuSeconds = 0.5 }));
        // 1,234,567.89 cpu-seconds · 1e-5 = 12.3456789, × 1.2 = 14.81481468.
        Assert.Equal(14.81481468m, RewardFormula.Metered(new TaskResult { CpuSeconds = 1_234_567.89 }));
    }

    [Fact]
    public void The_creators_reward_is_used_when_it_set_one()
    {
        var result = new TaskResult { CpuSeconds = 1e6 };
        Assert.Equal((1.5m, "task"), RewardFormula.Of(Task with { Reward = 1.5m }, result));
        Assert.Equal((12m, "metered"), RewardFormula.Of(Task with { Reward = 0m }, result));
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(-1e9)]
    public void A_metric_that_is_not_a_measurement_earns_nothing(double metric)
    {
        var result = new TaskResult { CpuSeconds = metric, MemoryGbHours = metric, StorageGb = metric, NetworkDataGb = metric, EstimatedCycles = -5 };
        Assert.Equal(RewardFormula.Minimum, RewardFormula.Metered(result));
    }

    [Fact]
    public void A_huge_metric_is_capped_and_overflows_nothing()
    {
        var result = new TaskResult { CpuSeconds = double.PositiveInfinity, MemoryGbHours = double.MaxValue, StorageGb = 1e300, NetworkDataGb = 1e300, EstimatedCycles = long.MaxValue };
        // By hand: 1e13 · (1e-5 + 5e-5 + 1e-4 + 1e-4) = 2,600,000,000; 9223372036854775807 / 1e6 · 1e-6 = 9,223,372.036854775807;
        // the sum × 1.2 = 3,131,068,046.4442257309684, cut to 8 places.
        Assert.Equal(3131068046.44422573m, RewardFormula.Metered(result));
    }

    [Theory]
    [InlineData("1.5", 18, "1500000000000000000")]
    [InlineData("1.5", 6, "1500000")]
    [InlineData("0.00786", 6, "7860")]
    [InlineData("0.12345678", 6, "123456")]   // places beyond the token's are cut: never more than earned
    [InlineData("0.00000001", 6, "0")]
    [InlineData("79228162514264337593543950335", 18, "79228162514264337593543950335000000000000000000")]
    public void Tokens_become_units_by_shifting_digits(string tokens, int decimals, string units)
    {
        Assert.Equal(BigInteger.Parse(units), RewardFormula.Units(decimal.Parse(tokens, System.Globalization.CultureInfo.InvariantCulture), decimals));
    }

    private static RewardOptions Read(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build()
            .ReadRunnerOptions<RewardOptions>();

    [Fact]
    public void Payout_keys_have_defaults_and_a_key_in_place_of_its_file_is_refused_without_repeating_it()
    {
        var defaults = Read();
        Assert.Null(defaults.PayerKeyFile);
        Assert.Equal(1, defaults.Confirmations);
        Assert.Equal(TimeSpan.FromMinutes(5), defaults.RetryMax);

        var set = Read(("BLOCKCHAIN_PAYER_KEY_FILE", "/run/parity/payer.key"), ("BLOCKCHAIN_CONFIRMATIONS", "3"), ("BLOCKCHAIN_PAYOUT_RETRY_MAX", "30s"));
        Assert.Equal(("/run/parity/payer.key", 3, TimeSpan.FromSeconds(30)), (set.PayerKeyFile, set.Confirmations, set.RetryMax));

        const string key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
        var error = Assert.Throws<ConfigurationException>(() => Read(("BLOCKCHAIN_PAYER_KEY_FILE", key)));
        Assert.Contains("BLOCKCHAIN_PAYER_KEY_FILE must be the path of a file", error.Message);
        Assert.DoesNotContain(key[2..12], error.Message);
        Assert.Contains("BLOCKCHAIN_CONFIRMATIONS", Assert.Throws<ConfigurationException>(() => Read(("BLOCKCHAIN_CONFIRMATIONS", "0"))).Message);
    }
}
