namespace Parity.Federation.Strategies;

/// <summary>How an adaptive server optimiser updates its second moment v from the mean delta Δ.</summary>
internal enum SecondMomentRule
{
    /// <summary>v ← v + Δ²</summary>
    Adagrad,

    /// <summary>v ← β₂ v + (1 − β₂) Δ²</summary>
    Adam,

    /// <summary>v ← v − (1 − β₂) Δ² sign(v − Δ²)</summary>
    Yogi,
}
