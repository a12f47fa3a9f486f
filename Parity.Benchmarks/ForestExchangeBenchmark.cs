using System.Diagnostics;
using System.Globalization;
using Parity.Learning.Data;
using Parity.Learning.Forest;
using Parity.Learning.Partitioning;

/// <summary>
/// The histogram-forest protocol in one process, without a cluster: where an exchange's time goes (the parts computing
/// and encoding their histograms, the coordinator decoding and merging them), against training the same forest
/// centrally. Explains the `fl … forest` figures, which add the grain calls between silos.
/// </summary>
public static class ForestExchangeBenchmark
{
    public static void Run(string datasetPath, int trees, int parts)
    {
        var data = DatasetReader.Read(File.ReadAllBytes(datasetPath), DatasetFormat.Csv);
        var shards = Partitioner.SelectAll(data.Labels.Span, new PartitionConfig
        {
            Strategy = PartitionStrategy.Stratified, TotalParts = parts, PartIndex = 0, Seed = 7,
        });
        var options = new ForestOptions { Trees = trees, RandomState = 7, OobScore = true, Threads = 1 };
        var edges = BinEdges.FromSummaries(shards.Select(rows => ValueSummary.Of(data.Subset(rows))).ToArray(), options.MaxBins);
        var classes = shards.SelectMany(rows => rows.Select(data.Label)).Distinct().Order().ToArray();
        var all = data.Subset(shards.SelectMany(rows => rows).ToArray());
        var central = Stopwatch.StartNew();
        var reference = new ForestTrainer(options).Fit(all, edges, classes);
        central.Stop();

        var plan = new FederatedForestPlan(options, edges, classes, all.Rows);
        var offset = 0;
        var participants = shards.Select(rows =>
        {
            var ids = Enumerable.Range(offset, rows.Length).ToArray();
            offset += rows.Length;
            return new ForestHistogramParticipant(plan, data.Subset(rows), ids);
        }).ToArray();
        var coordinator = new ForestHistogramCoordinator(plan, 1L << 22);
        TimeSpan compute = default, encode = default, decode = default, merge = default;
        long bytes = 0, cells = 0;
        var exchanges = 0;
        var total = Stopwatch.StartNew();
        while (!coordinator.IsComplete)
        {
            var request = coordinator.NextRequest();
            var wire = HistogramWire.EncodeRequest(request);
            var answers = new List<byte[]>();
            foreach (var participant in participants)
            {
                var clock = Stopwatch.StartNew();
                var response = participant.ComputeHistograms(HistogramWire.DecodeRequest(wire, plan));
                compute += clock.Elapsed;
                clock.Restart();
                answers.Add(HistogramWire.EncodeResponse(response));
                encode += clock.Elapsed;
                bytes += answers[^1].Length;
                cells += request.Trees.Sum(t => t.Nodes.Length) * (long)plan.HistogramSize;
            }
            var watch = Stopwatch.StartNew();
            var decoded = answers.Select(a => HistogramWire.DecodeResponse(a, request, plan)).ToArray();
            decode += watch.Elapsed;
            watch.Restart();
            coordinator.Apply(decoded);
            merge += watch.Elapsed;
            exchanges++;
        }
        var forest = coordinator.BuildForest(participants.Select(p => p.ComputeOob(coordinator.BuildForest())).Aggregate((a, b) => a + b));
        total.Stop();
        var same = ForestSerializer.Serialize(forest).AsSpan().SequenceEqual(ForestSerializer.Serialize(reference));
        FormattableString line = $"forest-exchange: {data.Rows} rows, {trees} trees, {parts} parts, {exchanges} exchanges: total {total.Elapsed.TotalSeconds:N2} s (parts compute {compute.TotalSeconds:N2} s, encode {encode.TotalSeconds:N2} s; coordinator decode {decode.TotalSeconds:N2} s, merge+split {merge.TotalSeconds:N2} s); {bytes / 1e6:N1} MB on the wire for {cells * 4 / 1e6:N0} MB of counts; centralized {central.Elapsed.TotalSeconds:N2} s (1 thread both); identical: {(same ? "yes" : "NO")}";
        Console.WriteLine(line.ToString(CultureInfo.InvariantCulture));
    }
}
