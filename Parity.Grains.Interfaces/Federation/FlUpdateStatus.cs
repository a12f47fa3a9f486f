namespace Parity.Federation;

/// <summary>
/// What became of one participant's part of a round: still awaited; accepted into the aggregate; rejected (with its
/// reason: a wrong shape, a non-finite value, a wrong sample count); failed (its task failed); lost (its silo died);
/// late (it arrived after the round closed, and was ignored).
/// </summary>
[GenerateSerializer]
public enum FlUpdateStatus
{
    Pending,
    Accepted,
    Rejected,
    Failed,
    Lost,
    Late,
}
