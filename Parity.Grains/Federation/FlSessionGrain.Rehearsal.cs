using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Parity.Federation.Strategies;
using Parity.Tasks;

namespace Parity.Federation;

/// <summary>
/// The rehearsal before round 1 of a session that trains weight models: each runner gets one round task, through the
/// same path a round task takes (task grain, queue, lease, the runner's executor, the result back through the hook),
/// that trains on a few of its rows and answers with the global weights it received (see
/// <see cref="FederatedTaskConfig.Rehearsal"/>). The session checks each answer as it checks an update and aggregates
/// them once, throwing the result away.
/// </summary>
/// <remarks>
/// Why: every step of a round is code that runs for the first time in a fresh process (the silos run without tiered
/// compilation, so each first call compiles optimised code), and grains that are activated for the first time; round 1
/// paid for all of it, seconds where the other rounds take tens of milliseconds. The rehearsal pays it before the
/// session's clock starts, and names a runner that cannot run the session's tasks (a shape that does not match, a
/// runner that takes no tasks) before anything trains. Nothing learnt from the data leaves a runner, so it needs no
/// privacy budget and is safe under secure aggregation. Like preparation it is best effort: a failed or late rehearsal
/// is reported (<c>participant_unprepared</c>) and round 1 opens anyway.
/// </remarks>
public sealed partial class FlSessionGrain
{
    /// <summary>Open rehearsal tasks by id, completed by their reports. Memory only: after a crash it runs again.</summary>
    private Dictionary<string, TaskCompletionSource<FlTaskReport>>? _rehearsals;

    private bool Rehearses => Spec!.ModelType != FederatedModelType.RandomForest && Record.Model is not null;

    private async Task Rehearse(IReadOnlyList<FlParticipantView> participants, TimeSpan timeout)
    {
        var spec = Spec!;
        var roundId = RoundTasks.RoundId(Id, 0);
        var global = Global();
        var mu = Strategy() is FedProx prox ? (float?)prox.ProximalMu : null;
        var clock = Stopwatch.StartNew();
        _rehearsals = participants.ToDictionary(p => RoundTasks.TaskId(Id, 0, p.PartIndex),
            _ => new TaskCompletionSource<FlTaskReport>(TaskCreationOptions.RunContinuationsAsynchronously), StringComparer.Ordinal);
        foreach (var participant in participants)
        {
            var id = RoundTasks.TaskId(Id, 0, participant.PartIndex);
            var task = new ParityTask
            {
                Id = id,
                Title = $"FL Rehearsal - Session {spec.Name} (Partition {participant.PartIndex + 1}/{Record.Participants.Count})",
                Type = TaskType.FederatedLearning,
                Config = SessionPlanning.TaskConfig(spec, Id, roundId, Record.Participants.Count, participant.PartIndex,
                    participant.Runner, global, mu, rehearsal: true),
                Nonce = id,
                CreatorAddress = spec.CreatorAddress,
                ClientId = "fl-coordinator",
                CreatedAt = Now,
            };
            _ = SubmitRehearsal(task, participant.Runner);
        }
        var reports = await ParallelCalls.Settle(_rehearsals.Values.Select(t => t.Task), timeout,
            $"its rehearsal did not finish within {timeout.TotalSeconds:0} s");
        _rehearsals = null;
        if (Record.Status != FlSessionStatus.Active || Record.Rounds.Count > 0) return;

        var updates = new List<ClientUpdate>();
        for (var i = 0; i < participants.Count; i++)
        {
            var participant = participants[i];
            string? problem;
            if (reports[i] is not { Answered: true, Answer: { } report }) problem = reports[i].Problem;
            else if (report.Status != TaskState.Completed)
                problem = $"its rehearsal {Parity.Json.ParityJson.WireName(report.Status)}: {report.Error ?? "no reason given"}";
            else
            {
                var check = UpdateCheck.Weights(report.Output, Id, roundId, participant.PartIndex,
                    Math.Min(participant.Rows, FederatedTaskConfig.RehearsalRows), global, maxNorm: null);
                if (check is { Accepted: true, Delta: { } delta }) updates.Add(delta);
                problem = check.Accepted ? null : $"its rehearsal's update was refused: {check.Reason}";
            }
            if (problem is not null)
                AddEvent("participant_unprepared", $"{participant.Runner}: {problem}; round 1 is sent to it anyway", runner: participant.Runner);
        }
        if (updates.Count > 0)
        {
            try
            {
                // The round's close, once, on updates that change nothing; the result and the state are thrown away.
                var buffers = Record.StrategyBuffers is { } saved ? WeightsCodec.Decode(saved) : new Dictionary<string, float[]>();
                Strategy().Aggregate(global, updates, new StrategyState(buffers, Record.StrategyRound));
            }
            catch (ArgumentException e)
            {
                // Too few for the strategy (Krum wants several): the rounds will say so if it matters.
                logger.LogDebug(e, "FL session {SessionId}: the rehearsal's aggregation was skipped", Id);
            }
            AddEvent("participants_rehearsed", string.Create(CultureInfo.InvariantCulture,
                $"{updates.Count} of {participants.Count} runners ran a round task in {clock.Elapsed.TotalMilliseconds:0} ms"));
        }
    }

    /// <summary>Submits one rehearsal task; one that already exists (a crash during the rehearsal) is read instead.</summary>
    private async Task SubmitRehearsal(ParityTask task, string runner)
    {
        try
        {
            if (await SubmitOnRunnerSilo(task, runner) != SubmitOutcome.Duplicate) return;
            var grain = GrainFactory.GetGrain<ITaskGrain>(task.Id);
            if (await grain.Get() is not { Status: var status } existing || !status.IsTerminal()) return;
            var result = await grain.GetResult();
            TakeRehearsal(new FlTaskReport
            {
                TaskId = task.Id, RoundId = RoundTasks.RoundId(Id, 0), Status = status,
                Output = status == TaskState.Completed ? result?.Stdout : null,
                Error = existing.Error ?? result?.Error, Runner = result?.Runner ?? existing.Runner,
            });
        }
        catch (Exception e)
        {
            // Best effort: the round's own task meets whatever this was.
            _rehearsals?.GetValueOrDefault(task.Id)?.TrySetResult(new FlTaskReport
            {
                TaskId = task.Id, RoundId = RoundTasks.RoundId(Id, 0), Status = TaskState.Failed, Error = e.Message,
            });
        }
    }

    /// <returns>Whether the report was a rehearsal's (taken, or one nobody waits for any more).</returns>
    private bool TakeRehearsal(FlTaskReport report)
    {
        if (report.RoundId != RoundTasks.RoundId(Id, 0)) return false;
        _rehearsals?.GetValueOrDefault(report.TaskId)?.TrySetResult(report);
        return true;
    }
}
