using Orleans.Concurrency;

namespace Parity.Federation;

/// <summary>
/// One federated session (key: session id): its participants, rounds, global model and strategy state, durable, so a
/// crash of its silo resumes it from the last completed round.
/// </summary>
public interface IFlSessionGrain : IGrainWithStringKey
{
    /// <summary>Checks the spec against the cluster (strategy parameters, the dataset by CID) and stores it, pending.</summary>
    Task<FlCommandOutcome> Create(FlSessionSpec spec);

    /// <summary>Fixes the participants and their parts, and starts round 1.</summary>
    Task<FlCommandOutcome> Start();

    Task<FlCommandOutcome> Cancel(string reason);

    Task<FlSessionView?> Get();

    Task<FlRoundView?> GetRound(int round);

    Task<FlModelView?> GetModel();

    /// <summary>
    /// The session's events after sequence <paramref name="after"/>: at once when there are some, else as soon as the
    /// next happens (or an empty list after <paramref name="maxWait"/>, or when the session has finished and all were
    /// seen). A long wait that never blocks the session's other calls: the event stream is made of these.
    /// </summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<FlSessionEvent>> NextEvents(long after, TimeSpan maxWait);

    /// <summary>A round task of this session finished (its completion hook). Idempotent per task.</summary>
    Task TaskFinished(FlTaskReport report);

    /// <summary>
    /// A model update submitted through the upstream's route by the participant <paramref name="runner"/> for
    /// <paramref name="roundId"/>; <paramref name="update"/> is the update's JSON.
    /// </summary>
    Task<FlCommandOutcome> SubmitUpdate(string runner, string roundId, string update);

    /// <summary>Wakes the session so it re-checks its round (the index's sweep; brings a session back after its silo died).</summary>
    Task Poke();
}
