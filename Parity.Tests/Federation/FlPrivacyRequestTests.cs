using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Federation;
using Parity.Storage;
using Parity.Tasks;

namespace Parity.Tests.Federation;

/// <summary>
/// <c>config.privacy_config</c> of a session request: differential privacy asked for parses with every parameter
/// kept, and every bad or missing field is refused with its path in the message; nothing is defaulted.
/// </summary>
public sealed class FlPrivacyRequestTests
{
    private static readonly string DatasetCid = Cid.Of("iris rows"u8, Multicodec.Raw, 1).ToString();

    private static JsonObject Body(JsonObject privacy, string method = "fedavg", string modelType = "neural_network") => new()
    {
        ["name"] = "private iris",
        ["model_type"] = modelType,
        ["total_rounds"] = modelType == "random_forest" ? 1 : 5,
        ["min_participants"] = 4,
        ["training_data"] = new JsonObject
        {
            ["dataset_cid"] = DatasetCid, ["data_format"] = "csv", ["split_strategy"] = "stratified",
            ["metadata"] = new JsonObject { ["min_samples"] = 10 },
        },
        ["config"] = modelType == "random_forest"
            ? new JsonObject { ["aggregation_method"] = "tree_union", ["model_config"] = new JsonObject { ["n_estimators"] = 5 }, ["privacy_config"] = privacy }
            : new JsonObject
            {
                ["aggregation_method"] = method, ["learning_rate"] = 0.05, ["batch_size"] = 16, ["local_epochs"] = 3,
                ["model_config"] = new JsonObject { ["hidden_size"] = 8 }, ["privacy_config"] = privacy,
                ["proximal_mu"] = 0.1,
            },
    };

    private static JsonObject Fixed() => new()
    {
        ["differential_privacy"] = true, ["noise_multiplier"] = 1.1, ["l2_norm_clip"] = 0.5, ["mode"] = "client",
        ["clipping"] = "fixed", ["target_delta"] = 1e-5, ["max_epsilon"] = 8.0,
    };

    private static JsonObject Adaptive()
    {
        var privacy = Fixed();
        privacy["clipping"] = "adaptive";
        privacy["mode"] = "server";
        privacy["target_quantile"] = 0.5;
        privacy["clip_learning_rate"] = 0.2;
        privacy["clip_count_stddev"] = 0.8;
        return privacy;
    }

    private static FlSessionSpec Parse(JsonObject body)
    {
        using var document = JsonDocument.Parse(body.ToJsonString());
        return FlSessionRequest.Parse(document.RootElement, () => 1);
    }

    private static string Refused(JsonObject body)
    {
        using var document = JsonDocument.Parse(body.ToJsonString());
        return Assert.Throws<TaskConfigException>(() => FlSessionRequest.Parse(document.RootElement, () => 1)).Message;
    }

    private static JsonObject With(JsonObject privacy, string field, string? rawJson)
    {
        if (rawJson is null) Assert.True(privacy.Remove(field), $"the valid privacy_config has no {field}");
        else privacy[field] = JsonNode.Parse(rawJson);
        return privacy;
    }

    [Fact]
    public void Fixed_clipping_in_client_mode_parses_with_every_parameter_kept()
    {
        var privacy = Parse(Body(Fixed())).Privacy!;
        Assert.Equal(1.1, privacy.NoiseMultiplier);
        Assert.Equal(0.5, privacy.L2NormClip);
        Assert.Equal(FlPrivacyMode.Client, privacy.Mode);
        Assert.Equal(FlClipping.Fixed, privacy.Clipping);
        Assert.Equal(1e-5, privacy.TargetDelta);
        Assert.Equal(8.0, privacy.MaxEpsilon);
        Assert.Null(privacy.TargetQuantile);
        Assert.Null(privacy.ClipLearningRate);
        Assert.Null(privacy.ClipCountStddev);
    }

