namespace Parity.Federation.Privacy.SecureAggregation;

/// <summary>The four exchanges of a secure-aggregation round, in order; <see cref="Done"/> once the sum is out.</summary>
public enum SecAggStep
{
    /// <summary>Each participant sends its two public keys.</summary>
    Advertising,
    /// <summary>Each participant sends its secret shares, encrypted to each peer.</summary>
    Sharing,
    /// <summary>Each participant sends its masked update.</summary>
    Masking,
    /// <summary>Each survivor reveals the shares that let the server remove the masks.</summary>
    Unmasking,
    Done,
}
