using System.Text.Json;
using Parity.Learning.Models;

namespace Parity.Learning.Forest;

/// <summary>Reads a forest's options from a federated task's <c>model_config</c>.</summary>
public static class ForestOptionsJson
{
    /// <summary>
    /// The forest's <c>model_config</c>: scikit-learn names, or the reference's (num_trees, subsample,
    /// bootstrap_samples). The number of trees is required; the rest default as scikit-learn does. An unknown key is
    /// refused, naming the nearest valid one, and so are the reference's keys this forest does not implement
    /// (<c>splitter</c>, <c>class_weights</c>, <c>warm_start</c>…): ignoring them would train another model than asked.
    /// </summary>
    public static IReadOnlyList<string> Keys { get; } =
        ["n_estimators", "num_trees", "max_depth", "min_samples_split", "min_samples_leaf", "max_features",
         "max_features_strategy", "criterion", "bootstrap", "bootstrap_samples", "max_samples", "subsample",
         "min_impurity_decrease", "random_state", "oob_score", "max_bins"];

    /// <summary>Keys that change how fast, not what, is trained (and the reference's type tag).</summary>
    private static readonly string[] IgnoredKeys = ["parallel_jobs", "n_jobs", "model_type"];

    public static ForestOptions FromJson(JsonElement modelConfig, long? sessionSeed)
    {
        JsonElement? config = modelConfig;
        ConfigKeys.RejectUnknown(config, "model_config", Keys, IgnoredKeys);
        var trees = ConfigJson.Int32(config, "n_estimators") ?? ConfigJson.Int32(config, "num_trees")
            ?? throw ConfigJson.Missing("num_trees");
        var options = new ForestOptions
        {
            Trees = trees,
            MaxDepth = ConfigJson.Int32(config, "max_depth") is { } depth && depth > 0 ? depth : null,
            MinSamplesSplit = CountOrFractionOf(config, "min_samples_split") ?? 2,
            MinSamplesLeaf = CountOrFractionOf(config, "min_samples_leaf") ?? 1,
            MaxFeatures = MaxFeaturesOf(config),
            Criterion = ConfigJson.String(config, "criterion") switch
            {
                null or "gini" => SplitCriterion.Gini,
                // scikit-learn 1.1 renamed entropy to log_loss for the same criterion; both name it there.
                "entropy" or "log_loss" => SplitCriterion.Entropy,
                var other => throw ConfigJson.Invalid("criterion", $"criterion must be gini, entropy or log_loss, got {other}"),
            },
            Bootstrap = ConfigJson.Boolean(config, "bootstrap") ?? ConfigJson.Boolean(config, "bootstrap_samples") ?? true,
            MaxSamples = CountOrFractionOf(config, "max_samples")
                         ?? (ConfigJson.Number(config, "subsample") is { } subsample && subsample < 1 ? CountOrFraction.OfFraction(subsample) : null),
            MinImpurityDecrease = ConfigJson.Number(config, "min_impurity_decrease") ?? 0,
            RandomState = ConfigJson.Int64(config, "random_state") is { } state and not 0 ? state : sessionSeed
                ?? throw ConfigJson.Missing("random_state"),
            OobScore = ConfigJson.Boolean(config, "oob_score") ?? false,
            MaxBins = ConfigJson.Int32(config, "max_bins") ?? 256,
        };
        options.Validate();
        return options;
    }

    private static MaxFeatures MaxFeaturesOf(JsonElement? config)
    {
        if (ConfigJson.Field(config, "max_features") is { } value)
        {
            return value.ValueKind switch
            {
                JsonValueKind.String => MaxFeatures.Parse(value.GetString()),
                JsonValueKind.Number when value.TryGetInt32(out var count) && count > 0 => MaxFeatures.OfCount(count),
                JsonValueKind.Number when value.TryGetDouble(out var fraction) && fraction is > 0 and <= 1 => MaxFeatures.OfFraction(fraction),
                // The reference's "≤ 0 means use max_features_strategy".
                JsonValueKind.Number when value.TryGetDouble(out var none) && none <= 0 => MaxFeatures.Parse(ConfigJson.String(config, "max_features_strategy") ?? "sqrt"),
                _ => throw ConfigJson.Invalid("max_features", $"max_features must be sqrt, log2, all, a count or a fraction, got {value.GetRawText()}"),
            };
        }
        return MaxFeatures.Parse(ConfigJson.String(config, "max_features_strategy") ?? "sqrt");
    }

    private static CountOrFraction? CountOrFractionOf(JsonElement? config, string name) => ConfigJson.Field(config, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } e when e.TryGetInt32(out var count) => CountOrFraction.OfCount(count),
        { ValueKind: JsonValueKind.Number } e when e.TryGetDouble(out var fraction) => CountOrFraction.OfFraction(fraction),
        var e => throw ConfigJson.Invalid(name, $"{name} must be a count or a fraction, got {e.Value.GetRawText()}"),
    };
}
