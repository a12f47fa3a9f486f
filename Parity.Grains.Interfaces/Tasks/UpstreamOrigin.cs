namespace Parity.Tasks;

/// <summary>
/// Marks a task an upstream server handed over (a webhook push or a claim of an available task, UPSTREAM.md §3–§4): its
/// result is owed back to that server. Tasks of the cluster's own API have none.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record UpstreamOrigin
{
    /// <summary>
    /// The upstream runner (device id) the server assigned the task to, which the result must be reported as (the
    /// server answers 403 to any other); null when the push did not say, and the reporting runner's own is used.
    /// </summary>
    [Id(0)] public string? DeviceId { get; init; }
}
