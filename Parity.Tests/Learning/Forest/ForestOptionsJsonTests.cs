using System.Text.Json;
using Parity.Learning.Forest;
using Parity.Learning.Models;

namespace Parity.Tests.Learning.Forest;

/// <summary>
/// A federated forest's <c>model_config</c> read into <see cref="ForestOptions"/>: each key, by its scikit-learn name and
/// by the reference's, lands in the option it names; absent keys take scikit-learn's defaults; a wrong value is refused
/// naming its key. A key read into the wrong option trains another forest than the session asked for, silently.
/// </summary>
public sealed class ForestOptionsJsonTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private static ForestOptions Read(string modelConfig, long? sessionSeed = 11) => ForestOptionsJson.FromJson(Json(modelConfig), sessionSeed);

    private static ModelConfigException Refused(string modelConfig, long? sessionSeed = 11) =>
        Assert.Throws<ModelConfigException>(() => Read(modelConfig, sessionSeed));

    [Fact]
    public void Absent_keys_take_scikit_learns_defaults_and_the_session_seed()
    {
        // A record: equal only when every option is, so an option read into another fails (ForestOptionsTests pins the
        // defaults themselves).
        Assert.Equal(new ForestOptions { Trees = 7, RandomState = 11 }, Read("""{"num_trees": 7}"""));
    }

    [Fact]
    public void Scikit_learn_names_land_in_their_options()
    {
        var options = Read("""
            {"n_estimators": 9, "max_depth": 5, "min_samples_split": 4, "min_samples_leaf": 3, "max_features": "log2",
             "criterion": "entropy", "bootstrap": true, "max_samples": 0.75, "min_impurity_decrease": 0.25,
             "random_state": 42, "oob_score": true, "max_bins": 32}
            """);
        Assert.Equal(new ForestOptions
        {
            Trees = 9, MaxDepth = 5, MinSamplesSplit = 4, MinSamplesLeaf = 3, MaxFeatures = MaxFeatures.Log2,
            Criterion = SplitCriterion.Entropy, Bootstrap = true, MaxSamples = 0.75, MinImpurityDecrease = 0.25, RandomState = 42,
            OobScore = true, MaxBins = 32,
        }, options);
    }

    [Fact]
    public void The_references_names_land_in_the_same_options()
    {
        var options = Read("""{"num_trees": 6, "subsample": 0.5, "bootstrap_samples": true, "max_features_strategy": "all"}""");
        Assert.Equal(6, options.Trees);
        Assert.Equal(CountOrFraction.OfFraction(0.5), options.MaxSamples);
        Assert.True(options.Bootstrap);
        Assert.Equal(MaxFeatures.All, options.MaxFeatures);
        Assert.False(Read("""{"num_trees": 6, "bootstrap_samples": false}""").Bootstrap);
        // The reference's subsample of 1 is "all the rows", which is what no max_samples means.
        Assert.Null(Read("""{"num_trees": 6, "subsample": 1.0}""").MaxSamples);
    }

    [Fact]
    public void A_scikit_learn_name_wins_over_the_references_name_for_the_same_option()
    {
        var options = Read("""{"n_estimators": 3, "num_trees": 8, "bootstrap": false, "bootstrap_samples": true}""");
        Assert.Equal(3, options.Trees);
        Assert.False(options.Bootstrap);
        Assert.Equal(CountOrFraction.OfCount(20), Read("""{"num_trees": 3, "max_samples": 20, "subsample": 0.5}""").MaxSamples);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    public void A_max_depth_of_zero_or_less_is_the_references_unlimited(string depth) =>
        Assert.Null(Read($$"""{"num_trees": 2, "max_depth": {{depth}}}""").MaxDepth);

    [Fact]
    public void An_integer_is_a_count_and_a_decimal_a_fraction_as_in_scikit_learn()
    {
        var options = Read("""{"num_trees": 2, "min_samples_split": 0.25, "min_samples_leaf": 0.125, "max_samples": 12}""");
        Assert.Equal(CountOrFraction.OfFraction(0.25), options.MinSamplesSplit);
        Assert.Equal(CountOrFraction.OfFraction(0.125), options.MinSamplesLeaf);
        Assert.Equal(CountOrFraction.OfCount(12), options.MaxSamples);
        // 4.0 is a fraction to scikit-learn, and a fraction above 1 is refused rather than read as 4 rows.
        Assert.Equal("min_samples_split", Refused("""{"num_trees": 2, "min_samples_split": 4.0}""").Field);
    }

    [Theory]
    [InlineData("\"sqrt\"", MaxFeaturesKind.Sqrt, 0)]
    [InlineData("3", MaxFeaturesKind.Count, 3)]
    [InlineData("0.5", MaxFeaturesKind.Fraction, 0.5)]
    [InlineData("1.0", MaxFeaturesKind.Fraction, 1)]
    public void Max_features_takes_a_name_a_count_or_a_fraction(string value, MaxFeaturesKind kind, double number)
    {
        var features = Read($$"""{"num_trees": 2, "max_features": {{value}}}""").MaxFeatures;
        Assert.Equal(kind, features.Kind);
        Assert.Equal(number, features.Value);
    }

    [Fact]
    public void Max_features_of_zero_or_less_falls_back_to_the_references_strategy()
    {
        Assert.Equal(MaxFeatures.Log2, Read("""{"num_trees": 2, "max_features": 0, "max_features_strategy": "log2"}""").MaxFeatures);
        Assert.Equal(MaxFeatures.Sqrt, Read("""{"num_trees": 2, "max_features": -1}""").MaxFeatures);
        // A count or a fraction wins over the strategy.
        Assert.Equal(MaxFeatures.OfCount(2), Read("""{"num_trees": 2, "max_features": 2, "max_features_strategy": "log2"}""").MaxFeatures);
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("true")]
    [InlineData("[1]")]
    public void Max_features_of_another_kind_is_refused_naming_it(string value)
    {
        var error = Refused($$"""{"num_trees": 2, "max_features": {{value}}}""");
        Assert.Equal("max_features", error.Field);
        Assert.Contains($"got {value}", error.Message);
    }

    [Theory]
    [InlineData("gini", SplitCriterion.Gini)]
    [InlineData("entropy", SplitCriterion.Entropy)]
    [InlineData("log_loss", SplitCriterion.Entropy)]
    [InlineData(" Entropy ", SplitCriterion.Entropy)]
    public void Criterion_takes_scikit_learns_names(string name, SplitCriterion criterion) =>
        Assert.Equal(criterion, Read($$"""{"num_trees": 2, "criterion": "{{name}}"}""").Criterion);

    [Fact]
    public void An_unknown_criterion_is_refused_listing_the_valid_ones()
    {
        var error = Refused("""{"num_trees": 2, "criterion": "mse"}""");
        Assert.Equal("criterion", error.Field);
        Assert.Contains("gini, entropy or log_loss, got mse", error.Message);
    }

    [Theory]
    [InlineData("min_samples_split", "\"4\"")]
    [InlineData("min_samples_leaf", "true")]
    [InlineData("max_samples", "\"half\"")]
    public void A_count_or_fraction_of_another_type_is_refused_naming_its_key(string key, string value)
    {
        var error = Refused($$"""{"num_trees": 2, "{{key}}": {{value}}}""");
        Assert.Equal(key, error.Field);
        Assert.Contains($"{key} must be a count or a fraction, got {value}", error.Message);
    }

    [Fact]
    public void The_seed_is_the_forests_own_else_the_sessions_and_one_of_them_is_required()
    {
        Assert.Equal(42, Read("""{"num_trees": 2, "random_state": 42}""", sessionSeed: 7).RandomState);
        // 0 is the reference's "no seed": the session's seed is used, so every participant draws the same trees.
        Assert.Equal(7, Read("""{"num_trees": 2, "random_state": 0}""", sessionSeed: 7).RandomState);
        Assert.Equal(7, Read("""{"num_trees": 2}""", sessionSeed: 7).RandomState);
        var error = Refused("""{"num_trees": 2}""", sessionSeed: null);
        Assert.Equal("random_state", error.Field);
        Assert.Contains("random_state is required", error.Message);
    }

    [Fact]
    public void The_number_of_trees_is_required_by_the_references_name()
    {
        var error = Refused("""{"max_depth": 3}""");
        Assert.Equal("num_trees", error.Field);
        Assert.Contains("num_trees is required", error.Message);
    }

    [Fact]
    public void The_options_read_are_validated_before_they_are_returned()
    {
        Assert.Equal("n_estimators", Refused("""{"num_trees": 0}""").Field);
        Assert.Equal("max_samples", Refused("""{"num_trees": 2, "bootstrap": false, "subsample": 0.5}""").Field);
        Assert.Equal("oob_score", Refused("""{"num_trees": 2, "bootstrap": false, "oob_score": true}""").Field);
        Assert.Equal("max_bins", Refused("""{"num_trees": 2, "max_bins": 1}""").Field);
    }

    [Fact]
    public void Keys_that_change_only_speed_or_tag_the_model_are_accepted_and_every_listed_key_is_read()
    {
        Assert.Equal(2, Read("""{"num_trees": 2, "n_jobs": 4, "parallel_jobs": 4, "model_type": "random_forest"}""").Trees);
        // Every key the reader lists as known must be one it accepts (an entry kept in Keys but no longer read would
        // pass the unknown-key check and then be ignored).
        var values = new Dictionary<string, string>
        {
            ["n_estimators"] = "2", ["num_trees"] = "2", ["max_depth"] = "3", ["min_samples_split"] = "2", ["min_samples_leaf"] = "1",
            ["max_features"] = "\"sqrt\"", ["max_features_strategy"] = "\"sqrt\"", ["criterion"] = "\"gini\"", ["bootstrap"] = "true",
            ["bootstrap_samples"] = "true", ["max_samples"] = "0.5", ["subsample"] = "0.5", ["min_impurity_decrease"] = "0",
            ["random_state"] = "1", ["oob_score"] = "false", ["max_bins"] = "16",
        };
        Assert.Equal(values.Keys.Order(), ForestOptionsJson.Keys.Order());
        foreach (var (key, value) in values)
        {
            // The trees' own keys are written alone: a second num_trees would be a duplicate key.
            var others = key is "n_estimators" or "num_trees" ? "" : "\"num_trees\": 2, ";
            Assert.Equal(key, Refused("{" + others + $"\"{key}\": {{\"nested\": 1}}}}").Field);
            Assert.Equal(2, Read("{" + others + $"\"{key}\": {value}}}").Trees);
        }
    }
}
