using System.Globalization;
using Parity.Federation.Privacy.SecureAggregation;
using Parity.Federation.Strategies;

namespace Parity.Federation;

/// <summary>
/// Secure aggregation (<c>config.privacy_config.secure_aggregation</c>): the session learns only the sum of a round's
/// updates. Before the round's tasks go out, the session runs the protocol's key steps with each participant's part
/// grain on its runner's silo (advertise keys, share secrets, deliver the sealed shares); each runner then masks its
/// update through its part grain before the update leaves it; at close, the survivors reveal the shares that strip
/// the masks from the sum (see docs/secure-aggregation.md). The protocol's state is memory only, by design: if the
/// session's silo dies mid-round, the round starts over as a new attempt with new keys.
/// </summary>
public sealed partial class FlSessionGrain
{
    /// <summary>The longest one key step waits for the parts (each step is a round trip to every runner).</summary>
    public static readonly TimeSpan SecAggStepTimeout = TimeSpan.FromSeconds(60);

    private SecAggRound? _secagg;

    private bool IsSecAgg => Spec?.SecureAggregation == true;

    /// <summary>The open round's protocol side: its server, each part's parameters, and whether tasks may go out.</summary>
    private sealed class SecAggRound(int round, int attempt, SecAggServer server, Dictionary<int, SecAggSetup> setups)
    {
        public int Round { get; } = round;
        public int Attempt { get; } = attempt;
        public SecAggServer Server { get; } = server;
        public Dictionary<int, SecAggSetup> Setups { get; } = setups;
        public bool Ready { get; set; }
    }

    /// <summary>Tasks go out once the keys are agreed, and only in the attempt that agreed them.</summary>
    private bool SecAggReady(FlRoundView round) =>
        !IsSecAgg || _secagg is { Ready: true } current && current.Round == round.Round && current.Attempt == (round.SecAggAttempt ?? 0);

    /// <summary>
    /// The threshold t: the quorum (a round never closes with fewer), and more than half of the participants (so that no
    /// two disjoint groups could each rebuild a participant's secrets; see docs/secure-aggregation.md).
    /// </summary>
    public static int SecAggThreshold(int participants, int quorum) => Math.Max(quorum, participants / 2 + 1);

    /// <summary>The fixed-point range: the update bound (max_update_norm, or the privacy clip), with room for privacy noise, and at least 1 for the weight.</summary>
    private double SecAggClipRange() => Math.Max(1.0, 2 * (DpSpec is not null ? DpClip : Spec!.MaxUpdateNorm!.Value));

