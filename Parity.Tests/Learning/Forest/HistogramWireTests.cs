using System.IO.Compression;
using Parity.Learning.Forest;
using Parity.Learning.Models;
using static Parity.Tests.Learning.Forest.ForestTestData;

namespace Parity.Tests.Learning.Forest;

/// <summary>
/// The bytes between the coordinator and the parts: training through the encoder gives the same forest as in memory,
/// the encoding is small on sparse histograms, and bytes that do not answer the request are refused by what is wrong.
/// </summary>
public sealed class HistogramWireTests
{
    private static readonly ForestOptions Options = new() { Trees = 4, RandomState = 5, OobScore = true };

    private static (FederatedForestPlan Plan, ForestHistogramParticipant[] Parts) Setup()
    {
        var data = Digits;
        var edges = BinEdges.Compute(data);
        var plan = new FederatedForestPlan(Options, edges, Enumerable.Range(0, 10).Select(c => (float)c).ToArray(), data.Rows);
        var half = data.Rows / 2;
        var parts = new[]
        {
            new ForestHistogramParticipant(plan, data.Subset(Enumerable.Range(0, half).ToArray()), Enumerable.Range(0, half).ToArray()),
            new ForestHistogramParticipant(plan, data.Subset(Enumerable.Range(half, data.Rows - half).ToArray()),
                Enumerable.Range(half, data.Rows - half).ToArray()),
        };
        return (plan, parts);
    }

    [Fact]
    public void Training_through_the_wire_gives_the_forest_one_machine_trains()
    {
        var (plan, parts) = Setup();
        var coordinator = new ForestHistogramCoordinator(plan);
        long raw = 0, sent = 0;
        var grown = coordinator.Run(request =>
        {
            var bytes = HistogramWire.EncodeRequest(request);
            return parts.Select(part =>
            {
                var answer = HistogramWire.EncodeResponse(part.ComputeHistograms(HistogramWire.DecodeRequest(bytes, plan)));
                raw += request.Trees.Sum(t => t.Nodes.Length) * 4L * plan.HistogramSize;
                sent += answer.Length;
                return HistogramWire.DecodeResponse(answer, request, plan);
            }).ToArray();
        });
        var forest = coordinator.BuildForest(parts.Select(p => p.ComputeOob(grown)).Aggregate((a, b) => a + b));

        Assert.Equal(Bytes(new ForestTrainer(Options).Fit(Digits, plan.Edges)), Bytes(forest));
        // Deep nodes hold few rows, so most counts are zero: the answers travel at a small fraction of their size.
        Assert.True(sent * 10 < raw, $"{sent} bytes sent for {raw} bytes of counts");
    }

    [Fact]
    public void A_request_survives_the_round_trip_exactly()
    {
        var (plan, parts) = Setup();
        var coordinator = new ForestHistogramCoordinator(plan);
        var root = coordinator.NextRequest();
        coordinator.Apply(parts.Select(p => p.ComputeHistograms(root)).ToArray());
        var request = coordinator.NextRequest();
        var decoded = HistogramWire.DecodeRequest(HistogramWire.EncodeRequest(request), plan);

        Assert.Equal(request.Trees.Count, decoded.Trees.Count);
        for (var t = 0; t < request.Trees.Count; t++)
        {
            Assert.Equal(request.Trees[t].Tree, decoded.Trees[t].Tree);
            Assert.Equal(request.Trees[t].SplitFeature, decoded.Trees[t].SplitFeature);
            Assert.Equal(request.Trees[t].SplitBin, decoded.Trees[t].SplitBin);
            Assert.Equal(request.Trees[t].Left, decoded.Trees[t].Left);
            Assert.Equal(request.Trees[t].Right, decoded.Trees[t].Right);
            Assert.Equal(request.Trees[t].Nodes, decoded.Trees[t].Nodes);
        }
        Assert.Contains(decoded.Trees[0].SplitFeature, f => f >= 0);
    }

