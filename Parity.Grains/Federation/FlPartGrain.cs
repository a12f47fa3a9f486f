using System.Diagnostics;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using Parity.Federation.Privacy.SecureAggregation;
using Parity.Learning.Data;
using Parity.Learning.Forest;
using Parity.Learning.Models;
using Parity.Storage;
using Parity.Tasks;

namespace Parity.Federation;

/// <summary>
/// A participant's part of a session (see <see cref="IFlPartGrain"/>). The session places it on its runner's silo and
/// it refuses to answer anywhere else: the part's rows are read on that machine, and a part whose silo died must be
/// reported lost, not quietly recomputed by another machine. The dataset goes to the silo's <see cref="ParsedDatasets"/>,
/// where the runner's round tasks find it.
/// </summary>
[HintedPlacement]
[CollectionAgeLimit(Minutes = 15)]
public sealed class FlPartGrain(IDatasetSource datasets, ParsedDatasets parsed, ILocalSiloDetails silo) : Grain, IFlPartGrain
{
    private static readonly TimeSpan DatasetTimeout = TimeSpan.FromMinutes(2);
    private (string Config, Dataset Part, long Bytes, Dataset Whole)? _part;
    private (UInt128 Plan, FederatedForestPlan Shared, ForestHistogramParticipant Participant)? _participant;
    /// <summary>The open round's secure-aggregation side: its keys and the shares delivered to it. Memory only.</summary>
    private (SecAggSetup Setup, SecAggParticipant Participant, ShareDelivery? Delivery)? _secagg;

    public async Task<FlPartReady> Prepare(FlPartSetup setup)
    {
        CheckSilo(setup);
        var clock = Stopwatch.StartNew();
        var part = await Part(setup);
        return new FlPartReady { Rows = part.Rows, DatasetBytes = _part!.Value.Bytes, Milliseconds = clock.Elapsed.TotalMilliseconds };
    }

    public async Task<ForestPartSummary> Summarize(FlPartSetup setup)
    {
        CheckSilo(setup);
        var clock = Stopwatch.StartNew();
        var part = await Part(setup);
        return await Task.Run(() =>
        {
            var summary = ValueSummary.Of(part);
            var values = new float[summary.FeatureCount][];
            var counts = new long[summary.FeatureCount][];
            for (var f = 0; f < values.Length; f++)
            {
                values[f] = summary.Values(f).ToArray();
                counts[f] = summary.Counts(f).ToArray();
            }
            var labels = part.Labels.ToArray().Distinct().Order().ToArray();
            return new ForestPartSummary
            {
                Values = values, Counts = counts, Labels = labels, Rows = part.Rows, ComputeMs = clock.Elapsed.TotalMilliseconds,
            };
        });
    }

    public async Task<ForestPartAnswer> Histograms(FlPartSetup setup, ForestPartPlan plan, byte[] request)
    {
        CheckSilo(setup);
        var clock = Stopwatch.StartNew();
        var (shared, participant) = await Participant(setup, plan);
        var bytes = await Task.Run(() =>
        {
            try
            {
                return HistogramWire.EncodeResponse(participant.ComputeHistograms(HistogramWire.DecodeRequest(request, shared)));
            }
            catch (ArgumentException e)
            {
                // The session's request does not fit this part's plan: say so, without a stack trace from this silo.
                throw new InvalidOperationException($"part {this.GetPrimaryKeyString()}: {e.Message}");
            }
        });
        return new ForestPartAnswer { Histograms = bytes, ComputeMs = clock.Elapsed.TotalMilliseconds };
    }

    public async Task<ForestOobShare> OutOfBag(FlPartSetup setup, ForestPartPlan plan, byte[] forest)
    {
        CheckSilo(setup);
        var (_, participant) = await Participant(setup, plan);
        var tally = await Task.Run(() => participant.ComputeOob(ForestSerializer.Deserialize(forest)));
        return new ForestOobShare { Correct = tally.Correct, Counted = tally.Counted };
    }

    public Task<byte[]> SecAggAdvertise(FlPartSetup setup, SecAggSetup round)
    {
        CheckSilo(setup);
        _secagg?.Participant.Dispose();
        var participant = new SecAggParticipant(SecAggWire.Parameters(SessionId, round), round.Participant);
        _secagg = (round, participant, null);
        // The keys live only here: the part must outlive the round's training, however idle it is meanwhile.
        DelayDeactivation(TimeSpan.FromHours(2));
        return Task.FromResult(SecAggWire.Encode(participant.Advertise()));
    }

    public Task<byte[]> SecAggShare(SecAggSetup round, byte[] roster) =>
        Task.FromResult(SecAggWire.Encode(Round(round).Participant.Share(SecAggWire.Decode<KeyRoster>(roster, "key roster"))));

    public Task SecAggDeliver(SecAggSetup round, byte[] delivery)
    {
        var current = Round(round);
        _secagg = current with { Delivery = SecAggWire.Decode<ShareDelivery>(delivery, "share delivery") };
        return Task.CompletedTask;
    }

    public Task<byte[]> SecAggMask(SecAggSetup round, float[] vector)
    {
        var current = Round(round);
        if (current.Delivery is not { } delivery)
            throw new SecureAggregationException($"part {this.GetPrimaryKeyString()}: no shares were delivered for round {round.Round}; it cannot mask");
        return Task.FromResult(current.Participant.Mask(delivery, vector).Masked);
    }