    /// <summary>Runs the key steps beside the session's turns, then sends the round's tasks to the parts that took part.</summary>
    private async Task SetUpSecAgg(FlRoundView round)
    {
        var attempt = round.SecAggAttempt ?? 0;
        bool Current() => Record.Status == FlSessionStatus.Active && CurrentRound is { Status: FlRoundStatus.Collecting } open
                          && open.Round == round.Round && (open.SecAggAttempt ?? 0) == attempt;
        var live = round.Updates.Where(u => u is { Status: FlUpdateStatus.Pending, TaskId: not null }).OrderBy(u => u.PartIndex).ToList();
        var threshold = SecAggThreshold(live.Count, round.Quorum);
        if (threshold > live.Count)
        {
            await FailRound(round, $"secure aggregation needs {threshold} participants (its threshold), {live.Count} are left");
            return;
        }
        var clipRange = SecAggClipRange();
        var encoding = FixedPoint.Finest(clipRange, live.Count);
        var setups = live.Select((u, i) => (u.PartIndex, Setup: new SecAggSetup
        {
            Round = round.Round, Attempt = attempt, Participant = i + 1, Participants = live.Count, Threshold = threshold,
            VectorLength = SecureUpdateVector.Length(Global()), ClipRange = clipRange, FractionalBits = encoding.FractionalBits,
        })).ToDictionary(p => p.PartIndex, p => p.Setup);
        var server = new SecAggServer(SecAggWire.Parameters(Id, setups[live[0].PartIndex]));
        _secagg = new SecAggRound(round.Round, attempt, server, setups);
        var dropped = new Dictionary<int, string>();
        try
        {
            // 1. Keys.
            var advertised = await AskAll(live, u => AskPart(u, part => part.SecAggAdvertise(Setup(u), setups[u.PartIndex])), dropped);
            if (!Current()) return;
            foreach (var (part, bytes) in advertised) AcceptOrDrop(part, dropped, () => server.Accept(SecAggWire.Decode<KeyAdvertisement>(bytes, "key advertisement")));
            var roster = SecAggWire.Encode(server.CloseAdvertising());
            // 2. Shares.
            var sharing = live.Where(u => !dropped.ContainsKey(u.PartIndex)).ToList();
            var bundles = await AskAll(sharing, u => AskPart(u, part => part.SecAggShare(setups[u.PartIndex], roster)), dropped);
            if (!Current()) return;
            foreach (var (part, bytes) in bundles) AcceptOrDrop(part, dropped, () => server.Accept(SecAggWire.Decode<ShareBundle>(bytes, "share bundle")));
            var deliveries = server.CloseSharing();
            // 3. Each sharer gets the shares sealed to it.
            var receiving = live.Where(u => deliveries.ContainsKey(setups[u.PartIndex].Participant)).ToList();
            await AskAll(receiving, u => AskPart(u, async part =>
            {
                await part.SecAggDeliver(setups[u.PartIndex], SecAggWire.Encode(deliveries[setups[u.PartIndex].Participant]));
                return true;
            }), dropped);
            if (!Current()) return;
        }
        catch (SecureAggregationException e)
        {
            if (Current()) await FailRound(CurrentRound!, $"secure aggregation: {e.Message}");
            return;
        }
        var current = CurrentRound!;
        foreach (var (part, reason) in dropped)
        {
            var update = current.Updates.First(u => u.PartIndex == part);
            if (update.Status != FlUpdateStatus.Pending) continue;
            current = ReplaceUpdate(current, update with { Status = FlUpdateStatus.Lost, Reason = $"dropped out of the secure-aggregation key steps: {reason}", ReceivedAt = Now });
            AddEvent("participant_lost", $"round {round.Round}: {update.Runner} dropped out of the secure-aggregation key steps: {reason}", round.Round, update.Runner);
        }
        _secagg.Ready = true;
        AddEvent("secure_aggregation_ready", string.Create(CultureInfo.InvariantCulture,
            $"round {round.Round}: keys agreed among {live.Count - dropped.Count} of {live.Count} participants (threshold {threshold}, " +
            $"fixed point ±{clipRange:G4} at 2^-{encoding.FractionalBits})"), round.Round);
        await Save();
        SubmitTasks(CurrentRound!);
        await CheckRound(System.Diagnostics.Stopwatch.GetTimestamp());
    }

    /// <summary>Asks every part at once, each within the step timeout; a part that fails or is late is dropped, with the reason.</summary>
    private async Task<List<(int Part, T Answer)>> AskAll<T>(List<FlUpdateView> parts, Func<FlUpdateView, Task<T>> ask, Dictionary<int, string> dropped)
    {
        var timeout = Spec!.RoundTimeout < SecAggStepTimeout ? Spec.RoundTimeout : SecAggStepTimeout;
        var settled = await ParallelCalls.Settle(parts.Select(ask), timeout, $"no answer within {timeout.TotalSeconds:0} s");
        var answers = new List<(int, T)>();
        for (var i = 0; i < settled.Length; i++)
        {
            if (settled[i].Answered) answers.Add((parts[i].PartIndex, settled[i].Answer!));
            else dropped[parts[i].PartIndex] = settled[i].Problem!;
        }
        return answers;
    }

    private static void AcceptOrDrop(int part, Dictionary<int, string> dropped, Action accept)
    {
        try
        {
            accept();
        }
        catch (SecureAggregationException e)
        {
            dropped[part] = e.Message;
        }
    }

    /// <summary>The round task's <c>secure_aggregation</c>: this part's round parameters and FedAvg weight.</summary>
    private string WithSecureAggregation(string taskConfig, FlUpdateView update)
    {
        if (!IsSecAgg || _secagg is not { } round || !round.Setups.TryGetValue(update.PartIndex, out var setup)) return taskConfig;
        var rows = Record.Participants.Select(p => SessionPlanning.TrainingRows(Spec!, p.Rows)).Max();
        var mine = SessionPlanning.TrainingRows(Spec!, Record.Participants.First(p => p.PartIndex == update.PartIndex).Rows);
        var node = System.Text.Json.Nodes.JsonNode.Parse(taskConfig)!.AsObject();
        node["secure_aggregation"] = new System.Text.Json.Nodes.JsonObject
        {
            ["round"] = setup.Round, ["attempt"] = setup.Attempt, ["participant"] = setup.Participant,
            ["participants"] = setup.Participants, ["threshold"] = setup.Threshold, ["vector_length"] = setup.VectorLength,
            ["clip_range"] = setup.ClipRange, ["fractional_bits"] = setup.FractionalBits,
            // Under differential privacy every update counts the same (its clip bounds it); else FedAvg's row weight.
            ["weight"] = DpSpec is not null ? 1.0 : (double)mine / rows,
            // Differential privacy clipped the update already (and noised it); else the runner clips it to max_update_norm.
            ["update_clip"] = DpSpec is not null ? 0.0 : Spec!.MaxUpdateNorm!.Value,
        };
        return node.ToJsonString();
    }

