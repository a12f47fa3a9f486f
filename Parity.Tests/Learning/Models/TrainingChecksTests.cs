using Parity.Learning.Data;
using Parity.Learning.Models;

namespace Parity.Tests.Learning.Models;

/// <summary>
/// The checks every trainer shares — the data before training, a global model's weights, the divergence message, R² —
/// pinned where the models room's mutation run found them unchecked (docs/testing.md): the first element counts, a
/// position is reported as row and column, a missing or broken weight is named.
/// </summary>
public sealed class TrainingChecksTests
{
    [Fact]
    public void Data_without_rows_is_refused()
    {
        var error = Assert.Throws<ModelConfigException>(() => Training.CheckData(new Dataset([], 0, 2, [])));

        Assert.Equal("data", error.Field);
        Assert.Contains("no rows", error.Message);
    }

    [Theory]
    [InlineData(0, "row 0, column 0")]
    [InlineData(5, "row 1, column 2")]
    [InlineData(8, "row 2, column 2")]
    public void A_non_finite_feature_is_refused_naming_its_row_and_column(int index, string position)
    {
        var features = Enumerable.Range(0, 9).Select(i => (float)i).ToArray();
        features[index] = float.NaN;

        var error = Assert.Throws<ModelConfigException>(() => Training.CheckData(new Dataset(features, 3, 3, [0f, 1f, 0f])));

        Assert.Equal("data", error.Field);
        Assert.Contains($"non-finite feature at {position}", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void A_non_finite_label_is_refused_naming_its_row(int row)
    {
        var labels = new[] { 0f, 1f, 0f };
        labels[row] = float.PositiveInfinity;

        var error = Assert.Throws<ModelConfigException>(() => Training.CheckData(new Dataset([1f, 2f, 3f], 3, 1, labels)));

        Assert.Equal("labels", error.Field);
        Assert.Contains($"non-finite label at row {row}", error.Message);
    }

    [Fact]
    public void A_divergence_names_its_epoch_and_batch_or_only_the_epoch_when_found_after_it()
    {
        Assert.Equal("training diverged in epoch 2 of 5, batch 3 of 4: the loss is NaN; lower learning_rate (now 0.5)",
            Training.Diverged(2, 5, 3, 4, 0.5f, "the loss is NaN").Message);
        Assert.Equal("training diverged in epoch 5 of 5: the loss is NaN; lower learning_rate (now 0.5)",
            Training.Diverged(5, 5, 0, 4, 0.5f, "the loss is NaN").Message);
    }

    [Fact]
    public void R_squared_is_one_less_the_error_over_the_spread_around_the_mean()
    {
        // Labels 2, 4, 6: mean 4, Σ(y − ȳ)² = 8; an error of 2 leaves R² = 0.75.
        Assert.Equal(0.75, Training.RSquared(2, [2f, 4f, 6f])!.Value, 12);
        Assert.Null(Training.RSquared(1, [3f, 3f, 3f]));
        Assert.Null(Training.RSquared(0, []));
    }

    [Fact]
    public void A_missing_or_null_weight_is_refused_naming_its_key()
    {
        var missing = Assert.Throws<ModelConfigException>(() => WeightSet.Take(new Dictionary<string, float[]>(), "layer_0", 3, "4 × 3"));
        var empty = Assert.Throws<ModelConfigException>(() => WeightSet.Take(new Dictionary<string, float[]> { ["layer_0"] = null! }, "layer_0", 3, "4 × 3"));

        Assert.All([missing, empty], error => Assert.Equal("layer_0", error.Field));
        Assert.Contains("global model lacks layer_0 (4 × 3)", missing.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void A_non_finite_weight_is_refused_naming_its_place(int index)
    {
        var values = new[] { 1f, 2f, 3f };
        values[index] = float.NaN;

        var error = Assert.Throws<ModelConfigException>(() => WeightSet.Take(new Dictionary<string, float[]> { ["w"] = values }, "w", 3, "3"));

        Assert.Contains($"non-finite value in w[{index}]", error.Message);
    }

    [Fact]
    public void A_weight_the_network_does_not_have_is_refused_listing_those_it_has()
    {
        var error = Assert.Throws<ModelConfigException>(() =>
            WeightSet.RejectUnknownKeys(new Dictionary<string, float[]> { ["extra"] = [1f] }, ["layer_0", "bias_0"]));

        Assert.Equal("extra", error.Field);
        Assert.Contains("global model has key extra, which this network does not have (expected layer_0, bias_0)", error.Message);
    }

    [Theory]
    [InlineData(new[] { 1f, 2f }, -1)]
    [InlineData(new[] { float.NaN, 2f }, 0)]
    [InlineData(new[] { 1f, float.NegativeInfinity }, 1)]
    public void The_first_non_finite_value_is_found_wherever_it_is(float[] values, int expected)
    {
        Assert.Equal(expected, WeightSet.IndexOfNonFinite(values));
        Assert.Equal(expected < 0, WeightSet.AllFinite(values));
    }

    [Fact]
    public void Nothing_is_non_finite_in_nothing()
    {
        Assert.Equal(-1, WeightSet.IndexOfNonFinite([]));
        Assert.True(WeightSet.AllFinite([]));
    }
}
