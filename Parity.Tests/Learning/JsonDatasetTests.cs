using System.Text;
using Parity.Learning.Data;

namespace Parity.Tests.Learning;

public sealed class JsonDatasetTests
{
    private static DatasetException JsonError(string json) =>
        Assert.Throws<DatasetException>(() => DatasetReader.ReadText(json, DatasetFormat.Json));

    [Fact]
    public void Reads_features_and_numeric_labels()
    {
        var data = DatasetReader.ReadText("""{"features": [[1, 2.5], [-3e2, 4]], "labels": [0, 1.5]}""");

        Assert.Equal(2, data.Rows);
        Assert.Equal(2, data.Columns);
        Assert.Equal([1f, 2.5f, -300f, 4f], data.Features.ToArray());
        Assert.Equal([0f, 1.5f], data.Labels.ToArray());
        Assert.Null(data.ClassNames);
        Assert.Null(data.FeatureNames);
    }

    [Fact]
    public void Maps_string_labels_in_order_of_first_appearance_and_ignores_other_properties()
    {
        var data = DatasetReader.ReadText("""
            {"labels": ["b", "a", "b", "c"], "meta": {"nested": [[1, {"x": [2]}], "s"]}, "n": 4,
             "features": [[1], [2], [3], [4]]}
            """);

        Assert.Equal(["b", "a", "c"], data.ClassNames!);
        Assert.Equal([0f, 1f, 0f, 2f], data.Labels.ToArray());
        Assert.Equal([1f, 2f, 3f, 4f], data.Features.ToArray());
    }

    [Fact]
    public void Detects_json_by_its_first_character()
    {
        var data = DatasetReader.ReadText(" \r\n\t {\"features\": [[1, 2]], \"labels\": [\"x\"]}");

        Assert.Equal(1, data.Rows);
        Assert.Equal(["x"], data.ClassNames!);
    }

    [Theory]
    [InlineData("""{"features": [[1, 2], [3, 4]], "labels": [0, 1, 1]}""", "mismatched features and labels length: 2 feature rows, 3 labels")]
    [InlineData("""{"features": [[1, 2], [3, 4], [5, 6]], "labels": [0]}""", "mismatched features and labels length: 3 feature rows, 1 labels")]
    [InlineData("""{"features": [[1, 2], [3, 4, 5]], "labels": [0, 1]}""", "features[1] has 3 values, expected 2")]
    [InlineData("""{"features": [[1, 2], [3]], "labels": [0, 1]}""", "features[1] has 1 values, expected 2")]
    [InlineData("""{"features": [[1, 2], ["x", 4]], "labels": [0, 1]}""", "features[1][0]: 'x' is not a number")]
    [InlineData("""{"features": [[1, null]], "labels": [0]}""", "features[0][1]: expected a number, got null")]
    [InlineData("""{"features": [[1, 1e39]], "labels": [0]}""", "features[0][1]: '1e39' is outside the float32 range")]
    [InlineData("""{"features": [[1, 1e999]], "labels": [0]}""", "features[0][1]: '1e999' is not a finite number")]
    [InlineData("""{"features": [[1, 2], 3], "labels": [0, 1]}""", "features[1] must be an array of numbers, got a number")]
    [InlineData("""{"features": {"a": 1}, "labels": [0]}""", "\"features\" must be an array of rows, got an object")]
    [InlineData("""{"features": [[1]], "labels": 0}""", "\"labels\" must be an array, got a number")]
    [InlineData("""{"features": [[1], [2]], "labels": [0, true]}""", "labels[1]: expected a number or a string, got a boolean")]
    [InlineData("""{"features": [[1], [2]], "labels": [0, ""]}""", "labels[1]: empty label")]
    [InlineData("""{"features": [[1], [2]], "labels": [0, "NaN"]}""", "labels[1]: 'NaN' is not a finite number")]
    [InlineData("""{"features": [], "labels": []}""", "dataset has no rows")]
    [InlineData("""{"features": [[]], "labels": [1]}""", "features[0] is empty: a dataset needs at least one feature column besides the label")]
    [InlineData("""{"labels": [1]}""", "JSON dataset has no \"features\" array")]
    [InlineData("""{"features": [[1]]}""", "JSON dataset has no \"labels\" array")]
    [InlineData("""{"features": [[1]], "labels": [1], "features": [[2]]}""", "JSON dataset has more than one \"features\" property")]
    [InlineData("""[[1, 2]]""", "a JSON dataset must be an object: {\"features\": [[...]], \"labels\": [...]}")]
    public void Reports_invalid_documents(string json, string message)
    {
        Assert.Equal(message, JsonError(json).Message);
    }

    [Fact]
    public void Wraps_malformed_json_with_its_line()
    {
        var error = JsonError("{\"features\": [[1, 2]],\n \"labels\": [0,, 1]}");

        Assert.StartsWith("invalid JSON: ", error.Message);
        Assert.Equal(2, error.Line);
        Assert.IsAssignableFrom<System.Text.Json.JsonException>(error.InnerException);
    }

    [Fact]
    public void Rejects_a_truncated_document()
    {
        Assert.StartsWith("invalid JSON", JsonError("""{"features": [[1, 2]], "labels": [0""").Message);
    }

    [Fact]
    public void Reads_a_trickling_stream_and_tokens_longer_than_the_read_buffer()
    {
        var builder = new StringBuilder("{\"note\": \"");
        builder.Append('n', 200_000); // one string token larger than the parser's initial 64 KiB buffer
        builder.Append("\", \"features\": [");
        for (var i = 0; i < 3000; i++) builder.Append(i == 0 ? "" : ", ").Append($"[{i}, {i * 0.25}, -1.5e-3]");
        builder.Append("], \"labels\": [");
        for (var i = 0; i < 3000; i++) builder.Append(i == 0 ? "" : ", ").Append(i % 4 == 0 ? "\"odd one\"" : $"{i % 3}");
        builder.Append("]}");
        var bytes = Encoding.UTF8.GetBytes(builder.ToString());

        var whole = DatasetReader.Read(bytes);
        var trickled = DatasetReader.Read(new TrickleStream(bytes, 13));

        Assert.Equal(3000, trickled.Rows);
        Assert.Equal(3, trickled.Columns);
        Assert.Equal([2999f, 749.75f, -0.0015f], trickled.Row(2999).ToArray());
        Assert.Equal(whole.Features.ToArray(), trickled.Features.ToArray());
        Assert.Equal(whole.Labels.ToArray(), trickled.Labels.ToArray());
        Assert.Equal(["odd one", "1", "2", "0"], trickled.ClassNames!);
    }

    [Fact]
    public void An_explicit_format_overrides_detection()
    {
        var error = Assert.Throws<DatasetException>(() => DatasetReader.ReadText("a,b\n1,2\n", DatasetFormat.Json));

        Assert.StartsWith("invalid JSON", error.Message);
    }

    [Theory]
    [InlineData("csv", DatasetFormat.Csv)]
    [InlineData("JSON", DatasetFormat.Json)]
    [InlineData("", DatasetFormat.Auto)]
    [InlineData(null, DatasetFormat.Auto)]
    public void Parses_the_task_data_format(string? name, DatasetFormat expected)
    {
        Assert.Equal(expected, DatasetReader.ParseFormat(name));
    }

    [Fact]
    public void Rejects_an_unknown_data_format()
    {
        var error = Assert.Throws<DatasetException>(() => DatasetReader.ParseFormat("parquet"));

        Assert.Equal("unsupported data_format: parquet (expected csv or json)", error.Message);
    }
}
