using System.Globalization;
using Parity.Tasks;

namespace Parity.Federation;

/// <summary>
/// Federated evaluation (<c>config.evaluation_fraction</c>): every participant holds out a fraction of its part and
/// scores each global model it receives on those rows before it trains, so the round tasks that carry round n's model
/// also bring back round n's evaluation, at no extra exchange. Only the last round's model is carried by no later round:
/// when it closes, one evaluation-only task per runner scores it, and the session completes when they have answered (or
/// at their deadline, with what came in: an evaluation needs no quorum, the model stands without it).
/// </summary>
public sealed partial class FlSessionGrain
{
    /// <summary>Runners are asked for the final evaluation; external participants train through the API and are not.</summary>
    private bool NeedsFinalEvaluation => Spec!.EvaluationFraction is not null && Record.Participants.Any(p => !p.External);

    /// <summary>
    /// Records round <paramref name="round"/>'s evaluation from the scores its model got: the accepted updates of the
    /// round after it, or the final evaluation's answers. A participant whose update was refused does not count.
    /// </summary>
    private void RecordEvaluation(int round, IEnumerable<FlUpdateView> scores)
    {
        var evaluation = RoundMetrics.Evaluation(scores
            .Where(u => u is { Status: FlUpdateStatus.Accepted, GlobalEvaluation: not null })
            .Select(u => u.GlobalEvaluation!));
        var scored = Record.Rounds.First(r => r.Round == round);
        var metrics = (scored.Metrics ?? new FlRoundMetrics()) with { FederatedEvaluation = evaluation };
        ReplaceRound(scored with { Metrics = metrics });
        AddEvent("round_evaluated", evaluation is null
            ? $"round {round}'s model: no participant's held-out score came in"
            : $"round {round}'s model on {evaluation.Rows} held-out rows of {evaluation.Participants} participants: " +
              (evaluation.Accuracy is { } accuracy
                  ? string.Create(CultureInfo.InvariantCulture, $"accuracy {accuracy:G4}, loss {evaluation.Loss:G4}")
                  : string.Create(CultureInfo.InvariantCulture, $"R² {evaluation.RSquared:G4}, MSE {evaluation.MeanSquaredError:G4}")),
            round, metrics: metrics);
    }

    /// <summary>Opens the evaluation of the last round's model: recorded first, then one task per runner.</summary>
    private async Task OpenFinalEvaluation(int round)
    {
        var evaluation = new FlRoundView
        {
            Round = round,
            // The task ids take the next round's number: they are round tasks to the hook, and distinct from the last round's.
            RoundId = RoundTasks.RoundId(Id, round) + ":evaluation",
            Status = FlRoundStatus.Collecting,
            StartedAt = Now,
            Deadline = Now + Spec!.RoundTimeout,
            Quorum = 0,
            Updates = Record.Participants.Where(p => !p.External).Select(p => new FlUpdateView
            {
                Runner = p.Runner,
                PartIndex = p.PartIndex,
                TaskId = RoundTasks.TaskId(Id, round + 1, p.PartIndex),
                Status = FlUpdateStatus.Pending,
            }).ToList(),
        };
        Record.FinalEvaluation = evaluation;
        AddEvent("evaluation_started", $"round {round}'s model sent to {evaluation.Updates.Count} participants to score on their " +
                                       $"held-out rows; deadline {evaluation.Deadline:O}", round);
        // Recorded before any task exists, as a round is: a crash from here on finds it and submits what is missing.
        await Save();
        _submitted.Clear();
        SubmitTasks(evaluation);
        StartTimer();
    }

    private void ResumeEvaluation(FlRoundView evaluation)
    {
        StartTimer();
        foreach (var update in evaluation.Updates.Where(u => u is { Status: FlUpdateStatus.Pending, TaskId: not null }))
            if (_recollecting.Add(update.TaskId!)) _ = Recollect(evaluation.RoundId, update.TaskId!);
        SubmitTasks(evaluation);
    }

