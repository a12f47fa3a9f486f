using System.Globalization;
using Microsoft.Extensions.Logging;
using Parity.Hosting;

namespace Parity.Federation;

/// <summary>
/// Before round 1, every runner that takes part prepares its part on its own silo: the dataset fetched by CID,
/// verified, parsed and partitioned into the silo's <see cref="ParsedDatasets"/>, where its round tasks find it; then a
/// session of weight models rehearses a round (FlSessionGrain.Rehearsal.cs). Round 1 then costs what every later round
/// costs, and a runner that cannot reach the dataset or run the session's tasks is named before anything trains.
/// </summary>
/// <remarks>
/// Preparing is best effort: a part that fails or does not answer in time is reported (<c>participant_unprepared</c>)
/// and round 1 opens anyway, where its task meets the same problem and the round's quorum rules decide. A session that
/// is active without a round is preparing; after a crash it prepares again (fetches are cached, so this is cheap).
/// </remarks>
public sealed partial class FlSessionGrain
{
    /// <summary>The longest round 1 waits for its parts to prepare (each part's fetch is bounded on its silo too).</summary>
    public static readonly TimeSpan PrepareTimeout = TimeSpan.FromMinutes(2);
    /// <summary>The longest round 1 waits for the round code's warm-up; past it, what is left compiles on first call.</summary>
    private static readonly TimeSpan WarmUpWait = TimeSpan.FromSeconds(10);
    private bool _preparing;

    private async Task Prepare()
    {
        if (_preparing) return;
        _preparing = true;
        // The round bookkeeping's code compiles beside the preparation, not in round 1 (see CodeWarmUp).
        var warmUp = CodeWarmUp.Start("Parity.Federation", ServiceProvider, typeof(FlSessionGrain).Assembly, typeof(IFlSessionGrain).Assembly);
        try
        {
            var runnersOnly = Record.Participants.Where(p => !p.External).ToList();
            var timeout = Spec!.RoundTimeout < PrepareTimeout ? Spec.RoundTimeout : PrepareTimeout;
            var settled = await ParallelCalls.Settle(
                runnersOnly.Select(p => AskPart(p.Runner, p.PartIndex, part => part.Prepare(Setup(p.Runner, p.PartIndex)))),
                timeout, $"no answer within {timeout.TotalSeconds:0} s");
            if (Record.Status != FlSessionStatus.Active || Record.Rounds.Count > 0) return;
            var ready = new List<string>();
            var prepared = new List<FlParticipantView>();
            for (var i = 0; i < settled.Length; i++)
            {
                var runner = runnersOnly[i].Runner;
                if (settled[i] is { Answered: true, Answer: { } answer })
                {
                    ready.Add(string.Create(CultureInfo.InvariantCulture, $"{runner} ({answer.Rows} rows, {answer.Milliseconds:0} ms)"));
                    prepared.Add(runnersOnly[i]);
                }
                else
                    AddEvent("participant_unprepared", $"{runner} could not prepare its part: {settled[i].Problem}; round 1 is sent to it anyway", runner: runner);
            }
            if (ready.Count > 0) AddEvent("participants_prepared", $"parts ready on {string.Join(", ", ready)}");
            // Only the parts that prepared rehearse: one that did not would make round 1 wait for it a second time.
            if (Rehearses && prepared.Count > 0)
            {
                await Rehearse(prepared, timeout);
                if (Record.Status != FlSessionStatus.Active || Record.Rounds.Count > 0) return;
            }
            if (await Task.WhenAny(warmUp, Task.Delay(WarmUpWait)) == warmUp && warmUp.IsCompletedSuccessfully)
                logger.LogDebug("FL session {SessionId}: the round code was compiled ahead ({Methods} methods, {Types} types in {Elapsed} ms)",
                    Id, warmUp.Result.Compiled, warmUp.Result.RoundTripped, warmUp.Result.Elapsed.TotalMilliseconds);
            await OpenRound(1);
        }
        finally
        {
            _preparing = false;
        }
    }
}
