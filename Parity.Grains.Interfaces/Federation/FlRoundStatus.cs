namespace Parity.Federation;

/// <summary>A round: collecting updates, then completed (aggregated) or failed (its quorum could not be reached).</summary>
[GenerateSerializer]
public enum FlRoundStatus
{
    Collecting,
    Completed,
    Failed,
}
