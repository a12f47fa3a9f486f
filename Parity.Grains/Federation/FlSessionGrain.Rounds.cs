using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.Placement;
using Parity.Federation.Strategies;
using Parity.Learning.Data;
using Parity.Learning.Forest;
using Parity.Tasks;

namespace Parity.Federation;

/// <summary>
/// The rounds: open (persist, then submit one task per participant), take in each finished task, and close when every
/// participant has answered, or the quorum is in and the deadline has passed, or the quorum can no longer be reached.
/// </summary>
public sealed partial class FlSessionGrain
{
    private const string DriveReminder = "drive";
    private static readonly TimeSpan TickPeriod = TimeSpan.FromMilliseconds(250);
    /// <summary>The least time past a round's deadline before a participant that neither answers nor dies is given up.</summary>
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(2);
    /// <summary>This round's checked updates that count, by part: rebuilt from the round tasks after a crash.</summary>
    private readonly Dictionary<int, CheckedUpdate> _accepted = new();
    /// <summary>Round tasks being submitted, known to exist, and being read after a restart (see <see cref="SubmitTasks"/>).</summary>
    private readonly HashSet<string> _submitting = new(StringComparer.Ordinal);
    private readonly HashSet<string> _submitted = new(StringComparer.Ordinal);
    private readonly HashSet<string> _recollecting = new(StringComparer.Ordinal);
    private IGrainTimer? _timer;
    private Dataset? _testSet;
    private IReadOnlyDictionary<string, float[]>? _global;
    private byte[]? _globalBytes;

    private FlRoundView? CurrentRound => Record.Rounds.Count == 0 ? null : Record.Rounds[^1];

    public async Task TaskFinished(FlTaskReport report)
    {
        if (Spec is null) return;
        if (TakeRehearsal(report)) return;
        if (Record.FinalEvaluation is { } evaluation && evaluation.RoundId == report.RoundId)
        {
            await TakeEvaluation(report);
            return;
        }
        var round = Record.Rounds.FirstOrDefault(r => r.RoundId == report.RoundId);
        var update = round?.Updates.FirstOrDefault(u => u.TaskId == report.TaskId);
        if (round is null || update is null) return;
        await Take(round, update, report.Status, report.Output, report.Error, Stopwatch.GetTimestamp());
    }

    public async Task<FlCommandOutcome> SubmitUpdate(string runner, string roundId, string update)
    {
        if (Spec is null) return FlCommandOutcome.Missing($"no session {Id}");
        if (CurrentRound is not { } round || round.RoundId != roundId)
            return Record.Rounds.Any(r => r.RoundId == roundId)
                ? FlCommandOutcome.Refused($"round {roundId} is closed; late updates are not counted")
                : FlCommandOutcome.Missing($"session {Id} has no round {roundId}");
        if (round.Updates.FirstOrDefault(u => u.Runner == runner) is not { } slot)
            return FlCommandOutcome.Refused($"runner {runner} is not a participant of round {roundId}");
        if (IsHistogram)
            return FlCommandOutcome.Refused("a histogram forest takes its parts' histograms from their runners, not updates through this route");
        if (round.Status != FlRoundStatus.Collecting)
            return FlCommandOutcome.Refused($"round {roundId} is closed; late updates are not counted");
        // A runner's update comes from its round task; nobody may submit one in its name.
        if (slot.TaskId is not null)
            return FlCommandOutcome.Refused($"{runner} trains in this cluster: its updates come from its round tasks, not this route");
        if (slot.Status is not (FlUpdateStatus.Pending or FlUpdateStatus.Lost))
            return FlCommandOutcome.Refused($"runner {runner} already has an update in round {roundId} ({Parity.Json.ParityJson.WireName(slot.Status)})");
        var taken = await Take(round, slot, TaskState.Completed, update, null, Stopwatch.GetTimestamp(), external: true);
        return taken.Status == FlUpdateStatus.Accepted ? FlCommandOutcome.Done : FlCommandOutcome.Invalid($"update rejected: {taken.Reason}");
    }

