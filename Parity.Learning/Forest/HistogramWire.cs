using System.IO.Compression;
using Parity.Learning.Models;

namespace Parity.Learning.Forest;

/// <summary>
/// The bytes of histogram-merge training between machines: a <see cref="HistogramRequest"/> the coordinator sends and
/// the <see cref="HistogramResponse"/> each participant returns. Numbers are unsigned LEB128 varints and the whole is
/// deflated. A node's histogram is sent sparse, as its non-zero counts with the gaps between them: deep nodes hold few
/// rows, so most of their features × bins × classes counts are zero, and both sides' work follows the rows, not the
/// cells.
/// </summary>
/// <remarks>
/// Both sides treat what they read as hostile: every length is checked against the plan (trees, features, bins,
/// classes) and the request it answers before anything is allocated, a count must fit an int, and bytes after the
/// last value are refused, so a peer can neither inflate memory nor smuggle a different shape past the merge.
/// </remarks>
public static class HistogramWire
{
    private const byte Version = 1;

    public static byte[] EncodeRequest(HistogramRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Deflate(writer =>
        {
            writer.WriteByte(Version);
            writer.Write((uint)request.Trees.Count);
            foreach (var tree in request.Trees)
            {
                writer.Write((uint)tree.Tree);
                writer.Write((uint)tree.SplitFeature.Length);
                for (var i = 0; i < tree.SplitFeature.Length; i++)
                {
                    // −1 (not split) travels as 0, a split on feature f as f + 1.
                    writer.Write((uint)(tree.SplitFeature[i] + 1));
                    writer.Write((uint)tree.SplitBin[i]);
                    writer.Write((uint)(tree.Left[i] + 1));
                    writer.Write((uint)(tree.Right[i] + 1));
                }
                writer.Write((uint)tree.Nodes.Length);
                foreach (var node in tree.Nodes) writer.Write((uint)node);
            }
        });
    }

