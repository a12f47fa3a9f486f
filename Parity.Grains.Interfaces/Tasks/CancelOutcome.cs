namespace Parity.Tasks;

/// <summary>What a cancel request did.</summary>
[GenerateSerializer]
public enum CancelOutcome
{
    Cancelled,
    AlreadyFinished,
    NotFound,
}
