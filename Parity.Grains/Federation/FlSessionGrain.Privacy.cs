using System.Globalization;
using System.Text.Json.Nodes;
using Parity.Federation.Privacy;
using Parity.Federation.Strategies;

namespace Parity.Federation;

/// <summary>
/// Differential privacy in a session (<c>config.privacy_config</c>, <see cref="FlPrivacySpec"/>): the clip and noise
/// each round task carries in client mode, the clipping and noise at aggregation in server mode, adaptive clipping,
/// and the accountant. The ε is recomputed from the rounds' records (<see cref="FlRoundPrivacy"/>), never stored, so a
/// resumed session reports what it reported before. The other partial files only call in here.
/// </summary>
public sealed partial class FlSessionGrain
{
    /// <summary>The sum of this round's centred clip indicators (noised in client mode, raw in server mode), from <see cref="PrivateDeltas"/>.</summary>
    private double _indicatorSum;

    private FlPrivacySpec? DpSpec => Spec?.Privacy;

    /// <summary>The clip the open (or next) round uses.</summary>
    private double DpClip => Record.Privacy?.Clip ?? DpSpec!.L2NormClip;

    /// <summary>
    /// At start, with the participants known: δ must be below 1/n (at creation it was checked against min_participants),
    /// and the first round must fit within max_epsilon. Null when it passes; then the clip starts at l2_norm_clip.
    /// </summary>
    private string? StartPrivacy(int participants, int quorum)
    {
        if (DpSpec is not { } dp) return null;
        if (dp.TargetDelta >= 1.0 / participants)
            return $"config.privacy_config.target_delta {Format(dp.TargetDelta)} must be below 1/n for the {participants} participants " +
                   $"({Format(1.0 / participants)})";
        var first = DifferentialPrivacy.Epsilon([WorstCaseMultiplier(dp, participants, quorum)], dp.TargetDelta).Epsilon;
        if (dp.MaxEpsilon is { } max && first > max)
            return $"config.privacy_config.max_epsilon {Format(max)} is below the ε {Format(first)} a single round spends " +
                   $"(noise_multiplier {Format(dp.NoiseMultiplier)}, target_delta {Format(dp.TargetDelta)}, {participants} participants, quorum {quorum})";
        Record.Privacy = new FlPrivacyState { Clip = dp.L2NormClip };
        return null;
    }

    /// <summary>
    /// Before a round opens: when it could take ε past max_epsilon, the session completes instead, with the reason in
    /// its privacy view and its last event. The round is counted at its worst case: in client mode with only the
    /// quorum's updates aggregated, the least noise a closed round can carry.
    /// </summary>
    private async Task<bool> StopOnPrivacyBudget(int round)
    {
        if (DpSpec is not { MaxEpsilon: { } max } dp) return false;
        var participants = Record.Participants.Count;
        var charged = ChargedMultipliers().ToList();
        var projected = DifferentialPrivacy.Epsilon([.. charged, WorstCaseMultiplier(dp, participants, Spec!.Quorum.Of(participants))], dp.TargetDelta).Epsilon;
        if (projected <= max) return false;
        var spent = DifferentialPrivacy.Epsilon(charged, dp.TargetDelta).Epsilon;
        Record.Privacy ??= new FlPrivacyState { Clip = dp.L2NormClip };
        Record.Privacy.StopReason = $"privacy budget: round {round} could take ε to {Format(projected)}, past config.privacy_config.max_epsilon " +
                                    $"{Format(max)}; stopped after {round - 1} rounds at ε {Format(spent)} (δ {Format(dp.TargetDelta)})";
        await Finish(FlSessionStatus.Completed, null, "session_completed");
        return true;
    }

    private static double WorstCaseMultiplier(FlPrivacySpec dp, int participants, int quorum) =>
        DifferentialPrivacy.ChargedMultiplier(dp, Math.Min(quorum, participants), participants);

    /// <summary>Client mode: the round task's <c>privacy</c>, this round's clip and the noise each participant adds.</summary>
    private string WithPrivacy(string taskConfig, bool evaluateOnly)
    {
        if (DpSpec is not { Mode: FlPrivacyMode.Client } dp || evaluateOnly) return taskConfig;
        var participants = Record.Participants.Count;
        var node = JsonNode.Parse(taskConfig)!.AsObject();
        var privacy = new JsonObject
        {
            ["l2_norm_clip"] = DpClip,
            ["noise_stddev"] = DifferentialPrivacy.ClientNoiseStddev(DifferentialPrivacy.UpdateNoiseMultiplier(dp), DpClip, participants),
        };
        if (dp.Clipping == FlClipping.Adaptive)
            privacy["count_noise_stddev"] = DifferentialPrivacy.ClientCountStddev(dp.ClipCountStddev!.Value, participants);
        node["privacy"] = privacy;
        return node.ToJsonString();
    }

