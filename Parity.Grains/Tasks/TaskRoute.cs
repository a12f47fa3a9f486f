namespace Parity.Tasks;

/// <summary>Where a task may go now, as its type's <see cref="ITaskRouter"/> sees it.</summary>
public sealed record TaskRoute
{
    /// <summary>Runners to offer the task to, best first.</summary>
    public IReadOnlyList<string> Runners { get; init; } = [];

    /// <summary>
    /// The task must wait for something under way (a model pull): no dispatch this time, and the note goes to the task's
    /// log when its <see cref="WaitKey"/> changes (not on every tick).
    /// </summary>
    public string? Waiting { get; init; }
    public string? WaitKey { get; init; }

    /// <summary>Why no runner in the cluster can take the task; it fails with this when that holds long enough.</summary>
    public string? Unroutable { get; init; }

    /// <summary>
    /// <see cref="Unroutable"/> cannot change while the cluster's runners live (no runner it knows, online or not, takes
    /// the type, and runners decide that at start): the task fails at once instead of after a grace period.
    /// </summary>
    public bool UnroutableForGood { get; init; }
}