    [Fact]
    public void Adaptive_clipping_in_server_mode_parses_and_max_epsilon_may_be_left_out()
    {
        var privacy = Parse(Body(With(Adaptive(), "max_epsilon", null))).Privacy!;
        Assert.Equal(FlPrivacyMode.Server, privacy.Mode);
        Assert.Equal(FlClipping.Adaptive, privacy.Clipping);
        Assert.Equal(0.5, privacy.TargetQuantile);
        Assert.Equal(0.2, privacy.ClipLearningRate);
        Assert.Equal(0.8, privacy.ClipCountStddev);
        Assert.Null(privacy.MaxEpsilon);
    }

    [Fact]
    public void Without_privacy_config_or_with_it_off_there_is_none()
    {
        var body = Body(Fixed());
        ((JsonObject)body["config"]!).Remove("privacy_config");
        Assert.Null(Parse(body).Privacy);
        Assert.Null(Parse(Body(new JsonObject { ["differential_privacy"] = false, ["noise_multiplier"] = 0, ["l2_norm_clip"] = 0 })).Privacy);
    }

    public static TheoryData<string, string?, string> BadFixedFields => new()
    {
        // Noise without clipping: the noise is relative to the clip.
        { "l2_norm_clip", null, "config.privacy_config.l2_norm_clip is required: noise_multiplier is relative to the clip" },
        { "l2_norm_clip", "0", "config.privacy_config.l2_norm_clip must be > 0, got 0" },
        { "l2_norm_clip", "-0.5", "config.privacy_config.l2_norm_clip must be > 0, got -0.5" },
        { "l2_norm_clip", "\"0.5\"", "config.privacy_config.l2_norm_clip must be a number" },
        { "noise_multiplier", null, "config.privacy_config.noise_multiplier is required" },
        { "noise_multiplier", "0", "config.privacy_config.noise_multiplier must be > 0, got 0" },
        { "noise_multiplier", "-1", "config.privacy_config.noise_multiplier must be > 0, got -1" },
        { "mode", null, "config.privacy_config.mode is required" },
        { "mode", "\"local\"", "config.privacy_config.mode: unknown mode local (expected client or server)" },
        { "mode", "1", "config.privacy_config.mode must be a string" },
        { "clipping", null, "config.privacy_config.clipping is required" },
        { "clipping", "\"quantile\"", "config.privacy_config.clipping: unknown clipping quantile (expected fixed or adaptive)" },
        { "target_delta", null, "config.privacy_config.target_delta is required" },
        { "target_delta", "0", "config.privacy_config.target_delta must be in (0, 1), got 0" },
        { "target_delta", "1", "config.privacy_config.target_delta must be in (0, 1), got 1" },
        { "target_delta", "1.5", "config.privacy_config.target_delta must be in (0, 1), got 1.5" },
        // min_participants is 4: δ must be below 1/4.
        { "target_delta", "0.25", "config.privacy_config.target_delta must be below 1/min_participants (1/4), got 0.25" },
        { "max_epsilon", "0", "config.privacy_config.max_epsilon must be > 0, got 0" },
        { "max_epsilon", "-3", "config.privacy_config.max_epsilon must be > 0, got -3" },
        { "target_quantile", "0.5", "config.privacy_config.target_quantile is only read with clipping: adaptive" },
        { "clip_learning_rate", "0.2", "config.privacy_config.clip_learning_rate is only read with clipping: adaptive" },
        { "clip_count_stddev", "1", "config.privacy_config.clip_count_stddev is only read with clipping: adaptive" },
        { "differential_privacy", "\"yes\"", "config.privacy_config.differential_privacy must be true or false" },
        { "epsilon", "3", "config.privacy_config.epsilon is not a known field" },
    };

    [Theory]
    [MemberData(nameof(BadFixedFields))]
    public void A_bad_or_missing_parameter_is_refused_naming_it(string field, string? rawJson, string expected) =>
        Assert.Contains(expected, Refused(Body(With(Fixed(), field, rawJson))));