    [Fact]
    public void Answers_that_do_not_fit_the_request_are_refused_by_what_is_wrong()
    {
        var (plan, parts) = Setup();
        var coordinator = new ForestHistogramCoordinator(plan);
        var request = coordinator.NextRequest();
        var honest = parts[0].ComputeHistograms(request);

        string Refused(byte[] bytes) => Assert.Throws<ModelConfigException>(() => HistogramWire.DecodeResponse(bytes, request, plan)).Message;

        Assert.Contains("it answers 1 trees, the request asked for 4",
            Refused(HistogramWire.EncodeResponse(new HistogramResponse(honest.Trees.Take(1).ToArray()))));
        var shifted = honest.Trees.Select(t => new TreeHistograms(t.Tree + 1, t.Nodes)).ToArray();
        Assert.Contains("is tree 1 with 1 nodes; the request asked for tree 0", Refused(HistogramWire.EncodeResponse(new HistogramResponse(shifted))));
        var shortHistogram = honest.Trees.Select(t => new TreeHistograms(t.Tree, t.Nodes.Select(h => h[..^1]).ToArray())).ToArray();
        Assert.Contains($"a histogram has {plan.HistogramSize - 1} counts, the plan {plan.HistogramSize}",
            Refused(HistogramWire.EncodeResponse(new HistogramResponse(shortHistogram))));

        var good = HistogramWire.EncodeResponse(honest);
        Assert.Contains("ends early", Refused(Deflated(Inflated(good)[..^3])));
        Assert.Contains("bytes follow its last value", Refused(Deflated([.. Inflated(good), 0])));
        Assert.Contains("version 9, expected 1", Refused(Deflated([9, .. Inflated(good)[1..]])));
        Assert.Contains("not deflate data", Refused([0xFF, 0xFF, 0xFF, 0xFF]));
        Assert.Contains("is empty", Refused(Deflated([])));
        // A count past int.MaxValue (5-byte varint 0xFFFFFFFF) cannot be a row count.
        var huge = Inflated(HistogramWire.EncodeResponse(new HistogramResponse(
            honest.Trees.Select(t => new TreeHistograms(t.Tree, t.Nodes.Select(h => h.Select(_ => -1).ToArray()).ToArray())).ToArray())));
        Assert.Contains("count 4294967295 is over its limit", Refused(Deflated(huge)));

        // Sparse cells: a gap that steps past the histogram's last cell.
        byte[] past = [1, 4];
        for (var t = 0; t < 4; t++) past = [.. past, (byte)t, 1, .. Varint((uint)plan.HistogramSize), 1, .. Varint((uint)plan.HistogramSize), 1];
        Assert.Contains($"tree 0: a count lies past the histogram's {plan.HistogramSize} cells", Refused(Deflated(past)));

        Assert.Equal(honest.Trees[0].Nodes[0], HistogramWire.DecodeResponse(good, request, plan).Trees[0].Nodes[0]);
    }

    [Fact]
    public void Requests_beyond_the_plan_are_refused_before_anything_is_allocated()
    {
        var (plan, _) = Setup();
        string Refused(HistogramRequest request) =>
            Assert.Throws<ModelConfigException>(() => HistogramWire.DecodeRequest(HistogramWire.EncodeRequest(request), plan)).Message;

        Assert.Contains("tree index 7 is over its limit 3", Refused(new HistogramRequest([new TreeFrontier(7, [-1], [0], [-1], [-1], [0])])));
        Assert.Contains("split feature 65 is over its limit 64", Refused(new HistogramRequest([new TreeFrontier(0, [64], [0], [-1], [-1], [0])])));
        Assert.Contains("tree 0 has no nodes", Refused(new HistogramRequest([new TreeFrontier(0, [], [], [], [], [])])));
        // A node count claiming more nodes than 2 × rows is refused from the count alone.
        var bomb = Deflated([1, 1, 0, .. Varint(uint.MaxValue >> 4)]);
        Assert.Contains("tree 0's nodes", Assert.Throws<ModelConfigException>(() => HistogramWire.DecodeRequest(bomb, plan)).Message);
    }

    private static byte[] Varint(uint value)
    {
        var bytes = new List<byte>();
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }
        bytes.Add((byte)value);
        return bytes.ToArray();
    }

    private static byte[] Inflated(byte[] bytes)
    {
        using var input = new DeflateStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    private static byte[] Deflated(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.Fastest, leaveOpen: true)) deflate.Write(bytes);
        return output.ToArray();
    }
}
