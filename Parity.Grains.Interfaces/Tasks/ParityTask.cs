using System.Text.Json.Serialization;
using Parity.Json;

namespace Parity.Tasks;

/// <summary>
/// A task as the upstream protocol carries it (UPSTREAM.md §4), plus the runner and attempt bookkeeping that Parity adds.
/// <c>config</c> and <c>environment.config</c> are free-form JSON kept as raw text.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ParityTask
{
    [Id(0)] public string Id { get; init; } = "";
    [Id(1)] public string Title { get; init; } = "";
    [Id(2)] public string Description { get; init; } = "";
    [Id(3)] public TaskType Type { get; init; }
    [Id(4)] public TaskState Status { get; init; } = TaskState.Pending;
    [Id(5), JsonConverter(typeof(RawJsonConverter))] public string? Config { get; init; }
    [Id(6)] public TaskEnvironment? Environment { get; init; }
    [Id(7)] public string Nonce { get; init; } = "";
    [Id(8)] public decimal Reward { get; init; }
    [Id(9)] public string? CreatorAddress { get; init; }
    [Id(10)] public DateTimeOffset CreatedAt { get; init; }
    [Id(11)] public DateTimeOffset UpdatedAt { get; init; }
    [Id(12)] public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Silo name of the runner that holds (or last held) the task.</summary>
    [Id(13)] public string? Runner { get; init; }
    /// <summary>
    /// Number of the current (or last) dispatch attempt: every offer to a runner takes the next number, so it is the one
    /// a runner's calls, the result and the live output carry. 0 before the first dispatch.
    /// </summary>
    [Id(14)] public int Attempt { get; init; }
    /// <summary>Why the task failed or was cancelled, in words.</summary>
    [Id(15)] public string? Error { get; init; }
    /// <summary>Who submitted it, for usage totals: the gateway's X-Client-ID, else the creator address.</summary>
    [Id(16)] public string? ClientId { get; init; }
    /// <summary>
    /// Set when an upstream server handed the task over (network mode): its result is reported back there. Never on the
    /// wire: a submitter cannot claim it, only the webhook and the network lifecycle set it.
    /// </summary>
    [Id(17), JsonIgnore] public UpstreamOrigin? Upstream { get; init; }
    /// <summary>
    /// The creator's device id in the StakeWallet (the upstream's tasks.creator_device_id): whose stake pays the task's
    /// reward. The gateway's API is the operator's (it needs the API key off loopback), so the operator vouches for it.
    /// Null: the reward is recorded and stays unpaid.
    /// </summary>
    [Id(18)] public string? CreatorDeviceId { get; init; }
}

[GenerateSerializer, Immutable]
public sealed record TaskEnvironment
{
    [Id(0)] public string Type { get; init; } = "";
    [Id(1), JsonConverter(typeof(RawJsonConverter))] public string? Config { get; init; }
}