    private async Task OpenRound(int number)
    {
        if (await StopOnPrivacyBudget(number)) return;
        var spec = Spec!;
        var roundId = RoundTasks.RoundId(Id, number);
        var round = new FlRoundView
        {
            Round = number,
            RoundId = roundId,
            Status = FlRoundStatus.Collecting,
            StartedAt = Now,
            Deadline = Now + spec.RoundTimeout,
            Quorum = spec.Quorum.Of(Record.Participants.Count),
            Updates = Record.Participants.Select(p => new FlUpdateView
            {
                Runner = p.Runner,
                PartIndex = p.PartIndex,
                // A histogram forest's parts answer through their forest part grains, not round tasks.
                TaskId = p.External || IsHistogram ? null : RoundTasks.TaskId(Id, number, p.PartIndex),
                Status = FlUpdateStatus.Pending,
            }).ToList(),
        };
        Record.Rounds.Add(round);
        Record.ExternalUpdates.Clear();
        _accepted.Clear();
        AddEvent("round_started", $"round {number} of {spec.TotalRounds} started; quorum {round.Quorum} of {Record.Participants.Count}, " +
                                  $"deadline {round.Deadline:O}", number);
        // Recorded before any task exists: a crash from here on finds the round and submits what is missing.
        await Save();
        StartTimer();
        if (IsHistogram)
        {
            StartHistogram(round);
            return;
        }
        _submitted.Clear();
        // Under secure aggregation the tasks go out once the round's keys are agreed.
        if (IsSecAgg) _ = SetUpSecAgg(round);
        else
        {
            SubmitTasks(round);
            ActivateNextRoundTasks(round);
        }
    }

    /// <summary>
    /// Activates the next round's task grains on their participants' silos while this round trains, so that opening
    /// the next round submits to grains that are already placed, loaded (an empty record read from storage) and known
    /// to this silo's directory cache, rather than paying for all three between the round's open and its tasks' start.
    /// </summary>
    /// <remarks>
    /// The ids are fixed by (session, round, part), so the activation is the one the round's submit will reach. A read
    /// of a task that does not exist yet changes nothing: an empty task grain is collected like any idle one if the
    /// session ends first. Best effort: a failed read costs the next round only the time it would have cost anyway.
    /// Measured in docs/benchmarks.md ("Next round's task grains activated ahead").
    /// </remarks>
    private void ActivateNextRoundTasks(FlRoundView round)
    {
        if (round.Round >= Spec!.TotalRounds) return;
        foreach (var update in round.Updates.Where(u => u.TaskId is not null))
            _ = ActivateAhead(RoundTasks.TaskId(Id, round.Round + 1, update.PartIndex), update.Runner);
    }

    private async Task ActivateAhead(string taskId, string runner)
    {
        try
        {
            await OnRunnerSilo(runner, () => GrainFactory.GetGrain<ITaskGrain>(taskId).Get());
        }
        catch (Exception e)
        {
            logger.LogDebug(e, "FL session {SessionId}: activating {TaskId} ahead failed; its round submits it as usual", Id, taskId);
        }
    }

    /// <summary>
    /// Submits the round's tasks not yet known to exist. The calls run beside the session's turns, never inside one: a
    /// call to a grain on a silo that just died can hang until the cluster declares it dead, and the session must keep
    /// its clock (deadlines, lost participants) meanwhile. A call that fails is made again on the next tick; submitting
    /// is idempotent on the task id.
    /// </summary>
    private void SubmitTasks(FlRoundView round)
    {
        if (!SecAggReady(round)) return;
        foreach (var update in round.Updates.Where(u => u is { Status: FlUpdateStatus.Pending, TaskId: not null }))
            if (!_submitted.Contains(update.TaskId!) && _submitting.Add(update.TaskId!)) _ = SubmitTask(round, update);
    }

