using Parity.Learning.Data;
using Parity.Learning.Partitioning;

namespace Parity.Tests.Learning;

/// <summary>The public datasets in the repository's datasets/ (see its README for provenance and the known shapes).</summary>
public sealed class RealDatasetTests
{
    private static int DataLines(string path) => File.ReadLines(path).Count(line => line.Length > 0) - 1; // minus header

    private static Dictionary<float, int> ClassCounts(Dataset data) =>
        data.Labels.ToArray().GroupBy(label => label).ToDictionary(g => g.Key, g => g.Count());

    [Fact]
    public void Iris_csv_has_150_rows_4_features_and_3_classes_of_50()
    {
        var path = TestDatasets.PathOf("iris.csv");
        var data = DatasetReader.ReadFile(path);

        Assert.Equal(150, data.Rows);
        Assert.Equal(DataLines(path), data.Rows);
        Assert.Equal(4, data.Columns);
        Assert.Equal(["sepal_length", "sepal_width", "petal_length", "petal_width"], data.FeatureNames!);
        Assert.Equal("species", data.LabelName);
        Assert.Null(data.ClassNames);
        Assert.Equal(new Dictionary<float, int> { [0] = 50, [1] = 50, [2] = 50 }, ClassCounts(data));
        Assert.Equal([5.1f, 3.5f, 1.4f, 0.2f], data.Row(0).ToArray());
    }

    [Fact]
    public void Iris_json_holds_the_same_data_as_iris_csv()
    {
        var csv = DatasetReader.ReadFile(TestDatasets.PathOf("iris.csv"));
        using var stream = File.OpenRead(TestDatasets.PathOf("iris.json"));
        var json = DatasetReader.Read(stream);

        Assert.Equal(csv.Rows, json.Rows);
        Assert.Equal(csv.Columns, json.Columns);
        Assert.Equal(csv.Features.ToArray(), json.Features.ToArray());
        Assert.Equal(csv.Labels.ToArray(), json.Labels.ToArray());
    }

    [Fact]
    public void Digits_has_1797_rows_64_pixels_and_10_classes()
    {
        var path = TestDatasets.PathOf("digits.csv");
        var data = DatasetReader.ReadFile(path, DatasetFormat.Csv);

        Assert.Equal(1797, data.Rows);
        Assert.Equal(DataLines(path), data.Rows);
        Assert.Equal(64, data.Columns);
        Assert.Equal("px63", data.FeatureNames![63]);
        Assert.Equal(Enumerable.Range(0, 10).Select(d => (float)d), ClassCounts(data).Keys.Order());
        Assert.All(data.Features.ToArray(), value => Assert.InRange(value, 0f, 16f));
        Assert.Equal(data.Rows * data.Columns, data.Features.Length);
    }

    [Fact]
    public void Diabetes_is_a_regression_set_of_442_rows_and_10_features()
    {
        var path = TestDatasets.PathOf("diabetes.csv");
        var data = DatasetReader.ReadFile(path);

        Assert.Equal(442, data.Rows);
        Assert.Equal(DataLines(path), data.Rows);
        Assert.Equal(10, data.Columns);
        Assert.Equal("progression", data.LabelName);
        Assert.Null(data.ClassNames);
        Assert.Equal(25f, data.Labels.ToArray().Min());
        Assert.Equal(346f, data.Labels.ToArray().Max());
        Assert.Equal(151f, data.Label(0));
    }

    [Fact]
    public void Iris_splits_into_three_stratified_parts_of_50_with_16_or_17_of_each_class()
    {
        var data = DatasetReader.ReadFile(TestDatasets.PathOf("iris.csv"));

        for (var k = 0; k < 3; k++)
        {
            var config = new PartitionConfig { Strategy = PartitionStrategy.Stratified, TotalParts = 3, PartIndex = k, Seed = 42 };
            var part = Partitioner.Apply(data, config);

            Assert.Equal(50, part.Rows);
            Assert.All(ClassCounts(part).Values, count => Assert.InRange(count, 16, 17));
        }
    }
}