    public Task<byte[]> SecAggReveal(SecAggSetup round, byte[] request)
    {
        var current = Round(round);
        var response = current.Participant.Reveal(SecAggWire.Decode<UnmaskRequest>(request, "unmask request"));
        // A participant answers one request per round: its secrets have done their work.
        current.Participant.Dispose();
        _secagg = null;
        return Task.FromResult(SecAggWire.Encode(response));
    }

    private string SessionId => this.GetPrimaryKeyString()[..this.GetPrimaryKeyString().LastIndexOf('/')];

    /// <summary>The round's keys; a part that lost them (its silo restarted) is a drop-out, and says so.</summary>
    private (SecAggSetup Setup, SecAggParticipant Participant, ShareDelivery? Delivery) Round(SecAggSetup round) =>
        _secagg is { } current && current.Setup == round ? current
            : throw new SecureAggregationException(
                $"part {this.GetPrimaryKeyString()} holds no keys for round {round.Round} (attempt {round.Attempt}): its silo restarted or the round moved on");

    private void CheckSilo(FlPartSetup setup)
    {
        if (silo.SiloAddress.ToParsableString() == setup.Silo) return;
        DeactivateOnIdle();
        throw new InvalidOperationException(
            $"{setup.Runner}'s part must be computed on its silo {setup.Silo}, not on {silo.SiloAddress}: its silo is gone");
    }

    /// <summary>This part's training rows: its partition of the dataset, less the held-out rows when the session has them.</summary>
    private async Task<Dataset> Part(FlPartSetup setup)
    {
        if (_part is { } known && known.Config == setup.TaskConfig) return known.Part;
        FederatedTaskConfig config;
        Dataset dataset;
        long bytes;
        try
        {
            config = FederatedTaskConfig.Parse(setup.TaskConfig);
            using var timeout = new CancellationTokenSource(DatasetTimeout);
            (dataset, bytes) = await Task.Run(() => parsed.GetAsync(config.DatasetCid, config.DataFormat,
                () => datasets.ReadAsync(config.DatasetCid, timeout.Token)));
        }
        catch (OperationCanceledException)
        {
            throw new InvalidOperationException($"{setup.Runner}: the dataset could not be fetched within {DatasetTimeout.TotalSeconds:0} s");
        }
        catch (Exception e) when (e is TaskConfigException or DatasetNotFoundException or DatasetException)
        {
            throw new InvalidOperationException($"{setup.Runner}: {e.Message}");
        }
        var part = await Task.Run(() =>
        {
            try
            {
                var rows = parsed.Part(config.DatasetCid, config.DataFormat, dataset, config.Partition);
                if (config.EvaluationFraction is not { } fraction) return rows;
                // The same held-out rows the evaluation tasks score the forest on: they never train it.
                return rows.Subset(FederatedTrainer.Split(config, rows, fraction).Train);
            }
            catch (ModelConfigException e)
            {
                throw new InvalidOperationException($"{setup.Runner}: {e.Message}");
            }
        });
        _part = (setup.TaskConfig, part, bytes, dataset);
        _participant = null;
        return part;
    }

    private async Task<(FederatedForestPlan, ForestHistogramParticipant)> Participant(FlPartSetup setup, ForestPartPlan plan)
    {
        var part = await Part(setup);
        var digest = Digest(plan);
        if (_participant is { } known && known.Plan == digest) return (known.Shared, known.Participant);
        var built = await Task.Run(() =>
        {
            try
            {
                var options = FederatedTaskConfig.Parse(setup.TaskConfig).ForestOptions();
                var shared = new FederatedForestPlan(options, BinEdges.FromThresholds(plan.Thresholds), plan.Classes, plan.TotalRows);
                if (plan.RowOffset < 0 || (long)plan.RowOffset + part.Rows > plan.TotalRows)
                    throw new ArgumentException($"rows {plan.RowOffset}..{(long)plan.RowOffset + part.Rows} are outside the plan's {plan.TotalRows}");
                var ids = Enumerable.Range(plan.RowOffset, part.Rows).ToArray();
                return (shared, new ForestHistogramParticipant(shared, part, ids));
            }
            catch (ArgumentException e)
            {
                throw new InvalidOperationException($"part {this.GetPrimaryKeyString()}: the plan does not fit its rows: {e.Message}");
            }
        });
        _participant = (digest, built.shared, built.Item2);
        return built;
    }

    /// <summary>A plan's identity by content: every request carries it, and only a different plan rebins the part.</summary>
    private static UInt128 Digest(ForestPartPlan plan)
    {
        var hash = new XxHash128();
        foreach (var thresholds in plan.Thresholds)
        {
            hash.Append(BitConverter.GetBytes(thresholds.Length));
            hash.Append(MemoryMarshal.AsBytes(thresholds.AsSpan()));
        }
        hash.Append(MemoryMarshal.AsBytes(plan.Classes.AsSpan()));
        hash.Append(BitConverter.GetBytes(plan.TotalRows));
        hash.Append(BitConverter.GetBytes(plan.RowOffset));
        return hash.GetCurrentHashAsUInt128();
    }
}