    private async Task SubmitTask(FlRoundView round, FlUpdateView update)
    {
        var id = update.TaskId!;
        try
        {
            var outcome = await Submit(round, update);
            _submitted.Add(id);
            if (outcome == SubmitOutcome.Busy)
                await Self.TaskFinished(new FlTaskReport
                {
                    TaskId = id, RoundId = round.RoundId, Status = TaskState.Failed,
                    Error = "the cluster's task queue is full (RUNNER_QUEUE_LIMIT)",
                });
        }
        catch (Exception e)
        {
            logger.LogDebug(e, "FL session {SessionId}: submitting {TaskId} failed; the next tick tries again", Id, id);
        }
        finally
        {
            _submitting.Remove(id);
        }
    }

    private Task<SubmitOutcome> Submit(FlRoundView round, FlUpdateView update)
    {
        var spec = Spec!;
        var forestSession = spec.ModelType == FederatedModelType.RandomForest;
        var global = Record.Model is not null && !forestSession ? Global() : null;
        // A forest is trained once, from scratch: its global forest travels only to be scored on the held-out rows.
        var forest = forestSession && spec.EvaluationFraction is not null ? Record.Model : null;
        var mu = !forestSession && Strategy() is FedProx prox ? (float?)prox.ProximalMu : null;
        var evaluateOnly = Record.FinalEvaluation is { } final && final.RoundId == round.RoundId;
        var config = WithPrivacy(SessionPlanning.TaskConfig(spec, Id, round.RoundId, Record.Participants.Count, update.PartIndex,
            update.Runner, global, mu, forest, evaluateOnly), evaluateOnly);
        // An evaluation-only task trains nothing, so it has no update to mask.
        if (!evaluateOnly) config = WithSecureAggregation(config, update);
        var task = new ParityTask
        {
            Id = update.TaskId!,
            Title = evaluateOnly
                ? $"FL Evaluation - Session {spec.Name} Round {round.Round} (Partition {update.PartIndex + 1}/{Record.Participants.Count})"
                : $"FL Training - Session {spec.Name} Round {round.Round} (Partition {update.PartIndex + 1}/{Record.Participants.Count})",
            Type = TaskType.FederatedLearning,
            Config = config,
            Nonce = update.TaskId!,
            CreatorAddress = spec.CreatorAddress,
            ClientId = "fl-coordinator",
            CreatedAt = Now,
        };
        return SubmitOnRunnerSilo(task, update.Runner);
    }

    /// <summary>Submits a task created on its participant's silo (see HintedPlacement): it lives and dies with its participant.</summary>
    private Task<SubmitOutcome> SubmitOnRunnerSilo(ParityTask task, string runner) =>
        OnRunnerSilo(runner, () => GrainFactory.GetGrain<ITaskGrain>(task.Id).Submit(task));

