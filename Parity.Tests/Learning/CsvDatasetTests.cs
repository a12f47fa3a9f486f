using System.Text;
using Parity.Learning.Data;

namespace Parity.Tests.Learning;

public sealed class CsvDatasetTests
{
    private static Dataset Csv(string text) => DatasetReader.ReadText(text, DatasetFormat.Csv);

    private static DatasetException CsvError(string text) =>
        Assert.Throws<DatasetException>(() => DatasetReader.ReadText(text, DatasetFormat.Csv));

    [Fact]
    public void Detects_a_header_row()
    {
        var data = Csv("sepal_length,sepal_width,species\n5.1,3.5,0\n4.9,3,1\n");

        Assert.Equal(2, data.Rows);
        Assert.Equal(2, data.Columns);
        Assert.Equal(["sepal_length", "sepal_width"], data.FeatureNames!);
        Assert.Equal("species", data.LabelName);
        Assert.Equal([5.1f, 3.5f], data.Row(0).ToArray());
        Assert.Equal([4.9f, 3f], data.Row(1).ToArray());
        Assert.Equal([0f, 1f], data.Labels.ToArray());
    }

    [Fact]
    public void Reads_the_first_row_as_data_when_it_is_numeric()
    {
        var data = Csv("5.1,3.5,0\n4.9,3,1\n");

        Assert.Equal(2, data.Rows);
        Assert.Null(data.FeatureNames);
        Assert.Null(data.LabelName);
        Assert.Equal([5.1f, 3.5f, 4.9f, 3f], data.Features.ToArray());
    }

    [Fact]
    public void A_header_with_string_labels_is_still_a_header()
    {
        // The label cell cannot tell a header from data ("species" vs "setosa"); the feature cells decide.
        var data = Csv("a,b,species\n1,2,setosa\n3,4,versicolor\n");

        Assert.Equal(2, data.Rows);
        Assert.Equal(["setosa", "versicolor"], data.ClassNames!);
    }

    [Fact]
    public void A_first_row_with_one_bad_number_is_reported_not_taken_for_a_header()
    {
        var error = CsvError("5.1,abc,1.4,0\n4.9,3.0,1.4,0\n");

        Assert.Equal("line 1, column 2: 'abc' is not a number", error.Message);
        Assert.Equal(1, error.Line);
        Assert.Equal(2, error.Column);
    }

    [Fact]
    public void Maps_string_labels_to_classes_in_order_of_first_appearance()
    {
        var data = Csv("x,label\n1,virginica\n2,setosa\n3,virginica\n4,versicolor\n5,setosa\n");

        Assert.Equal(["virginica", "setosa", "versicolor"], data.ClassNames!);
        Assert.Equal([0f, 1f, 0f, 2f, 1f], data.Labels.ToArray());
        Assert.True(data.HasClassNames);
    }

    [Fact]
    public void Keeps_numeric_labels_as_numbers()
    {
        var data = Csv("x,target\n1,151\n2,75.5\n3,-2e1\n");

        Assert.Null(data.ClassNames);
        Assert.Equal([151f, 75.5f, -20f], data.Labels.ToArray());
    }

    [Fact]
    public void Numeric_labels_before_the_first_string_label_join_the_class_mapping()
    {
        var data = Csv("x,label\n1,2\n2,cat\n3,2.0\n4,1\n");

        Assert.Equal(["2", "cat", "1"], data.ClassNames!);
        Assert.Equal([0f, 1f, 0f, 2f], data.Labels.ToArray());
    }

    [Fact]
    public void Parses_numbers_with_the_invariant_culture_and_trims_cells()
    {
        var data = Csv("a,b,c\n 1.5e-3 , -0.25 ,\"  setosa \"\n");

        Assert.Equal([0.0015f, -0.25f], data.Row(0).ToArray());
        Assert.Equal(["setosa"], data.ClassNames!);
    }

    [Fact]
    public void Handles_quotes_crlf_a_byte_order_mark_and_blank_lines()
    {
        var text = "\uFEFF\"sepal length\",\"width, cm\",label\r\n1,2,0\r\n\r\n3,4,1\r\n\r\n";
        var data = DatasetReader.Read(Encoding.UTF8.GetBytes(text)); // U+FEFF encodes as the UTF-8 BOM

        Assert.Equal(["sepal length", "width, cm"], data.FeatureNames!);
        Assert.Equal(2, data.Rows);
        Assert.Equal([3f, 4f], data.Row(1).ToArray());
    }