    public static TheoryData<string, string?, string> BadAdaptiveFields => new()
    {
        { "target_quantile", null, "config.privacy_config.target_quantile is required with adaptive clipping" },
        { "target_quantile", "0", "config.privacy_config.target_quantile must be in (0, 1), got 0" },
        { "target_quantile", "1", "config.privacy_config.target_quantile must be in (0, 1), got 1" },
        { "clip_learning_rate", null, "config.privacy_config.clip_learning_rate is required with adaptive clipping" },
        { "clip_learning_rate", "0", "config.privacy_config.clip_learning_rate must be > 0, got 0" },
        { "clip_count_stddev", null, "config.privacy_config.clip_count_stddev is required with adaptive clipping" },
        // z = 1.1: σ_b must be above 0.55.
        { "clip_count_stddev", "0.55", "config.privacy_config.clip_count_stddev must be above noise_multiplier/2 (0.55), got 0.55" },
        { "clip_count_stddev", "-1", "config.privacy_config.clip_count_stddev must be above noise_multiplier/2 (0.55), got -1" },
    };

    [Theory]
    [MemberData(nameof(BadAdaptiveFields))]
    public void A_bad_or_missing_adaptive_parameter_is_refused_naming_it(string field, string? rawJson, string expected) =>
        Assert.Contains(expected, Refused(Body(With(Adaptive(), field, rawJson))));

    [Fact]
    public void Client_mode_differential_privacy_composes_with_secure_aggregation_and_server_mode_is_refused()
    {
        // The runners clip and noise, then mask: the DP clip bounds the update, so no max_update_norm is needed.
        var spec = Parse(Body(With(Fixed(), "secure_aggregation", "true")));
        Assert.True(spec.SecureAggregation);
        Assert.Equal(FlPrivacyMode.Client, spec.Privacy!.Mode);
        var server = With(With(Fixed(), "secure_aggregation", "true"), "mode", "\"server\"");
        Assert.Contains("config.privacy_config.secure_aggregation: server-mode differential privacy clips each update at the session",
            Refused(Body(server)));
    }

    [Theory]
    [InlineData("noise_multiplier", "1.1", "config.privacy_config.noise_multiplier is 1.1 but differential_privacy is not true")]
    [InlineData("l2_norm_clip", "0.5", "config.privacy_config.l2_norm_clip is 0.5 but differential_privacy is not true")]
    [InlineData("mode", "\"client\"", "config.privacy_config.mode is only read with differential_privacy: true")]
    [InlineData("target_delta", "0.00001", "config.privacy_config.target_delta is only read with differential_privacy: true")]
    [InlineData("max_epsilon", "3", "config.privacy_config.max_epsilon is only read with differential_privacy: true")]
    public void Privacy_parameters_without_differential_privacy_are_refused_not_ignored(string field, string rawJson, string expected)
    {
        var privacy = new JsonObject { ["differential_privacy"] = false, [field] = JsonNode.Parse(rawJson) };
        Assert.Contains(expected, Refused(Body(privacy)));
    }

    [Theory]
    [InlineData("fedmedian")]
    [InlineData("fedtrimmedavg")]
    [InlineData("krum")]
    [InlineData("multikrum")]
    public void A_strategy_that_aggregates_no_mean_is_refused(string method)
    {
        var message = Refused(Body(Fixed(), method));
        Assert.Contains($"config.privacy_config.differential_privacy: {method} does not aggregate a mean", message);
    }

    [Theory]
    [InlineData("fedavg")]
    [InlineData("federated_averaging")]
    [InlineData("fedprox")]
    public void The_mean_strategies_take_differential_privacy(string method) =>
        Assert.NotNull(Parse(Body(Fixed(), method)).Privacy);

    [Fact]
    public void A_random_forest_is_refused() =>
        Assert.Contains("config.privacy_config.differential_privacy: random_forest is not covered", Refused(Body(Fixed(), modelType: "random_forest")));

    [Fact]
    public void Client_mode_with_external_participants_is_refused_and_server_mode_takes_them()
    {
        var body = Body(Fixed());
        body["external_participants"] = new JsonArray("outside-1");
        Assert.Contains("config.privacy_config.mode: client mode cannot take external_participants", Refused(body));

        body = Body(With(Fixed(), "mode", "\"server\""));
        body["external_participants"] = new JsonArray("outside-1");
        Assert.Equal(FlPrivacyMode.Server, Parse(body).Privacy!.Mode);
    }
}