    /// <summary>Makes a task grain call that places the grain, if it is not active yet, on the runner's silo.</summary>
    private Task<T> OnRunnerSilo<T>(string runner, Func<Task<T>> call)
    {
        var host = runners.Runners.FirstOrDefault(r => r.Name == runner)?.SiloAddress;
        if (!string.IsNullOrEmpty(host)) RequestContext.Set(IPlacementDirector.PlacementHintKey, SiloAddress.FromParsableString(host));
        try
        {
            // The hint travels with the call as it is made; it must not stay for the session's other calls.
            return call();
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
    }

    /// <summary>
    /// Reads a round task after a restart: when it has finished, its outcome comes back through <see cref="TaskFinished"/>
    /// as a request of its own (so it never interleaves with another); when it runs, its hook will report it.
    /// </summary>
    private async Task Recollect(string roundId, string taskId)
    {
        try
        {
            var grain = GrainFactory.GetGrain<ITaskGrain>(taskId);
            if (await grain.Get() is not { } task) return;
            _submitted.Add(taskId);
            if (!task.Status.IsTerminal()) return;
            var result = await grain.GetResult();
            await Self.TaskFinished(new FlTaskReport
            {
                TaskId = taskId, RoundId = roundId, Status = task.Status,
                Output = task.Status == TaskState.Completed ? result?.Stdout : null,
                Error = task.Error ?? result?.Error, Runner = result?.Runner ?? task.Runner,
            });
        }
        catch (Exception e)
        {
            logger.LogDebug(e, "FL session {SessionId}: reading {TaskId} failed; the next tick tries again", Id, taskId);
        }
        finally
        {
            _recollecting.Remove(taskId);
        }
    }

    private IFlSessionGrain Self => this.AsReference<IFlSessionGrain>();

    /// <summary>Records what became of one participant's task, then checks whether the round can close.</summary>
    private async Task<FlUpdateView> Take(FlRoundView round, FlUpdateView update, TaskState status, string? output, string? error,
        long arrived, bool external = false)
    {
        round = Record.Rounds.First(r => r.Round == round.Round);
        update = round.Updates.First(u => u.PartIndex == update.PartIndex);
        var open = round.Status == FlRoundStatus.Collecting && round.Round == CurrentRound!.Round;
        if (!open)
        {
            if (update.Status is FlUpdateStatus.Pending or FlUpdateStatus.Lost && status == TaskState.Completed)
            {
                var late = update with { Status = FlUpdateStatus.Late, Reason = "arrived after the round closed; not counted", ReceivedAt = Now };
                ReplaceUpdate(round, late);
                AddEvent("update_rejected", $"round {round.Round}: late update from {update.Runner} ignored", round.Round, update.Runner);
                await Save();
                return late;
            }
            return update;
        }
        // Already counted: after a restart the update is checked again only to bring its delta back into memory.
        if (update.Status == FlUpdateStatus.Accepted && _accepted.ContainsKey(update.PartIndex)) return update;
        if (update.Status is not (FlUpdateStatus.Pending or FlUpdateStatus.Lost or FlUpdateStatus.Accepted)) return update;

        FlUpdateView taken;
        if (status != TaskState.Completed)
        {
            taken = update with { Status = FlUpdateStatus.Failed, Reason = error ?? Parity.Json.ParityJson.WireName(status), ReceivedAt = Now };
        }
        else
        {
            var participant = Record.Participants.First(p => p.PartIndex == update.PartIndex);
            // With evaluation_fraction the update trained on its part less the held-out rows, and claims exactly that.
            var rows = SessionPlanning.TrainingRows(Spec!, participant.Rows);
            var checkedUpdate = Spec!.ModelType == FederatedModelType.RandomForest
                ? UpdateCheck.Forest(output, Id, round.RoundId, rows, Record.Columns, Record.Classes)
                : IsSecAgg ? CheckSecAgg(output, round, update, rows)
            : UpdateCheck.Weights(output, Id, round.RoundId, update.PartIndex, rows, Global(), Spec.MaxUpdateNorm);
            // The global model it received is scored whenever the session holds rows out and the task carried one (a
            // forest's first round carries none).
            var scored = Spec.EvaluationFraction is not null && (Spec.ModelType != FederatedModelType.RandomForest || Record.Model is not null);
            if (checkedUpdate is { Accepted: true, Parsed: { } received } &&
                UpdateCheck.Evaluation(received.GlobalEvaluation, participant.HeldOutRows, scored) is { } evaluationError)
                checkedUpdate = CheckedUpdate.Refused(evaluationError, received) with { Norm = checkedUpdate.Norm };
            checkedUpdate = CheckPrivacy(checkedUpdate);
            var parsed = checkedUpdate.Parsed;
            taken = update with
            {
                Status = checkedUpdate.Accepted ? FlUpdateStatus.Accepted : FlUpdateStatus.Rejected,
                Reason = checkedUpdate.Reason,
                DataSize = parsed?.DataSize,
                Loss = parsed?.Loss,
                Accuracy = parsed?.Accuracy,
                RSquared = parsed?.RSquared,
                TrainingTimeMs = parsed?.TrainingMilliseconds,
                ReceivedAt = update.ReceivedAt ?? Now,
                UpdateNorm = checkedUpdate.Norm,
                GlobalEvaluation = parsed?.GlobalEvaluation,
            };
            if (checkedUpdate.Accepted)
            {
                _accepted[update.PartIndex] = checkedUpdate;
                if (external) Record.ExternalUpdates[update.PartIndex] = output!;
            }
        }
        if (taken == update)
        {
            // An accepted update read again after a restart: its delta is back, and the round may now close.
            await CheckRound(arrived);
            return taken;
        }
        round = ReplaceUpdate(round, taken);
        if (update.Status != FlUpdateStatus.Accepted)
            AddEvent(taken.Status == FlUpdateStatus.Accepted ? "update_received" : "update_rejected",
                $"round {round.Round}: {Parity.Json.ParityJson.WireName(taken.Status)} update from {taken.Runner}" +
                (taken.Reason is null ? $" (loss {taken.Loss:G6}, {taken.DataSize} rows)" : $": {taken.Reason}"), round.Round, taken.Runner);
        await Save();
        await CheckRound(arrived);
        return taken;
    }

    private async Task Tick()
    {
        if (Record is { Status: FlSessionStatus.Active, FinalEvaluation.Status: FlRoundStatus.Collecting })
        {
            await TickEvaluation();
            return;
        }
        if (Record is { Status: FlSessionStatus.Active, Rounds.Count: 0 })
        {
            // The reminder finds a session that lost its preparation (an exception, a lost turn): prepare again.
            _ = Prepare();
            return;
        }
        if (Record.Status != FlSessionStatus.Active || CurrentRound is not { Status: FlRoundStatus.Collecting } round)
        {
            StopTimer();
            return;
        }
        if (IsHistogram)
        {
            await TickHistogram(round);
            return;
        }
        var changed = false;
        foreach (var update in round.Updates.Where(u => u.Status == FlUpdateStatus.Pending).ToList())
        {
            if (!runners.IsSiloDead(update.Runner)) continue;
            round = ReplaceUpdate(round, update with { Status = FlUpdateStatus.Lost, Reason = $"{update.Runner}'s silo died", ReceivedAt = Now });
            AddEvent("participant_lost", $"round {round.Round}: {update.Runner}'s silo died; no longer waiting for it", round.Round, update.Runner);
            changed = true;
        }
        // A participant that neither answers nor dies is given up after the round's time again past the deadline, and
        // never sooner than GiveUpAfter past it: while a killed silo is not yet declared dead (tens of seconds), the task
        // grains it hosted cannot take their results, and the live participants' updates wait with them.
        if (Now >= round.Deadline + (Spec!.RoundTimeout > GiveUpAfter ? Spec.RoundTimeout : GiveUpAfter))
            foreach (var update in round.Updates.Where(u => u.Status == FlUpdateStatus.Pending).ToList())
            {
                round = ReplaceUpdate(round, update with
                {
                    Status = FlUpdateStatus.Lost, Reason = "no update long after the deadline", ReceivedAt = Now,
                });
                AddEvent("participant_lost", $"round {round.Round}: no update from {update.Runner} long after the deadline",
                    round.Round, update.Runner);
                changed = true;
            }
        if (changed) await Save();
        if (CurrentRound is { Status: FlRoundStatus.Collecting } open)
        {
            SubmitTasks(open);
            RecollectAccepted(open);
        }
        await CheckRound(Stopwatch.GetTimestamp());
    }

    private async Task CheckRound(long trigger)
    {
        if (Record.Status != FlSessionStatus.Active || CurrentRound is not { Status: FlRoundStatus.Collecting } round) return;
        // After a restart, an accepted update counts only once its delta is back in memory (RecollectAccepted).
        if (round.Updates.Any(u => u.Status == FlUpdateStatus.Accepted && !_accepted.ContainsKey(u.PartIndex))) return;
        var pending = round.Updates.Count(u => u.Status == FlUpdateStatus.Pending);
        var accepted = round.Updates.Count(u => u.Status == FlUpdateStatus.Accepted);
        if (accepted < round.Quorum && accepted + pending < round.Quorum)
            await FailRound(round, $"quorum unreachable: {accepted} accepted, {pending} outstanding, quorum {round.Quorum}");
        else if (pending == 0)
            await CloseRound(round, accepted == round.Updates.Count ? "every participant answered"
                : $"nothing left to wait for: {accepted} accepted, {round.Updates.Count - accepted} failed, lost or rejected", trigger);
        else if (accepted >= round.Quorum && Now >= round.Deadline)
            await CloseRound(round, $"quorum of {round.Quorum} in at the deadline", trigger);
    }

    private async Task CloseRound(FlRoundView round, string reason, long trigger)
    {
        var spec = Spec!;
        var parts = _accepted.Keys.Order().ToList();
        FlRoundMetrics metrics;
        IReadOnlyList<int> used;
        FlRoundPrivacy? privacy = null;
        if (spec.ModelType == FederatedModelType.RandomForest)
        {
            var forest = ForestAggregation.Union(parts.Select(p => new ForestContribution(_accepted[p].Forest!, _accepted[p].Parsed!.DataSize!.Value)).ToList());
            Record.Model = ForestSerializer.Serialize(forest);
            used = parts;
            metrics = new FlRoundMetrics
            {
                OobScore = RoundMetrics.OutOfBag(parts.Select(p => (_accepted[p].Parsed!.RfMetrics?.OobScore, _accepted[p].Parsed!.DataSize!.Value))),
                FeatureImportance = forest.FeatureImportances,
            };
            metrics = await WithTestMetrics(metrics, null, forest);
        }
        else
        {
            var global = Global();
            var previous = Record.StrategyBuffers is { } buffers ? WeightsCodec.Decode(buffers) : new Dictionary<string, float[]>();
            IReadOnlyList<ClientUpdate> deltas;
            IReadOnlyList<int>? summed = null;
            if (IsSecAgg)
            {
                if (await SecAggDeltas(round, parts) is not { } secure) return;
                (deltas, summed) = secure;
            }
            else deltas = PrivateDeltas(parts);
            var result = Strategy().Aggregate(global, deltas, new StrategyState(previous, Record.StrategyRound));
            foreach (var rejection in result.Rejected)
            {
                var update = round.Updates.First(u => u.PartIndex == rejection.PartIndex);
                round = ReplaceUpdate(round, update with { Status = FlUpdateStatus.Rejected, Reason = rejection.Reason });
            }
            SetGlobal(result.Global);
            Record.StrategyBuffers = WeightsCodec.Encode(result.State.Buffers);
            Record.StrategyRound = result.State.Round;
            // Under secure aggregation the one update the strategy saw is the survivors' sum: all of them entered it.
            used = summed ?? result.Used;
            privacy = SpendPrivacy(used.Count);
            metrics = await WithTestMetrics(new FlRoundMetrics(), result.Global, null);
        }
        await Completed(round, metrics, used, reason, trigger, privacy);
    }

    /// <summary>A round's model is in: record its metrics and close it, then open the next round or finish.</summary>
    private async Task Completed(FlRoundView round, FlRoundMetrics metrics, IReadOnlyList<int> used, string reason, long? trigger,
        FlRoundPrivacy? privacy)
    {
        var spec = Spec!;
        var (trainLoss, trainAccuracy) = RoundMetrics.Training(round.Updates);
        metrics = metrics with { TrainLoss = trainLoss, TrainAccuracy = trainAccuracy };
        // This round's updates scored the previous round's model on their held-out rows: that round's evaluation.
        if (spec.EvaluationFraction is not null && round.Round > 1) RecordEvaluation(round.Round - 1, round.Updates);
        Record.ModelRound = round.Round;
        round = ReplaceRound(round with
        {
            Status = FlRoundStatus.Completed,
            ClosedAt = Now,
            CloseReason = reason,
            Metrics = metrics,
            Aggregated = used,
            Accepted = round.Updates.Count(u => u.Status == FlUpdateStatus.Accepted),
            Rejected = round.Updates.Count(u => u.Status == FlUpdateStatus.Rejected),
            Updates = round.Updates.Select(u => u.Status == FlUpdateStatus.Pending
                ? u with { Status = FlUpdateStatus.Lost, Reason = "not in when the round closed" } : u).ToList(),
            AggregationMs = trigger is { } start ? Stopwatch.GetElapsedTime(start).TotalMilliseconds : null,
            Privacy = privacy,
        });
        FederationMetrics.RecordRound(FederatedTaskConfig.WireName(spec.ModelType), completed: true, Now - round.StartedAt);
        AddEvent("round_aggregated", $"round {round.Round} aggregated from {used.Count} updates ({reason})" +
            (privacy is null ? "" : $"; ε {privacy.Epsilon:G4} spent at δ {privacy.Delta:G3}"), round.Round, metrics: metrics, privacy: privacy);
        CancelOutstanding(round);
        _accepted.Clear();
        Record.ExternalUpdates.Clear();
        if (round.Round >= spec.TotalRounds)
        {
            if (NeedsFinalEvaluation) await OpenFinalEvaluation(round.Round);
            else await Finish(FlSessionStatus.Completed, null, "session_completed");
            return;
        }
        await Save();
        await OpenRound(round.Round + 1);
    }

    private async Task FailRound(FlRoundView round, string reason)
    {
        round = ReplaceRound(round with
        {
            Status = FlRoundStatus.Failed,
            ClosedAt = Now,
            CloseReason = reason,
            Accepted = round.Updates.Count(u => u.Status == FlUpdateStatus.Accepted),
            Rejected = round.Updates.Count(u => u.Status == FlUpdateStatus.Rejected),
        });
        FederationMetrics.RecordRound(FederatedTaskConfig.WireName(Spec!.ModelType), completed: false, Now - round.StartedAt);
        AddEvent("round_failed", $"round {round.Round} failed: {reason}", round.Round);
        CancelOutstanding(round);
        await Finish(FlSessionStatus.Failed, $"round {round.Round}: {reason}", "session_failed");
    }

    private async Task Finish(FlSessionStatus status, string? error, string eventType)
    {
        StopHistogram();
        _secagg = null;
        if (CurrentRound is { } round) CancelOutstanding(round);
        if (Record.FinalEvaluation is { } evaluation)
        {
            if (evaluation.Status == FlRoundStatus.Collecting)
                Record.FinalEvaluation = evaluation with { Status = FlRoundStatus.Failed, ClosedAt = Now, CloseReason = error };
            CancelOutstanding(evaluation);
        }
        Record.Status = status;
        Record.Error = error;
        Record.CompletedAt = Now;
        AddEvent(eventType, status switch
        {
            FlSessionStatus.Completed => $"session completed after {Record.Rounds.Count} rounds{PrivacyStopNote}",
            _ => $"session {Parity.Json.ParityJson.WireName(status)}: {error}",
        });
        await Save();
        StopTimer();
        try
        {
            if (await this.GetReminder(DriveReminder) is { } reminder) await this.UnregisterReminder(reminder);
        }
        catch (Exception e)
        {
            logger.LogDebug(e, "Reminder of FL session {SessionId} not removed; it will find the session finished", Id);
        }
    }

    /// <summary>After a crash (or a deactivation): rebuild the open round from its tasks, or open the next one.</summary>
    private async Task Resume()
    {
        if (CurrentRound is not { } round)
        {
            // Active without a round: it was preparing its parts.
            _ = Prepare();
            return;
        }
        AddEvent("session_resumed", $"session resumed on {RuntimeIdentity} at round {round.Round} " +
                                    $"({Parity.Json.ParityJson.WireName(round.Status)})", round.Round);
        if (round.Status == FlRoundStatus.Completed)
        {
            if (round.Round < Spec!.TotalRounds) await OpenRound(round.Round + 1);
            else if (Record.FinalEvaluation is { Status: FlRoundStatus.Collecting } evaluation) ResumeEvaluation(evaluation);
            else if (Record.FinalEvaluation is null && NeedsFinalEvaluation) await OpenFinalEvaluation(round.Round);
            else await Finish(FlSessionStatus.Completed, null, "session_completed");
            return;
        }
        if (round.Status != FlRoundStatus.Collecting) return;
        StartTimer();
        if (IsHistogram)
        {
            StartHistogram(round);
            return;
        }
        if (IsSecAgg)
        {
            await RestartSecAggRound(round);
            return;
        }
        foreach (var (part, json) in Record.ExternalUpdates.ToList())
            await Take(round, round.Updates.First(u => u.PartIndex == part), TaskState.Completed, json, null, Stopwatch.GetTimestamp(), external: true);
        if (CurrentRound is not { Status: FlRoundStatus.Collecting } open || open.Round != round.Round) return;
        // The round tasks are read and (where a crash kept them from being created) submitted beside the activation.
        RecollectAccepted(open);
        foreach (var update in open.Updates.Where(u => u is { Status: FlUpdateStatus.Pending, TaskId: not null }))
            if (_recollecting.Add(update.TaskId!)) _ = Recollect(open.RoundId, update.TaskId!);
        SubmitTasks(open);
    }

    /// <summary>Accepted updates whose deltas this activation does not hold (it started after they came): read them again.</summary>
    private void RecollectAccepted(FlRoundView round)
    {
        foreach (var update in round.Updates.Where(u => u is { Status: FlUpdateStatus.Accepted, TaskId: not null } && !_accepted.ContainsKey(u.PartIndex)))
            if (_recollecting.Add(update.TaskId!)) _ = Recollect(round.RoundId, update.TaskId!);
    }

    private void CancelOutstanding(FlRoundView round)
    {
        foreach (var update in round.Updates.Where(u => u is { Status: FlUpdateStatus.Pending or FlUpdateStatus.Lost, TaskId: not null }))
            GrainFactory.GetGrain<ITaskGrain>(update.TaskId!).Cancel($"round {round.Round} of FL session {Id} closed").Ignore();
    }

    private async Task<FlRoundMetrics> WithTestMetrics(FlRoundMetrics metrics, IReadOnlyDictionary<string, float[]>? weights, RandomForest? forest)
    {
        if (Spec!.TestDatasetCid is not { } cid) return metrics;
        try
        {
            _testSet ??= await ReadDataset(cid, Spec.TrainingData.DataFormat, "test_dataset_cid");
            var test = SessionPlanning.Evaluate(Spec, weights, forest, _testSet, Record.Columns);
            return metrics with
            {
                TestLoss = test.TestLoss,
                TestAccuracy = test.TestAccuracy,
                TestRSquared = test.TestRSquared,
                TestMeanSquaredError = test.TestMeanSquaredError,
                TestRows = test.TestRows,
            };
        }
        catch (Exception e) when (e is SessionInputException or DatasetException or Learning.Models.ModelConfigException)
        {
            // The round's model stands; only its test score is missing, and the log says why.
            logger.LogWarning("FL session {SessionId}: no test metrics: {Reason}", Id, e.Message);
            return metrics;
        }
    }

    private IAggregationStrategy Strategy() => _strategy ??= StrategyCatalog.Create(Spec!.AggregationMethod, Config(Spec));

    /// <summary>
    /// The global weights, decoded once per model rather than for every update checked and every task submitted.
    /// </summary>
    private IReadOnlyDictionary<string, float[]> Global()
    {
        if (_global is null || !ReferenceEquals(_globalBytes, Record.Model))
        {
            _global = WeightsCodec.Decode(Record.Model!);
            _globalBytes = Record.Model;
        }
        return _global;
    }

    private void SetGlobal(IReadOnlyDictionary<string, float[]> weights)
    {
        Record.Model = WeightsCodec.Encode(weights);
        _global = weights;
        _globalBytes = Record.Model;
    }

    private FlRoundView ReplaceRound(FlRoundView round)
    {
        var index = Record.Rounds.FindIndex(r => r.Round == round.Round);
        Record.Rounds[index] = round;
        return round;
    }

    private FlRoundView ReplaceUpdate(FlRoundView round, FlUpdateView update)
    {
        var current = Record.Rounds.First(r => r.Round == round.Round);
        return ReplaceRound(current with { Updates = current.Updates.Select(u => u.PartIndex == update.PartIndex ? update : u).ToList() });
    }

    private void StartTimer() =>
        _timer ??= this.RegisterGrainTimer(Tick, new GrainTimerCreationOptions { DueTime = TickPeriod, Period = TickPeriod, KeepAlive = true });

    private void StopTimer()
    {
        _timer?.Dispose();
        _timer = null;
    }
}
