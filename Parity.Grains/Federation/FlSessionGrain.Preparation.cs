using System.Globalization;

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
    private bool _preparing;

    private async Task Prepare()
    {
        if (_preparing) return;
        _preparing = true;
        try
        {
            var runnersOnly = Record.Participants.Where(p => !p.External).ToList();
            var timeout = Spec!.RoundTimeout < PrepareTimeout ? Spec.RoundTimeout : PrepareTimeout;
            var calls = runnersOnly.Select(p => AskPart(p.Runner, p.PartIndex, part => part.Prepare(Setup(p.Runner, p.PartIndex)))
                .WaitAsync(timeout)).ToArray();
            try
            {
                await Task.WhenAll(calls);
            }
            catch
            {
                // Each part's own outcome is read below.
            }
            if (Record.Status != FlSessionStatus.Active || Record.Rounds.Count > 0) return;
            var ready = new List<string>();
            for (var i = 0; i < calls.Length; i++)
            {
                var runner = runnersOnly[i].Runner;
                if (calls[i].IsCompletedSuccessfully)
                {
                    var answer = calls[i].Result;
                    ready.Add(string.Create(CultureInfo.InvariantCulture, $"{runner} ({answer.Rows} rows, {answer.Milliseconds:0} ms)"));
                    continue;
                }
                var reason = calls[i].Exception?.InnerException is TimeoutException
                    ? $"no answer within {timeout.TotalSeconds:0} s"
                    : calls[i].Exception?.InnerException?.Message ?? "cancelled";
                AddEvent("participant_unprepared", $"{runner} could not prepare its part: {reason}; round 1 is sent to it anyway", runner: runner);
            }
            if (ready.Count > 0) AddEvent("participants_prepared", $"parts ready on {string.Join(", ", ready)}");
            if (Rehearses && runnersOnly.Count > 0)
            {
                await Rehearse(runnersOnly, timeout);
                if (Record.Status != FlSessionStatus.Active || Record.Rounds.Count > 0) return;
            }
            await OpenRound(1);
        }
        finally
        {
            _preparing = false;
        }
    }
}