    /// <summary>Client mode with adaptive clipping: an update must carry its noised clip indicator.</summary>
    private CheckedUpdate CheckPrivacy(CheckedUpdate update)
    {
        if (DpSpec is not { Mode: FlPrivacyMode.Client, Clipping: FlClipping.Adaptive } || update is not { Accepted: true, Parsed: { } parsed })
            return update;
        return parsed.BelowClip is { } value && double.IsFinite(value) ? update
            : CheckedUpdate.Refused("the update has no finite below_clip: this session's adaptive clipping needs each participant's noised clip indicator",
                parsed) with { Norm = update.Norm };
    }

    /// <summary>
    /// The round's accepted updates as the strategy takes them: without differential privacy, as they came; in client
    /// mode with equal weights (already clipped and noised on the runners); in server mode clipped, weighted equally
    /// and noised here. Also leaves the sum of the clip indicators in <see cref="_indicatorSum"/>.
    /// </summary>
    private IReadOnlyList<ClientUpdate> PrivateDeltas(IReadOnlyList<int> parts)
    {
        var updates = parts.Select(p => _accepted[p].Delta!).ToList();
        if (DpSpec is not { } dp) return updates;
        if (dp.Mode == FlPrivacyMode.Client)
        {
            _indicatorSum = parts.Sum(p => _accepted[p].Parsed!.BelowClip ?? 0);
            return DifferentialPrivacy.EqualWeights(updates);
        }
        var noise = GaussianNoise.Secure();
        var (noised, indicators) = DifferentialPrivacy.ServerAggregateInput(updates, DpClip,
            DifferentialPrivacy.UpdateNoiseMultiplier(dp) * DpClip, noise);
        _indicatorSum = dp.Clipping == FlClipping.Adaptive ? indicators + dp.ClipCountStddev!.Value * noise.Next() : indicators;
        return noised;
    }

    /// <summary>After aggregation: the round's charge, the ε so far, and under adaptive clipping the next round's clip.</summary>
    private FlRoundPrivacy? SpendPrivacy(int aggregated)
    {
        if (DpSpec is not { } dp || aggregated == 0) return null;
        var participants = Record.Participants.Count;
        var multiplier = DifferentialPrivacy.ChargedMultiplier(dp, aggregated, participants);
        var (epsilon, order) = DifferentialPrivacy.Epsilon([.. ChargedMultipliers(), multiplier], dp.TargetDelta);
        var clip = DpClip;
        double? fraction = null, next = null;
        if (dp.Clipping == FlClipping.Adaptive)
        {
            fraction = AdaptiveClip.UnclippedFraction(_indicatorSum, aggregated);
            next = AdaptiveClip.Next(clip, fraction.Value, dp.TargetQuantile!.Value, dp.ClipLearningRate!.Value);
            Record.Privacy ??= new FlPrivacyState();
            Record.Privacy.Clip = next.Value;
        }
        return new FlRoundPrivacy
        {
            Clip = clip,
            NoiseMultiplier = multiplier,
            SamplingRate = DifferentialPrivacy.SamplingRate,
            Aggregated = aggregated,
            Epsilon = epsilon,
            Delta = dp.TargetDelta,
            Order = order,
            UnclippedFraction = fraction,
            NextClip = next,
        };
    }

    /// <summary>The multipliers the aggregated rounds were charged at, from their records.</summary>
    private IEnumerable<double> ChargedMultipliers() =>
        Record.Rounds.Where(r => r is { Status: FlRoundStatus.Completed, Privacy: not null }).Select(r => r.Privacy!.NoiseMultiplier);

    private FlPrivacyView? PrivacyView()
    {
        if (DpSpec is not { } dp) return null;
        var charged = ChargedMultipliers().ToList();
        var (epsilon, order) = DifferentialPrivacy.Epsilon(charged, dp.TargetDelta);
        double? updateEpsilon = null;
        // Under secure aggregation the session never sees a single update: nobody holds one to hold it against.
        if (dp.Mode == FlPrivacyMode.Client && Record.Participants.Count > 0 && !IsSecAgg)
        {
            // Every round opened: a participant's update may have reached the session even when the round then failed.
            var local = DifferentialPrivacy.UpdateMultiplier(dp.NoiseMultiplier, Record.Participants.Count);
            updateEpsilon = DifferentialPrivacy.Epsilon(Enumerable.Repeat(local, Record.Rounds.Count), dp.TargetDelta).Epsilon;
        }
        return new FlPrivacyView
        {
            Mode = dp.Mode,
            Clipping = dp.Clipping,
            Epsilon = epsilon,
            Delta = dp.TargetDelta,
            Order = order,
            Rounds = charged.Count,
            NoiseMultiplier = dp.NoiseMultiplier,
            Clip = DpClip,
            MaxEpsilon = dp.MaxEpsilon,
            UpdateEpsilon = updateEpsilon,
            StopReason = Record.Privacy?.StopReason,
        };
    }

    /// <summary>The completion message's tail when the privacy budget ended the session.</summary>
    private string PrivacyStopNote => Record.Privacy?.StopReason is { } reason ? $" of {Spec!.TotalRounds}: {reason}" : "";

    private static string Format(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
