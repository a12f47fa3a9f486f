using System.Buffers.Binary;
using System.Text;

namespace Parity.Learning.Forest;

/// <summary>A serialized forest is malformed; the message says what and where.</summary>
public sealed class ForestFormatException(string message) : FormatException(message);

/// <summary>
/// A compact, versioned binary form of a <see cref="RandomForest"/>, little-endian throughout:
/// <code>
/// "PRFT" · u16 version (1) · u16 0
/// i32 features · i32 classes · i32 trees
/// f32 class labels[classes] · f64 importances[features] · u8 has OOB score · f64 OOB score
/// per tree: i32 nodes · i32 feature[nodes] · f32 threshold[nodes] · i32 left[nodes] · i32 right[nodes]
///           · f64 impurity[nodes] · f64 weighted samples[nodes] · f32 values[nodes × classes]
/// </code>
/// Loading checks every count, index and value (<see cref="DecisionTree"/>'s rules) and rejects trailing bytes.
/// </summary>
public static class ForestSerializer
{
    public const ushort Version = 1;

    private static ReadOnlySpan<byte> Magic => "PRFT"u8;

    // feature, threshold, left, right, impurity, weight: the bytes of one node without its values.
    private const int NodeBytes = 4 + 4 + 4 + 4 + 8 + 8;

    public static byte[] Serialize(RandomForest forest)
    {
        ArgumentNullException.ThrowIfNull(forest);
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write((ushort)0);
            writer.Write(forest.FeatureCount);
            writer.Write(forest.ClassCount);
            writer.Write(forest.Trees.Count);
            foreach (var c in forest.Classes) writer.Write(c);
            foreach (var v in forest.FeatureImportances) writer.Write(v);
            writer.Write(forest.OobScore.HasValue);
            writer.Write(forest.OobScore ?? 0.0);
            foreach (var tree in forest.Trees)
            {
                writer.Write(tree.NodeCount);
                foreach (var v in tree.Feature) writer.Write(v);
                foreach (var v in tree.Threshold) writer.Write(v);
                foreach (var v in tree.Left) writer.Write(v);
                foreach (var v in tree.Right) writer.Write(v);
                foreach (var v in tree.Impurity) writer.Write(v);
                foreach (var v in tree.WeightedSamples) writer.Write(v);
                foreach (var v in tree.Values) writer.Write(v);
            }
        }
        return stream.ToArray();
    }

    /// <exception cref="ForestFormatException">The bytes are not a valid serialized forest.</exception>
    public static RandomForest Deserialize(ReadOnlySpan<byte> data)
    {
        var reader = new Reader(data);
        if (data.Length < 8 || !data[..4].SequenceEqual(Magic)) throw new ForestFormatException("not a serialized forest (bad magic)");
        reader.Skip(4);
        var version = reader.UInt16("version");
        if (version != Version) throw new ForestFormatException($"unsupported forest format version {version} (this reads {Version})");
        reader.UInt16("reserved");
        var features = reader.Count("feature count", 1, int.MaxValue);
        var classes = reader.Count("class count", 1, int.MaxValue);
        var treeCount = reader.Count("tree count", 1, int.MaxValue);

        var labels = reader.Singles("class labels", classes);
        var importances = reader.Doubles("importances", features);
        var hasOob = reader.Byte("OOB flag");
        if (hasOob > 1) throw new ForestFormatException($"OOB flag is {hasOob}, expected 0 or 1");
        var oob = reader.Double("OOB score");

        var trees = new DecisionTree[treeCount];
        for (var t = 0; t < treeCount; t++)
        {
            var perNode = NodeBytes + 4L * classes;
            var nodes = reader.Count($"tree {t} node count", 1, (int)Math.Min(int.MaxValue, reader.Remaining / perNode));
            var feature = reader.Int32s($"tree {t} features", nodes);
            var threshold = reader.Singles($"tree {t} thresholds", nodes);
            var left = reader.Int32s($"tree {t} left children", nodes);
            var right = reader.Int32s($"tree {t} right children", nodes);
            var impurity = reader.Doubles($"tree {t} impurities", nodes);
            var weight = reader.Doubles($"tree {t} weighted samples", nodes);
            var values = reader.Singles($"tree {t} values", nodes * classes);
            try
            {
                trees[t] = new DecisionTree(features, classes, feature, threshold, left, right, impurity, weight, values);
            }
            catch (ArgumentException e)
            {
                throw new ForestFormatException($"tree {t}: {e.Message}");
            }
        }
        if (reader.Remaining != 0) throw new ForestFormatException($"{reader.Remaining} unexpected bytes after the last tree");

        try
        {
            return new RandomForest(trees, labels, importances, hasOob == 1 ? oob : null);
        }
        catch (ArgumentException e)
        {
            throw new ForestFormatException(e.Message);
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public readonly long Remaining => _data.Length - _position;

        public void Skip(int bytes) => Take("header", bytes);

        public byte Byte(string what) => Take(what, 1)[0];

        public ushort UInt16(string what) => BinaryPrimitives.ReadUInt16LittleEndian(Take(what, 2));

        public double Double(string what) => BinaryPrimitives.ReadDoubleLittleEndian(Take(what, 8));

        public int Count(string what, int min, int max)
        {
            var value = BinaryPrimitives.ReadInt32LittleEndian(Take(what, 4));
            if (value < min || value > max)
                throw new ForestFormatException(max < min
                    ? $"{what} is {value} but the data ends first"
                    : $"{what} is {value}, outside [{min}, {max}]");
            return value;
        }

        public int[] Int32s(string what, int count)
        {
            var bytes = Take(what, 4L * count);
            var result = new int[count];
            for (var i = 0; i < count; i++) result[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * i)..]);
            return result;
        }

        public float[] Singles(string what, int count)
        {
            var bytes = Take(what, 4L * count);
            var result = new float[count];
            for (var i = 0; i < count; i++) result[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
            return result;
        }

        public double[] Doubles(string what, int count)
        {
            var bytes = Take(what, 8L * count);
            var result = new double[count];
            for (var i = 0; i < count; i++) result[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..]);
            return result;
        }

        private ReadOnlySpan<byte> Take(string what, long bytes)
        {
            if (bytes > Remaining) throw new ForestFormatException($"the data ends inside {what}");
            var span = _data.Slice(_position, (int)bytes);
            _position += (int)bytes;
            return span;
        }
    }
}
