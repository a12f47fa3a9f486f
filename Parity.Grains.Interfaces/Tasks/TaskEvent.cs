namespace Parity.Tasks;

/// <summary>One line of a task's lifecycle log: submitted, dispatched, lease lapsed, completed…</summary>
[GenerateSerializer, Immutable]
public sealed record TaskEvent(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Message);
