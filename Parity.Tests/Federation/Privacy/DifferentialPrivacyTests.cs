using Parity.Federation;
using Parity.Federation.Privacy;
using Parity.Federation.Strategies;

namespace Parity.Tests.Federation.Privacy;

/// <summary>
/// The calibration of private rounds: the noise each client adds so that the sum carries z·C, the server-side
/// aggregate (clipped, equal weights, the noise on the sum), what each round is charged, and the ε of a run of rounds.
/// </summary>
public sealed class DifferentialPrivacyTests
{
    private static FlPrivacySpec Spec(FlPrivacyMode mode, double z = 1.0, FlClipping clipping = FlClipping.Fixed, double? countStddev = null) => new()
    {
        NoiseMultiplier = z, L2NormClip = 2.0, Mode = mode, Clipping = clipping, TargetDelta = 1e-5,
        TargetQuantile = clipping == FlClipping.Adaptive ? 0.5 : null, ClipLearningRate = clipping == FlClipping.Adaptive ? 0.2 : null,
        ClipCountStddev = countStddev,
    };

    [Fact]
    public void Each_client_adds_its_share_so_that_the_sum_carries_z_times_the_clip()
    {
        // z = 1, C = 2, m = 4: each adds 1·2/√4 = 1.
        Assert.Equal(1.0, DifferentialPrivacy.ClientNoiseStddev(1.0, 2.0, 4), 12);
        Assert.Equal(0.25, DifferentialPrivacy.ClientCountStddev(0.5, 4), 12);

        // Four clients' noised zero updates, summed: the sum's standard deviation is z·C = 2 (standard error of the
        // sample std over 50,000 values: 2/√100,000 = 0.0063).
        const int size = 50_000, clients = 4;
        var noise = new GaussianNoise(new Random(11));
        var sum = new double[size];
        for (var c = 0; c < clients; c++)
        {
            var (delta, _, _) = DifferentialPrivacy.PrivatizeUpdate(new Dictionary<string, float[]> { ["w"] = new float[size] }, 2.0,
                DifferentialPrivacy.ClientNoiseStddev(1.0, 2.0, clients), null, noise);
            for (var i = 0; i < size; i++) sum[i] += delta["w"][i];
        }
        var mean = sum.Average();
        var std = Math.Sqrt(sum.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(std, 2 - 0.03, 2 + 0.03);
        Assert.InRange(mean, -0.03, 0.03);
    }

    [Fact]
    public void A_client_clips_before_it_noises_and_reports_its_noised_indicator()
    {
        var update = new Dictionary<string, float[]> { ["w"] = [3f, 4f] };
        var (delta, norm, indicator) = DifferentialPrivacy.PrivatizeUpdate(update, 2.0, 0, null, new GaussianNoise(new Random(3)));
        Assert.Equal(5.0, norm, 12);
        Assert.Equal([1.2f, 1.6f], delta["w"]);
        Assert.Null(indicator);
        Assert.Equal([3f, 4f], update["w"]);

        // With no update noise no draw is used on the weights, so the indicator's noise is the first draw: −½ (clipped) + 0.1·N.
        var (_, _, noisy) = DifferentialPrivacy.PrivatizeUpdate(update, 2.0, 0, 0.1, new GaussianNoise(new Random(3)));
        Assert.Equal(-0.5 + 0.1 * new GaussianNoise(new Random(3)).Next(), noisy!.Value, 12);
    }

    [Fact]
    public void A_runner_sends_the_global_model_plus_its_clipped_update()
    {
        // Trained [4, 6] from global [1, 2]: update [3, 4], norm 5; clip 2.5 halves it to [1.5, 2]; sent: [2.5, 4].
        var (weights, delta, indicator) = DifferentialPrivacy.PrivatizeWeights(new Dictionary<string, float[]> { ["w"] = [4f, 6f] },
            new Dictionary<string, float[]> { ["w"] = [1f, 2f] }, 2.5, 0, null, new GaussianNoise(new Random(1)));
        Assert.Equal([1.5f, 2f], delta["w"]);
        Assert.Equal([2.5f, 4f], weights["w"]);
        Assert.Null(indicator);
    }

    [Fact]
    public void The_server_clips_weights_equally_and_puts_the_noise_on_the_sum()
    {
        // Norms 5 and 1, clip 2: [3, 4] → [1.2, 1.6]; [0.6, 0.8] stays. Indicators −½ and +½.
        var updates = new List<ClientUpdate>
        {
            new(0, new Dictionary<string, float[]> { ["w"] = [3f, 4f] }, 100),
            new(1, new Dictionary<string, float[]> { ["w"] = [0.6f, 0.8f] }, 7),
        };
        var (plain, indicators) = DifferentialPrivacy.ServerAggregateInput(updates, 2.0, 0, new GaussianNoise(new Random(1)));
        Assert.Equal(0.0, indicators, 12);
        Assert.Equal([1.2f, 1.6f], plain[0].Delta["w"]);
        Assert.Equal([0.6f, 0.8f], plain[1].Delta["w"]);
        Assert.All(plain, u => Assert.Equal(1, u.SampleCount));

        // With noise of std 0.5 on the sum: the mean of what the strategy receives is (Σ clipped + ξ)/2.
        var (noised, _) = DifferentialPrivacy.ServerAggregateInput(updates, 2.0, 0.5, new GaussianNoise(new Random(9)));
        var reference = new GaussianNoise(new Random(9));
        double xi0 = 0.5 * reference.Next(), xi1 = 0.5 * reference.Next();
        Assert.Equal((1.2 + 0.6 + xi0) / 2, (noised[0].Delta["w"][0] + noised[1].Delta["w"][0]) / 2.0, 5);
        Assert.Equal((1.6 + 0.8 + xi1) / 2, (noised[0].Delta["w"][1] + noised[1].Delta["w"][1]) / 2.0, 5);
        // FedAvg over them is that mean: the weights by rows (100 and 7) no longer count.
        var result = new FedAvg().Aggregate(new Dictionary<string, float[]> { ["w"] = [0f, 0f] }, noised,
            new StrategyState(new Dictionary<string, float[]>(), 0));
        Assert.Equal((1.2 + 0.6 + xi0) / 2, result.Global["w"][0], 5);
    }

    [Fact]
    public void Client_mode_is_charged_for_the_noise_the_aggregated_updates_carried()
    {
        // Server mode adds all of z whatever k is; client mode's k of m updates carry z·√(k/m).
        Assert.Equal(1.2, DifferentialPrivacy.ChargedMultiplier(Spec(FlPrivacyMode.Server, 1.2), 1, 4), 12);
        Assert.Equal(1.2, DifferentialPrivacy.ChargedMultiplier(Spec(FlPrivacyMode.Client, 1.2), 4, 4), 12);
        Assert.Equal(0.6, DifferentialPrivacy.ChargedMultiplier(Spec(FlPrivacyMode.Client, 1.2), 1, 4), 12);
        // One update alone, against whoever sees it: z/(2√m) = 1/(2·2) = 0.25.
        Assert.Equal(0.25, DifferentialPrivacy.UpdateMultiplier(1.0, 4), 12);
    }

    [Fact]
    public void Adaptive_clipping_draws_the_updates_noise_at_the_larger_multiplier()
    {
        Assert.Equal(1.0, DifferentialPrivacy.UpdateNoiseMultiplier(Spec(FlPrivacyMode.Server)));
        Assert.Equal(1.1547005383792517, DifferentialPrivacy.UpdateNoiseMultiplier(Spec(FlPrivacyMode.Server, 1.0, FlClipping.Adaptive, 1.0)), 12);
    }

    [Fact]
    public void The_epsilon_of_rounds_is_the_accountants_at_q_one()
    {
        var accountant = new PrivacyAccountant();
        accountant.Spend(1.0, 1.1);
        accountant.Spend(1.0, 0.8);
        Assert.Equal(accountant.Epsilon(1e-5), DifferentialPrivacy.Epsilon([1.1, 0.8], 1e-5));
        Assert.Equal(0.0, DifferentialPrivacy.Epsilon([], 1e-5).Epsilon);

        // At q = 1 the round is the plain Gaussian mechanism, RDP α/(2σ²): at σ = 1, two rounds cost RDP α, and
        // ε = min over α of α + log((α−1)/α) − (log δ + log α)/(α − 1) (Balle et al. 2020). At δ = 1e-5 the minimum over
        // the accountant's orders is at α = 4.2: 4.2 + log(3.2/4.2) − (log 1e-5 + log 4.2)/3.2 = 7.0774.
        var (epsilon, order) = DifferentialPrivacy.Epsilon([1.0, 1.0], 1e-5);
        Assert.Equal(4.2, order, 12);
        Assert.Equal(7.077391578166641, epsilon, 9);
    }
}
