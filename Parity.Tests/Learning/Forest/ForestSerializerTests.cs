using System.Buffers.Binary;
using Parity.Learning.Forest;
using static Parity.Tests.Learning.Forest.ForestTestData;

namespace Parity.Tests.Learning.Forest;

public sealed class ForestSerializerTests
{
    // Offsets in the serialized tiny forest (2 features, 2 classes, 1 tree of 5 nodes).
    private const int Header = 4 + 2 + 2 + 4 + 4 + 4;
    private const int FirstTree = Header + 2 * 4 + 2 * 8 + 1 + 8;
    private const int FeatureArray = FirstTree + 4;
    private const int LeftArray = FeatureArray + 5 * 4 + 5 * 4;

    private static byte[] TinyBytes() => Bytes(new ForestTrainer(SingleExactTree).Fit(Tiny()));

    [Fact]
    public void A_forest_survives_a_round_trip_unchanged()
    {
        var (train, test) = Split(Digits);
        var forest = new ForestTrainer(new ForestOptions { Trees = 15, RandomState = 1, OobScore = true }).Fit(train);
        var bytes = ForestSerializer.Serialize(forest);
        var loaded = ForestSerializer.Deserialize(bytes);

        Assert.Equal(bytes, ForestSerializer.Serialize(loaded));
        Assert.Equal(forest.Classes, loaded.Classes);
        Assert.Equal(forest.FeatureImportances, loaded.FeatureImportances);
        Assert.Equal(forest.OobScore, loaded.OobScore);
        Assert.Equal(forest.PredictProba(test), loaded.PredictProba(test));
        for (var t = 0; t < forest.Trees.Count; t++)
        {
            Assert.Equal(forest.Trees[t].Feature.ToArray(), loaded.Trees[t].Feature.ToArray());
            Assert.Equal(forest.Trees[t].Threshold.ToArray(), loaded.Trees[t].Threshold.ToArray());
            Assert.Equal(forest.Trees[t].Values.ToArray(), loaded.Trees[t].Values.ToArray());
        }
    }

    [Fact]
    public void The_format_is_compact()
    {
        var (train, _) = Split(Digits);
        var forest = new ForestTrainer(new ForestOptions { Trees = 10, RandomState = 1 }).Fit(train);
        var nodes = forest.Trees.Sum(t => t.NodeCount);
        // 32 bytes of structure plus 4 per class value per node, and a small header.
        Assert.Equal(Header + 10 * 4 + 64 * 8 + 9 + 10 * 4 + nodes * (32 + 10 * 4), ForestSerializer.Serialize(forest).Length);
    }

    [Fact]
    public void A_forest_without_oob_score_loads_without_one()
    {
        var loaded = ForestSerializer.Deserialize(TinyBytes());
        Assert.Null(loaded.OobScore);
        Assert.Equal(5, loaded.Trees[0].NodeCount);
    }

    [Fact]
    public void Bad_magic_is_rejected()
    {
        var bytes = TinyBytes();
        bytes[0] = (byte)'X';
        Assert.Equal("not a serialized forest (bad magic)", Load(bytes).Message);
    }

    [Fact]
    public void An_unknown_version_is_rejected()
    {
        var bytes = TinyBytes();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), 9);
        Assert.Equal("unsupported forest format version 9 (this reads 1)", Load(bytes).Message);
    }

    [Fact]
    public void Truncated_data_is_rejected_naming_the_part()
    {
        var bytes = TinyBytes();
        Assert.Equal("the data ends inside tree 0 values", Load(bytes[..^3]).Message);
        Assert.Equal("the data ends inside class labels", Load(bytes[..(Header + 2)]).Message);
    }

    [Fact]
    public void Trailing_bytes_are_rejected()
    {
        var bytes = TinyBytes();
        Assert.Equal("2 unexpected bytes after the last tree", Load([.. bytes, 0, 0]).Message);
    }

    [Fact]
    public void A_child_index_out_of_range_is_rejected()
    {
        var bytes = TinyBytes();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(LeftArray), 99);
        Assert.Equal("tree 0: node 0 has child 99, outside (0, 5)", Load(bytes).Message);
    }

    [Fact]
    public void A_child_pointing_back_is_rejected()
    {
        var bytes = TinyBytes();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(LeftArray + 2 * 4), 0); // node 2's left child → root
        Assert.Equal("tree 0: node 2 has child 0, outside (2, 5)", Load(bytes).Message);
    }

    [Fact]
    public void A_feature_index_out_of_range_is_rejected()
    {
        var bytes = TinyBytes();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(FeatureArray), 2);
        Assert.Equal("tree 0: node 0 splits on feature 2, outside [0, 2)", Load(bytes).Message);
    }

    [Fact]
    public void An_impossible_node_count_is_rejected()
    {
        var bytes = TinyBytes();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(FirstTree), 1_000_000);
        Assert.StartsWith("tree 0 node count is 1000000", Load(bytes).Message);
    }

    private static ForestFormatException Load(byte[] bytes) =>
        Assert.Throws<ForestFormatException>(() => ForestSerializer.Deserialize(bytes));
}