    /// <summary>A masked update: checked, then added into the round's sum at once (the session never keeps it apart).</summary>
    private CheckedUpdate CheckSecAgg(string? output, FlRoundView round, FlUpdateView update, int rows)
    {
        if (_secagg is not { } current || current.Round != round.Round || !current.Setups.TryGetValue(update.PartIndex, out var setup))
            return CheckedUpdate.Refused("no secure-aggregation keys were agreed with this participant for this round");
        var checkedUpdate = UpdateCheck.Masked(output, Id, round.RoundId, rows, setup.Participant, setup.VectorLength);
        if (!checkedUpdate.Accepted) return checkedUpdate;
        try
        {
            current.Server.Accept(new MaskedInput(setup.Participant, checkedUpdate.Masked!));
        }
        catch (SecureAggregationException e)
        {
            return CheckedUpdate.Refused(e.Message, checkedUpdate.Parsed);
        }
        // The masked bytes are in the sum now; nothing of them stays with the update.
        return checkedUpdate with { Masked = null };
    }

    /// <summary>
    /// At close: the survivors reveal what strips the masks; the result is the weighted mean update, as one update of
    /// all the survivors' weight for the strategy. Null when the round failed (already recorded).
    /// </summary>
    private async Task<(IReadOnlyList<ClientUpdate> Updates, IReadOnlyList<int> Used)?> SecAggDeltas(FlRoundView round, IReadOnlyList<int> parts)
    {
        var current = _secagg!;
        try
        {
            var request = current.Server.CloseMasking();
            var bytes = SecAggWire.Encode(request);
            var survivors = round.Updates.Where(u => parts.Contains(u.PartIndex)).ToList();
            var dropped = new Dictionary<int, string>();
            var answers = await AskAll(survivors, u => AskPart(u, part => part.SecAggReveal(current.Setups[u.PartIndex], bytes)), dropped);
            foreach (var (_, answer) in answers)
                AcceptOrDrop(-1, dropped, () => current.Server.Accept(SecAggWire.Decode<UnmaskResponse>(answer, "unmask response")));
            var result = current.Server.Finish();
            var (mean, _) = SecureUpdateVector.Mean(result.Sum, Global());
            if (DpSpec is { Mode: FlPrivacyMode.Client })
                _indicatorSum = parts.Sum(p => _accepted[p].Parsed!.BelowClip ?? 0);
            _secagg = null;
            return ([new ClientUpdate(parts[0], mean, 1)], parts);
        }
        catch (Exception e) when (e is SecureAggregationException or ArgumentException)
        {
            _secagg = null;
            await FailRound(round, $"secure aggregation could not unmask the sum: {e.Message}");
            return null;
        }
    }

    /// <summary>
    /// After the session's silo died mid-round: the keys and the partial sum died with it. The round starts over as a
    /// new attempt (new keys, new task ids); the old attempt's tasks are cancelled and their updates never counted.
    /// </summary>
    private async Task RestartSecAggRound(FlRoundView round)
    {
        CancelOutstanding(round);
        var attempt = (round.SecAggAttempt ?? 0) + 1;
        round = ReplaceRound(round with
        {
            SecAggAttempt = attempt,
            StartedAt = Now,
            Deadline = Now + Spec!.RoundTimeout,
            Updates = Record.Participants.Where(p => !p.External).Select(p => new FlUpdateView
            {
                Runner = p.Runner, PartIndex = p.PartIndex, TaskId = RoundTasks.TaskId(Id, round.Round, p.PartIndex, attempt),
                Status = FlUpdateStatus.Pending,
            }).ToList(),
        });
        AddEvent("round_restarted", $"round {round.Round} starts over (attempt {attempt + 1}): the session's silo restarted, and the round's " +
                                    "secure-aggregation keys and partial sum lived only in its memory", round.Round);
        await Save();
        _ = SetUpSecAgg(round);
    }
}
