namespace Parity.Federation;

/// <summary>A federated session's life: pending → active → completed, or failed / cancelled (wire: snake_case).</summary>
[GenerateSerializer]
public enum FlSessionStatus
{
    Pending,
    Active,
    Completed,
    Failed,
    Cancelled,
}
