namespace Parity.Federation;

/// <summary>
/// What a session with differential privacy keeps besides its rounds: the clip the next round uses (it moves under
/// adaptive clipping) and why it stopped on its budget. The ε is not stored: it is recomputed from the rounds'
/// <see cref="FlRoundPrivacy"/>, so a resumed session reports the same figure.
/// </summary>
[GenerateSerializer]
public sealed class FlPrivacyState
{
    [Id(0)] public double Clip { get; set; }
    [Id(1)] public string? StopReason { get; set; }
}