    /// <exception cref="ModelConfigException">The bytes are not a request this plan can answer.</exception>
    public static HistogramRequest DecodeRequest(byte[] bytes, FederatedForestPlan plan)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(plan);
        // A tree of n distinct rows has at most 2n − 1 nodes.
        var maxNodes = 2L * plan.TotalRows;
        return Inflate(bytes, "histogram request", reader =>
        {
            reader.Header();
            var trees = reader.Count(plan.Settings.Trees, "trees");
            var frontiers = new TreeFrontier[trees];
            for (var t = 0; t < trees; t++)
            {
                var tree = reader.Count(plan.Settings.Trees - 1, "tree index");
                var nodes = reader.Count(maxNodes, $"tree {tree}'s nodes");
                if (nodes == 0) throw Bad("histogram request", $"tree {tree} has no nodes");
                int[] feature = new int[nodes], bin = new int[nodes], left = new int[nodes], right = new int[nodes];
                for (var i = 0; i < nodes; i++)
                {
                    feature[i] = reader.Count(plan.FeatureCount, "split feature") - 1;
                    bin[i] = reader.Count(plan.Edges.MaxBinCount, "split bin");
                    left[i] = reader.Count(nodes, "left child") - 1;
                    right[i] = reader.Count(nodes, "right child") - 1;
                }
                var wanted = new int[reader.Count(nodes, $"tree {tree}'s requested nodes")];
                for (var k = 0; k < wanted.Length; k++) wanted[k] = reader.Count(nodes - 1, "requested node");
                frontiers[t] = new TreeFrontier(tree, feature, bin, left, right, wanted);
            }
            return new HistogramRequest(frontiers);
        });
    }

    public static byte[] EncodeResponse(HistogramResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return Deflate(writer =>
        {
            writer.WriteByte(Version);
            writer.Write((uint)response.Trees.Count);
            foreach (var tree in response.Trees)
            {
                writer.Write((uint)tree.Tree);
                writer.Write((uint)tree.Nodes.Count);
                foreach (var histogram in tree.Nodes)
                {
                    // Sparse: the length, how many counts are not zero, then each as (zeros skipped before it, count).
                    writer.Write((uint)histogram.Length);
                    var cells = histogram.AsSpan();
                    writer.Write((uint)(cells.Length - cells.Count(0)));
                    var last = -1;
                    // IndexOfAnyExcept skips runs of zeros with vector instructions: most of a deep node's cells.
                    for (var j = cells.IndexOfAnyExcept(0); j >= 0; j = NextNonZero(cells, j))
                    {
                        writer.Write((uint)(j - last - 1));
                        writer.Write((uint)cells[j]);
                        last = j;
                    }
                }
            }
        });
    }

    /// <summary>A participant's answer, checked to have exactly the shape <paramref name="request"/> asked for.</summary>
    /// <exception cref="ModelConfigException">The bytes are not an answer to this request under this plan.</exception>
    public static HistogramResponse DecodeResponse(byte[] bytes, HistogramRequest request, FederatedForestPlan plan)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(plan);
        var size = plan.HistogramSize;
        return Inflate(bytes, "histogram response", reader =>
        {
            reader.Header();
            var count = reader.Count(request.Trees.Count, "trees");
            if (count != request.Trees.Count)
                throw Bad("histogram response", $"it answers {count} trees, the request asked for {request.Trees.Count}");
            var trees = new TreeHistograms[count];
            for (var t = 0; t < count; t++)
            {
                var asked = request.Trees[t];
                var tree = reader.Count(int.MaxValue, "tree index");
                var nodes = reader.Count(asked.Nodes.Length, $"tree {tree}'s nodes");
                if (tree != asked.Tree || nodes != asked.Nodes.Length)
                    throw Bad("histogram response", $"its tree {t} is tree {tree} with {nodes} nodes; the request asked for tree {asked.Tree} with {asked.Nodes.Length}");
                var histograms = new int[nodes][];
                for (var k = 0; k < nodes; k++)
                {
                    var length = reader.Count(size, "histogram length");
                    if (length != size) throw Bad("histogram response", $"tree {tree}: a histogram has {length} counts, the plan {size}");
                    var histogram = histograms[k] = new int[size];
                    var nonZero = reader.Count(size, "non-zero counts");
                    var at = -1;
                    for (var n = 0; n < nonZero; n++)
                    {
                        at += reader.Count(size, "gap") + 1;
                        if (at >= size) throw Bad("histogram response", $"tree {tree}: a count lies past the histogram's {size} cells");
                        histogram[at] = reader.Count(int.MaxValue, "count");
                    }
                }
                trees[t] = new TreeHistograms(tree, histograms);
            }
            return new HistogramResponse(trees);
        });
    }

    private static int NextNonZero(ReadOnlySpan<int> cells, int after)
    {
        var next = cells[(after + 1)..].IndexOfAnyExcept(0);
        return next < 0 ? -1 : after + 1 + next;
    }

    private static ModelConfigException Bad(string what, string reason) => new($"the {what} is malformed: {reason}", "histograms");

    private static byte[] Deflate(Action<VarintWriter> write)
    {
        using var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            var writer = new VarintWriter(deflate);
            write(writer);
            writer.Flush();
        }
        return output.ToArray();
    }

    private static T Inflate<T>(byte[] bytes, string what, Func<VarintReader, T> read)
    {
        using var deflate = new DeflateStream(new MemoryStream(bytes, writable: false), CompressionMode.Decompress);
        var reader = new VarintReader(deflate, what);
        try
        {
            var value = read(reader);
            if (!reader.AtEnd()) throw Bad(what, "bytes follow its last value");
            return value;
        }
        catch (InvalidDataException e)
        {
            throw Bad(what, $"not deflate data ({e.Message})");
        }
    }

    /// <summary>Buffers varints before they reach the compressor: one call per value would dominate the cost.</summary>
    private sealed class VarintWriter(Stream stream)
    {
        private readonly byte[] _buffer = new byte[1 << 16];
        private int _used;

        public void WriteByte(byte value)
        {
            if (_used == _buffer.Length) Flush();
            _buffer[_used++] = value;
        }

        public void Write(uint value)
        {
            if (_used > _buffer.Length - 5) Flush();
            while (value >= 0x80)
            {
                _buffer[_used++] = (byte)(value | 0x80);
                value >>= 7;
            }
            _buffer[_used++] = (byte)value;
        }

        public void Flush()
        {
            stream.Write(_buffer, 0, _used);
            _used = 0;
        }
    }

    private sealed class VarintReader(Stream stream, string what)
    {
        private readonly byte[] _buffer = new byte[1 << 16];
        private int _at;
        private int _length;

        public void Header()
        {
            var version = Next() ?? throw Bad(what, "it is empty");
            if (version != Version) throw Bad(what, $"version {version}, expected {Version}");
        }

        /// <summary>A varint in [0, <paramref name="max"/>].</summary>
        public int Count(long max, string field)
        {
            ulong value = 0;
            for (var shift = 0; ; shift += 7)
            {
                if (shift > 28) throw Bad(what, $"{field}: a varint longer than 5 bytes");
                var b = Next() ?? throw Bad(what, $"it ends early (reading {field})");
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) break;
            }
            if (value > (ulong)max) throw Bad(what, $"{field} {value} is over its limit {max}");
            return (int)value;
        }

        public bool AtEnd() => Next() is null;

        private byte? Next()
        {
            if (_at == _length)
            {
                _length = stream.ReadAtLeast(_buffer, 1, throwOnEndOfStream: false);
                _at = 0;
                if (_length == 0) return null;
            }
            return _buffer[_at++];
        }
    }
}
