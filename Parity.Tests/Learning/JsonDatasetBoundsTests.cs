using System.Text;
using Parity.Learning.Data;

namespace Parity.Tests.Learning;

/// <summary>
/// The JSON dataset's bounds, like the CSV line cap: a token longer than <see cref="DatasetReader.MaxJsonTokenBytes"/>
/// or nesting deeper than <see cref="DatasetReader.MaxJsonDepth"/> is refused naming the place and the limit, after
/// reading about the limit of it, never by growing the read buffer to the token's size.
/// </summary>
public sealed class JsonDatasetBoundsTests
{
    private const string TokenRefusal =
        "a JSON token is longer than 4194304 bytes, the most one number, string or property name may have";

    public static TheoryData<string, byte, string, string> LongTokens => new()
    {
        // A 40 MB number in a feature row.
        { """{"features": [[1, 2], [""", (byte)'7', """, 4]], "labels": [0, 1]}""", "features[1][0]" },
        // A 40 MB string label.
        { """{"features": [[1], [2]], "labels": [0, " """, (byte)'x', """ "]}""", "labels[1]" },
        // A 40 MB string in a property the parser skips.
        { """{"note": " """, (byte)'x', """ ", "features": [[1]], "labels": [0]}""", "property 'note'" },
        // A 40 MB property name.
        { """{" """, (byte)'k', """ ": 1, "features": [[1]], "labels": [0]}""", "the top-level object" },
    };

    [Theory]
    [MemberData(nameof(LongTokens))]
    public void A_40_megabyte_token_is_refused_naming_the_place_and_limit_without_reading_it_whole(
        string head, byte fill, string tail, string place)
    {
        var stream = new GeneratedStream(head, fill, 40_000_000, tail);

        var error = Assert.Throws<DatasetException>(() => DatasetReader.Read(stream, DatasetFormat.Json));

        Assert.Equal($"{place}: {TokenRefusal}", error.Message);
        // Refused once the limit is passed: the rest of the 40 MB is never read.
        Assert.InRange(stream.Served, DatasetReader.MaxJsonTokenBytes, 3L * DatasetReader.MaxJsonTokenBytes);
    }

    [Fact]
    public void Forty_megabytes_of_white_space_between_tokens_are_refused_without_reading_them_whole()
    {
        var stream = new GeneratedStream("""{"features": [[1,""", (byte)' ', 40_000_000, """2]], "labels": [0]}""");

        var error = Assert.Throws<DatasetException>(() => DatasetReader.Read(stream, DatasetFormat.Json));

        Assert.Equal("features[0][1]: more than 4194304 bytes of white space between two JSON tokens", error.Message);
        Assert.InRange(stream.Served, DatasetReader.MaxJsonTokenBytes, 3L * DatasetReader.MaxJsonTokenBytes);
    }

    [Fact]
    public void A_token_of_exactly_the_limit_is_read_and_one_byte_more_is_refused()
    {
        // The limit is on what is between the quotes.
        static string Document(int tokenBytes) =>
            $$"""{"note": "{{new string('x', tokenBytes)}}", "features": [[1, 2]], "labels": ["a"]}""";

        var data = DatasetReader.ReadText(Document(DatasetReader.MaxJsonTokenBytes), DatasetFormat.Json);
        Assert.Equal(1, data.Rows);
        Assert.Equal(2, data.Columns);

        var error = Assert.Throws<DatasetException>(() =>
            DatasetReader.ReadText(Document(DatasetReader.MaxJsonTokenBytes + 1), DatasetFormat.Json));
        Assert.Equal($"property 'note': {TokenRefusal}", error.Message);

        // Likewise a number (written with trailing zeros to reach the length) and a label.
        var number = $$"""{"features": [[5.{{new string('0', DatasetReader.MaxJsonTokenBytes - 2)}}]], "labels": [1]}""";
        Assert.Equal([5f], DatasetReader.ReadText(number, DatasetFormat.Json).Features.ToArray());
        var label = $$"""{"features": [[1]], "labels": ["{{new string('y', DatasetReader.MaxJsonTokenBytes + 1)}}"]}""";
        Assert.Equal($"labels[0]: {TokenRefusal}",
            Assert.Throws<DatasetException>(() => DatasetReader.ReadText(label, DatasetFormat.Json)).Message);
    }

    private static string Nested(int arrays) => new string('[', arrays) + new string(']', arrays);

    [Fact]
    public void Nesting_to_the_limit_is_read_and_one_level_deeper_is_refused_naming_the_place()
    {
        // The top-level object is the first level, so "meta" may hold 15 nested arrays.
        var data = DatasetReader.ReadText($$"""{"meta": {{Nested(DatasetReader.MaxJsonDepth - 1)}}, "features": [[1]], "labels": [0]}""",
            DatasetFormat.Json);
        Assert.Equal(1, data.Rows);

        var error = Assert.Throws<DatasetException>(() => DatasetReader.ReadText(
            $$"""{"features": [[1]], "meta": {{Nested(DatasetReader.MaxJsonDepth)}}, "labels": [0]}""", DatasetFormat.Json));
        Assert.Equal("property 'meta': JSON nested deeper than 16 levels, the most a JSON dataset may have", error.Message);
    }

    [Fact]
    public void Nesting_past_the_json_readers_own_depth_limit_gets_the_same_named_refusal()
    {
        // 1000 levels: the reader's default limit is 64, and its error names no place.
        var error = Assert.Throws<DatasetException>(() => DatasetReader.ReadText(
            $$"""{"labels": [0], "extra": {{Nested(1000)}}, "features": [[1]]}""", DatasetFormat.Json));
        Assert.Equal("property 'extra': JSON nested deeper than 16 levels, the most a JSON dataset may have", error.Message);
    }
}
