using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.Placement;
using Parity.Learning.Forest;
using Parity.Learning.Models;

namespace Parity.Federation;

/// <summary>
/// Histogram forests (<c>aggregation_method: histogram</c>): the session is the coordinator of
/// <see cref="FederatedForestPlan"/>'s protocol, and each participant's <see cref="IFlPartGrain"/>, on its own silo,
/// answers with summaries and histograms of its rows. The forest's one round is: bin edges from the parts' value
/// summaries (persisted), then one exchange per tree level until every tree is grown, then the parts' out-of-bag
/// tallies. The result is byte for byte the binned forest one machine would train on the parts' rows, concatenated in
/// part order, with the same edges and seed.
/// </summary>
/// <remarks>
/// Every part's histograms are needed at every level, so a lost participant cannot simply be skipped: while the rest
/// still make the quorum, the forest starts over on their rows (new edges, same seed), otherwise the round fails. A
/// crash of the session's silo starts the levels over from the persisted edges; the parts are stateless between
/// requests, so the replay gives the same forest. Levels are not persisted: a level's merged histograms can run to
/// many megabytes, and recomputing them costs seconds.
/// </remarks>
public sealed partial class FlSessionGrain
{
    /// <summary>Histogram counts one exchange may ask each part for (4 bytes each in memory, far fewer on the wire).</summary>
    public const long MaxHistogramCells = 1L << 22;
    private CancellationTokenSource? _histogram;

    private bool IsHistogram => Spec is { ModelType: FederatedModelType.RandomForest, AggregationMethod: "histogram" };

    /// <summary>Starts the coordinator beside the session's turns (its exchanges await the parts); a running one is kept.</summary>
    private void StartHistogram(FlRoundView round)
    {
        if (_histogram is not null) return;
        _histogram = new CancellationTokenSource();
        _ = RunHistogram(round.Round, _histogram.Token);
    }

    private void StopHistogram()
    {
        _histogram?.Cancel();
        _histogram = null;
    }

    /// <summary>The clock of a histogram round: a participant whose silo died is lost at once; the coordinator is kept running.</summary>
    private async Task TickHistogram(FlRoundView round)
    {
        if (round.Updates.FirstOrDefault(u => u.Status == FlUpdateStatus.Pending && runners.IsSiloDead(u.Runner)) is { } dead)
        {
            await LoseForestPart(round.Round, dead.PartIndex, $"{dead.Runner}'s silo died");
            return;
        }
        if (CurrentRound is { Status: FlRoundStatus.Collecting } open) StartHistogram(open);
    }

