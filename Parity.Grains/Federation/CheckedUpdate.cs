using Parity.Federation.Strategies;
using Parity.Learning.Forest;

namespace Parity.Federation;

/// <summary>
/// One participant's update after <see cref="UpdateCheck"/>: the parsed update (when it parsed), and either what enters
/// the aggregate (a weight delta, or a forest) or the reason it was refused.
/// </summary>
public sealed record CheckedUpdate
{
    public ReceivedUpdate? Parsed { get; init; }
    public ClientUpdate? Delta { get; init; }
    public RandomForest? Forest { get; init; }
    public double? Norm { get; init; }
    /// <summary>Under secure aggregation, the masked vector until it is added into the round's sum.</summary>
    public byte[]? Masked { get; init; }
    public string? Reason { get; init; }

    public bool Accepted => Reason is null;

    public static CheckedUpdate Refused(string reason, ReceivedUpdate? parsed = null) => new() { Reason = reason, Parsed = parsed };
}