    [Fact]
    public void Line_numbers_count_blank_lines()
    {
        var error = CsvError("a,b,label\n1,2,0\n\n3,x,1\n");

        Assert.Equal("line 4, column 2 (b): 'x' is not a number", error.Message);
    }

    [Fact]
    public void Line_numbers_follow_quoted_cells_that_span_lines()
    {
        Assert.Equal("line 1, column 1: '1\n2' is not a number", CsvError("\"1\n2\",3,0\n4,5,6\n").Message);
        Assert.Equal("line 4, column 2 (b): 'x' is not a number",
            CsvError("\"multi\nline\",b,label\n1,2,0\n3,x,1\n").Message);
    }

    [Theory]
    [InlineData("a,b,c,label\n1,2,3,0\n4,5,6,7,0\n", "line 3 has 5 columns, expected 4")]
    [InlineData("a,b,c,label\n1,2,3,0\n4,5,0\n", "line 3 has 3 columns, expected 4")]
    [InlineData("1,2,3,0\n4,5,6,0,9\n", "line 2 has 5 columns, expected 4")]
    [InlineData("sepal_length,sepal_width,label\n1,2,0\n5.1,abc,0\n", "line 3, column 2 (sepal_width): 'abc' is not a number")]
    [InlineData("1,2,0\n1,2x,0\n", "line 2, column 2: '2x' is not a number")]
    [InlineData("a,b,label\n1,2,0\n1,,0\n", "line 3, column 2 (b): empty value")]
    [InlineData("a,b,label\nNaN,2,0\n", "line 2, column 1 (a): 'NaN' is not a finite number")]
    [InlineData("a,b,label\n1,-Infinity,0\n", "line 2, column 2 (b): '-Infinity' is not a finite number")]
    [InlineData("a,b,label\n1,1e39,0\n", "line 2, column 2 (b): '1e39' is outside the float32 range")]
    [InlineData("a,b,label\n1,1,NaN\n", "line 2, column 3 (label): 'NaN' is not a finite number")]
    [InlineData("a,b,label\n1,1,\n", "line 2, column 3 (label): empty label")]
    [InlineData("a,b,label\n1,1 000,3\n", "line 2, column 2 (b): '1 000' is not a number")]
    [InlineData("a,b,label\n1,\"1,5\",3\n", "line 2, column 2 (b): '1,5' is not a number")]
    public void Reports_bad_rows_with_line_and_column(string csv, string message)
    {
        Assert.Equal(message, CsvError(csv).Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n  \n")]
    [InlineData("a,b,label\n")]
    [InlineData("a,b,label\n\n")]
    public void Rejects_a_dataset_without_rows(string csv)
    {
        Assert.Equal("dataset has no rows", CsvError(csv).Message);
    }

    [Theory]
    [InlineData("label\n1\n2\n")]
    [InlineData("1\n2\n")]
    public void Rejects_fewer_than_two_columns(string csv)
    {
        Assert.Equal("dataset needs at least 2 columns (features, then the label last), line 1 has 1", CsvError(csv).Message);
    }

    [Fact]
    public void Long_cell_values_are_cut_short_in_messages()
    {
        var error = CsvError($"a,label\n{new string('z', 100)},1\n");

        Assert.Equal($"line 2, column 1 (a): '{new string('z', 40)}…' is not a number", error.Message);
    }

    [Fact]
    public void Reads_a_stream_that_trickles_in_the_same_as_a_buffer()
    {
        var builder = new StringBuilder("f1,f2,f3,label\n");
        for (var i = 0; i < 500; i++) builder.Append($"{i * 0.5},{-i},{i % 7}.25,{(i % 3 == 0 ? "a" : "b")}\n");
        var bytes = Encoding.UTF8.GetBytes(builder.ToString());

        var whole = DatasetReader.Read(bytes);
        var trickled = DatasetReader.Read(new TrickleStream(bytes, 7));

        Assert.Equal(500, trickled.Rows);
        Assert.Equal(whole.Features.ToArray(), trickled.Features.ToArray());
        Assert.Equal(whole.Labels.ToArray(), trickled.Labels.ToArray());
        Assert.Equal(whole.ClassNames, trickled.ClassNames);
        Assert.Equal(249.5f, trickled.Row(499)[0]);
    }

    [Fact]
    public void Reads_a_file_by_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"parity-csv-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "a,label\n1,x\n2,y\n");
        try
        {
            var data = DatasetReader.ReadFile(path);
            Assert.Equal(2, data.Rows);
            Assert.Equal(["x", "y"], data.ClassNames!);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