    private async Task RunHistogram(int number, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var round = CurrentRound!;
            var live = round.Updates.Where(u => u.Status == FlUpdateStatus.Pending).OrderBy(u => u.PartIndex).ToList();
            var options = ForestOptionsOf();
            var setups = live.ToDictionary(u => u.PartIndex, Setup);

            if (Record.ForestPlan is not { } record || !record.Parts.SequenceEqual(live.Select(u => u.PartIndex)))
            {
                var summaries = await Exchange(number, live, u => AskPart(u, part => part.Summarize(setups[u.PartIndex])), cancel);
                if (summaries is null) return;
                record = PlanFrom(live, summaries, options);
                Record.ForestPlan = record;
                AddEvent("forest_binned", string.Create(CultureInfo.InvariantCulture,
                    $"round {number}: bin edges from {live.Count} parts' value summaries ({record.TotalRows} rows, " +
                    $"{record.Thresholds.Length} features, up to {record.Thresholds.Max(t => t.Length) + 1} bins, {record.Classes.Length} classes)"), number);
                await Save();
                if (!StillRunning(number, cancel)) return;
            }

            var plan = new FederatedForestPlan(options, BinEdges.FromThresholds(record.Thresholds), record.Classes, record.TotalRows);
            var plans = live.ToDictionary(u => u.PartIndex, u => new ForestPartPlan
            {
                Thresholds = record.Thresholds, Classes = record.Classes, TotalRows = record.TotalRows,
                RowOffset = record.OffsetOf(Array.IndexOf(record.Parts, u.PartIndex)),
            });
            var computeMs = live.ToDictionary(u => u.PartIndex, _ => 0.0);
            var coordinator = new ForestHistogramCoordinator(plan, MaxHistogramCells);
            var exchanges = 0;
            while (!coordinator.IsComplete)
            {
                var request = coordinator.NextRequest();
                var bytes = HistogramWire.EncodeRequest(request);
                var answers = await Exchange(number, live,
                    u => AskPart(u, part => part.Histograms(setups[u.PartIndex], plans[u.PartIndex], bytes)), cancel);
                if (answers is null) return;
                for (var i = 0; i < live.Count; i++) computeMs[live[i].PartIndex] += answers[i].ComputeMs;
                // Decoding and merging are the coordinator's CPU work: on the thread pool, the parts in parallel, so the
                // session's turns (its clock, its readers) are not held up by them.
                var (responses, refused, inconsistent) = await Task.Run(() => Merge(coordinator, plan, request, answers));
                if (!StillRunning(number, cancel)) return;
                if (refused is { } bad)
                {
                    await RejectForestPart(number, live[bad.Index], bad.Reason);
                    return;
                }
                if (inconsistent is not null)
                {
                    // Each answer had the right shape, yet together they do not add up: no one part can be named.
                    await FailRound(CurrentRound!, $"the parts' histograms are inconsistent: {inconsistent}");
                    return;
                }
                exchanges++;
                ReplaceRound(CurrentRound! with { HistogramExchanges = exchanges });
                AddEvent("forest_level", $"round {number}: histogram exchange {exchanges} merged " +
                                         $"({request.Trees.Sum(t => t.Nodes.Length)} nodes of {request.Trees.Count} trees)", number);
            }

            OobTally? outOfBag = null;
            if (options.OobScore)
            {
                var forestBytes = ForestSerializer.Serialize(coordinator.BuildForest());
                var shares = await Exchange(number, live,
                    u => AskPart(u, part => part.OutOfBag(setups[u.PartIndex], plans[u.PartIndex], forestBytes)), cancel);
                if (shares is null) return;
                outOfBag = shares.Select(s => new OobTally(s.Correct, s.Counted)).Aggregate((a, b) => a + b);
            }
            var forest = coordinator.BuildForest(outOfBag);
            await CloseHistogramRound(number, live, forest, record, computeMs, exchanges, clock);
        }
        catch (ModelConfigException e)
        {
            // The parts' summaries make no forest (too many classes, a bin layout too large): the session says why.
            if (StillRunning(number, cancel)) await FailRound(CurrentRound!, $"the histogram forest cannot be planned: {e.Message}");
        }
        catch (Exception e) when (!cancel.IsCancellationRequested)
        {
            logger.LogError(e, "FL session {SessionId}: histogram round {Round} stopped", Id, number);
            if (StillRunning(number, cancel)) await FailRound(CurrentRound!, $"the histogram coordinator stopped: {e.Message}");
        }
        finally
        {
            if (_histogram?.Token == cancel) _histogram = null;
        }
    }

    /// <summary>Decodes every part's answer (in parallel) and merges them into the coordinator's trees.</summary>
    private static (HistogramResponse[]? Responses, (int Index, string Reason)? Refused, string? Inconsistent) Merge(
        ForestHistogramCoordinator coordinator, FederatedForestPlan plan, HistogramRequest request, ForestPartAnswer[] answers)
    {
        var responses = new HistogramResponse[answers.Length];
        var errors = new string?[answers.Length];
        Parallel.For(0, answers.Length, i =>
        {
            try
            {
                responses[i] = HistogramWire.DecodeResponse(answers[i].Histograms, request, plan);
            }
            catch (ModelConfigException e)
            {
                errors[i] = e.Message;
            }
        });
        var first = Array.FindIndex(errors, e => e is not null);
        if (first >= 0) return (null, (first, errors[first]!), null);
        try
        {
            coordinator.Apply(responses);
            return (responses, null, null);
        }
        catch (ArgumentException e)
        {
            return (null, null, e.Message);
        }
    }

    /// <summary>
    /// Asks every live part at once and waits for all of them, each within the round timeout. A part that fails or
    /// times out is lost (the forest starts over without it, or the round fails); null then, and the caller stops.
    /// </summary>
    private async Task<T[]?> Exchange<T>(int number, List<FlUpdateView> live, Func<FlUpdateView, Task<T>> ask, CancellationToken cancel)
    {
        var settled = await ParallelCalls.Settle(live.Select(ask), Spec!.RoundTimeout,
            $"no answer within round_timeout_seconds ({Spec!.RoundTimeout.TotalSeconds:0} s)", cancel);
        if (!StillRunning(number, cancel)) return null;
        for (var i = 0; i < settled.Length; i++)
        {
            if (settled[i].Answered) continue;
            await LoseForestPart(number, live[i].PartIndex, settled[i].Problem!);
            return null;
        }
        return settled.Select(c => c.Answer!).ToArray();
    }

    private bool StillRunning(int number, CancellationToken cancel) =>
        !cancel.IsCancellationRequested && Record.Status == FlSessionStatus.Active &&
        CurrentRound is { Status: FlRoundStatus.Collecting } round && round.Round == number;

    /// <summary>A part that answered with bytes that are not an answer: refused by name, and lost to this forest.</summary>
    private async Task RejectForestPart(int number, FlUpdateView part, string reason)
    {
        var round = ReplaceUpdate(CurrentRound!, part with { Status = FlUpdateStatus.Rejected, Reason = reason, ReceivedAt = Now });
        AddEvent("update_rejected", $"round {number}: {part.Runner}'s histograms refused: {reason}", number, part.Runner);
        await StartOverOrFail(round, $"{part.Runner}'s histograms were refused");
    }

    private async Task LoseForestPart(int number, int partIndex, string reason)
    {
        if (CurrentRound is not { Status: FlRoundStatus.Collecting } round || round.Round != number) return;
        var part = round.Updates.First(u => u.PartIndex == partIndex);
        if (part.Status != FlUpdateStatus.Pending) return;
        round = ReplaceUpdate(round, part with { Status = FlUpdateStatus.Lost, Reason = reason, ReceivedAt = Now });
        AddEvent("participant_lost", $"round {number}: {part.Runner} lost: {reason}", number, part.Runner);
        await StartOverOrFail(round, $"{part.Runner} was lost");
    }

    /// <summary>Without one part's histograms the levels so far are wrong: start over on the rest, or fail below the quorum.</summary>
    private async Task StartOverOrFail(FlRoundView round, string why)
    {
        StopHistogram();
        var live = round.Updates.Count(u => u.Status == FlUpdateStatus.Pending);
        if (live < round.Quorum)
        {
            await FailRound(round, $"quorum unreachable: {why}, {live} parts left, quorum {round.Quorum}");
            return;
        }
        Record.ForestPlan = null;
        ReplaceRound(round with { HistogramExchanges = 0 });
        AddEvent("forest_restarted", $"round {round.Round}: {why}; the forest starts over on the other {live} parts' rows", round.Round);
        await Save();
        StartHistogram(CurrentRound!);
    }

    private async Task CloseHistogramRound(int number, List<FlUpdateView> live, RandomForest forest, ForestPlanRecord plan,
        Dictionary<int, double> computeMs, int exchanges, Stopwatch clock)
    {
        var round = CurrentRound!;
        foreach (var part in live)
        {
            var index = Array.IndexOf(plan.Parts, part.PartIndex);
            round = ReplaceUpdate(round, round.Updates.First(u => u.PartIndex == part.PartIndex) with
            {
                Status = FlUpdateStatus.Accepted, DataSize = plan.Rows[index], TrainingTimeMs = (long)computeMs[part.PartIndex],
                ReceivedAt = Now,
            });
        }
        Record.Model = ForestSerializer.Serialize(forest);
        var metrics = await WithTestMetrics(new FlRoundMetrics { OobScore = forest.OobScore, FeatureImportance = forest.FeatureImportances },
            null, forest);
        if (!StillRunning(number, CancellationToken.None)) return;
        _histogram = null;
        await Completed(CurrentRound! with { HistogramExchanges = exchanges }, metrics, live.Select(u => u.PartIndex).ToList(),
            $"every part's histograms merged over {exchanges} exchanges in {clock.Elapsed.TotalSeconds:0.0} s", null, null);
    }

    private ForestPlanRecord PlanFrom(List<FlUpdateView> live, ForestPartSummary[] summaries, ForestOptions options)
    {
        var columns = Record.Columns;
        for (var i = 0; i < summaries.Length; i++)
            if (summaries[i].Values.Length != columns)
                throw new ModelConfigException($"{live[i].Runner}'s summary has {summaries[i].Values.Length} features, the dataset {columns}", "histograms");
        var edges = BinEdges.FromSummaries(summaries.Select(s => new ValueSummary(s.Values, s.Counts)).ToArray(), options.MaxBins);
        var thresholds = new float[edges.FeatureCount][];
        for (var f = 0; f < thresholds.Length; f++) thresholds[f] = edges.Thresholds(f).ToArray();
        return new ForestPlanRecord
        {
            Thresholds = thresholds,
            Classes = summaries.SelectMany(s => s.Labels).Distinct().Order().ToArray(),
            Parts = live.Select(u => u.PartIndex).ToArray(),
            Rows = summaries.Select(s => s.Rows).ToArray(),
        };
    }

    private ForestOptions ForestOptionsOf() =>
        FederatedTaskConfig.Parse(Setup(Record.Participants[0].Runner, 0).TaskConfig).ForestOptions();

    private FlPartSetup Setup(FlUpdateView part) => Setup(part.Runner, part.PartIndex);

    /// <summary>A part's setup: its round-1 task config (the round changes nothing a part reads), runner and silo.</summary>
    private FlPartSetup Setup(string runner, int partIndex) => new()
    {
        TaskConfig = SessionPlanning.TaskConfig(Spec!, Id, RoundTasks.RoundId(Id, 1), Record.Participants.Count, partIndex, runner, null, null),
        Runner = runner,
        Silo = runners.Runners.FirstOrDefault(r => r.Name == runner)?.SiloAddress ?? "",
    };

    private Task<T> AskPart<T>(FlUpdateView part, Func<IFlPartGrain, Task<T>> call) => AskPart(part.Runner, part.PartIndex, call);

    /// <summary>Calls the part's grain, which a first call creates on its runner's silo (the placement hint travels with it).</summary>
    private Task<T> AskPart<T>(string runner, int partIndex, Func<IFlPartGrain, Task<T>> call)
    {
        var grain = GrainFactory.GetGrain<IFlPartGrain>($"{Id}/{partIndex}");
        var host = runners.Runners.FirstOrDefault(r => r.Name == runner)?.SiloAddress;
        if (!string.IsNullOrEmpty(host)) RequestContext.Set(IPlacementDirector.PlacementHintKey, SiloAddress.FromParsableString(host));
        try
        {
            return call(grain);
        }
        finally
        {
            // The hint must not stay for the session's other calls.
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
    }
}
