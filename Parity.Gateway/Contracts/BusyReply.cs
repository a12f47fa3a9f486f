namespace Parity.Gateway.Contracts;

/// <summary>The answer of a full task queue (TASK_QUEUE_LIMIT): <c>{"status":"busy"}</c> with 503.</summary>
public sealed record BusyReply(string Status)
{
    public static readonly BusyReply Instance = new("busy");
}