    private async Task TakeEvaluation(FlTaskReport report)
    {
        var evaluation = Record.FinalEvaluation!;
        if (evaluation.Updates.FirstOrDefault(u => u.TaskId == report.TaskId) is not { } update) return;
        if (evaluation.Status != FlRoundStatus.Collecting || update.Status is not (FlUpdateStatus.Pending or FlUpdateStatus.Lost)) return;
        FlUpdateView taken;
        if (report.Status != TaskState.Completed)
        {
            taken = update with { Status = FlUpdateStatus.Failed, Reason = report.Error ?? Parity.Json.ParityJson.WireName(report.Status), ReceivedAt = Now };
        }
        else
        {
            var heldOut = Record.Participants.First(p => p.PartIndex == update.PartIndex).HeldOutRows ?? 0;
            var checkedReport = UpdateCheck.EvaluationOnly(report.Output, Id, evaluation.RoundId, heldOut);
            taken = update with
            {
                Status = checkedReport.Accepted ? FlUpdateStatus.Accepted : FlUpdateStatus.Rejected,
                Reason = checkedReport.Reason,
                GlobalEvaluation = checkedReport.Parsed?.GlobalEvaluation,
                TrainingTimeMs = checkedReport.Parsed?.TrainingMilliseconds,
                ReceivedAt = Now,
            };
        }
        Record.FinalEvaluation = evaluation = evaluation with
        {
            Updates = evaluation.Updates.Select(u => u.PartIndex == taken.PartIndex ? taken : u).ToList(),
        };
        AddEvent(taken.Status == FlUpdateStatus.Accepted ? "evaluation_received" : "evaluation_rejected",
            $"round {evaluation.Round}'s model: {Parity.Json.ParityJson.WireName(taken.Status)} evaluation from {taken.Runner}" +
            (taken.Reason is null ? $" ({taken.GlobalEvaluation!.Rows} held-out rows)" : $": {taken.Reason}"), evaluation.Round, taken.Runner);
        await Save();
        await CheckEvaluation();
    }

    /// <summary>Participants whose silo died are not waited for; missing tasks are submitted again; the deadline is kept.</summary>
    private async Task TickEvaluation()
    {
        var evaluation = Record.FinalEvaluation!;
        var changed = false;
        foreach (var update in evaluation.Updates.Where(u => u.Status == FlUpdateStatus.Pending).ToList())
        {
            if (!runners.IsSiloDead(update.Runner)) continue;
            var lost = update with { Status = FlUpdateStatus.Lost, Reason = $"{update.Runner}'s silo died", ReceivedAt = Now };
            evaluation = evaluation with { Updates = evaluation.Updates.Select(u => u.PartIndex == lost.PartIndex ? lost : u).ToList() };
            AddEvent("participant_lost", $"evaluation of round {evaluation.Round}: {update.Runner}'s silo died; no longer waiting for it",
                evaluation.Round, update.Runner);
            changed = true;
        }
        if (changed)
        {
            Record.FinalEvaluation = evaluation;
            await Save();
        }
        SubmitTasks(evaluation);
        await CheckEvaluation();
    }

    private async Task CheckEvaluation()
    {
        if (Record.Status != FlSessionStatus.Active || Record.FinalEvaluation is not { Status: FlRoundStatus.Collecting } evaluation) return;
        var pending = evaluation.Updates.Count(u => u.Status == FlUpdateStatus.Pending);
        if (pending == 0) await CloseEvaluation(evaluation, "every participant answered");
        else if (Now >= evaluation.Deadline) await CloseEvaluation(evaluation, $"deadline passed with {pending} outstanding");
    }

    /// <summary>Records the last round's evaluation with what came in, and completes the session.</summary>
    private async Task CloseEvaluation(FlRoundView evaluation, string reason)
    {
        Record.FinalEvaluation = evaluation with
        {
            Status = FlRoundStatus.Completed,
            ClosedAt = Now,
            CloseReason = reason,
            Accepted = evaluation.Updates.Count(u => u.Status == FlUpdateStatus.Accepted),
            Rejected = evaluation.Updates.Count(u => u.Status == FlUpdateStatus.Rejected),
            Updates = evaluation.Updates.Select(u => u.Status == FlUpdateStatus.Pending
                ? u with { Status = FlUpdateStatus.Lost, Reason = "not in when the evaluation closed" } : u).ToList(),
        };
        RecordEvaluation(evaluation.Round, evaluation.Updates);
        // Finish cancels the tasks still out and saves the record once, evaluation and all.
        await Finish(FlSessionStatus.Completed, null, "session_completed");
    }
}
