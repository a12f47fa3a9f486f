namespace Parity.Federation.Privacy.SecureAggregation;

/// <summary>
/// What every party of one secure-aggregation round agrees on before it starts. Participants are numbered 1 to
/// <see cref="ParticipantCount"/> (the number is also the participant's Shamir x coordinate, which must not be 0); the
/// session maps its runners to these numbers. The session id and the round are bound into every derived key and every
/// encrypted share, so nothing from one round can be replayed into another.
/// </summary>
public sealed record SecAggParameters
{
    /// <param name="sessionId">The federated session; bound into key derivation and share encryption.</param>
    /// <param name="round">The round within the session; fresh keys are drawn every round.</param>
    /// <param name="participantCount">n, the participants the round starts with.</param>
    /// <param name="threshold">
    /// t, the shares needed to rebuild a secret, and so the fewest participants that may be left at every step. At
    /// least 2, so that no result is ever one participant's update; above n/2, so that a server cannot split the
    /// participants into two groups of t, tell one that a peer dropped and the other that it survived, and learn both
    /// of that peer's secrets (each participant answers one unmasking request only).
    /// </param>
    /// <param name="vectorLength">The number of coordinates in every update.</param>
    /// <param name="encoding">The fixed-point ring; it must hold the sum of <paramref name="participantCount"/> updates.</param>
    public SecAggParameters(string sessionId, long round, int participantCount, int threshold, int vectorLength, FixedPoint encoding)
    {
        ArgumentNullException.ThrowIfNull(encoding);
        if (string.IsNullOrEmpty(sessionId)) throw new ArgumentException("secure aggregation: sessionId must not be empty", nameof(sessionId));
        if (round < 0) throw new ArgumentOutOfRangeException(nameof(round), round, "secure aggregation: round must be ≥ 0");
        if (participantCount < 2)
            throw new ArgumentOutOfRangeException(nameof(participantCount), participantCount,
                "secure aggregation: participantCount must be ≥ 2 (a sum of one update is that update)");
        if (threshold < 2 || threshold > participantCount)
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold,
                $"secure aggregation: threshold must be between 2 and participantCount ({participantCount})");
        if (2 * threshold <= participantCount)
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold,
                $"secure aggregation: threshold must be more than half of participantCount ({participantCount}), at least {participantCount / 2 + 1}");
        if (vectorLength < 1) throw new ArgumentOutOfRangeException(nameof(vectorLength), vectorLength, "secure aggregation: vectorLength must be ≥ 1");
        if (encoding.MaxSummands < participantCount)
            throw new ArgumentException(
                $"secure aggregation: the encoding holds sums of {encoding.MaxSummands} updates, fewer than participantCount ({participantCount})",
                nameof(encoding));
        SessionId = sessionId;
        Round = round;
        ParticipantCount = participantCount;
        Threshold = threshold;
        VectorLength = vectorLength;
        Encoding = encoding;
    }

    public string SessionId { get; }
    public long Round { get; }
    public int ParticipantCount { get; }
    public int Threshold { get; }
    public int VectorLength { get; }
    public FixedPoint Encoding { get; }

    /// <summary>The most participants that may drop out, over all steps together, with the round still ending.</summary>
    public int ToleratedDropOuts => ParticipantCount - Threshold;

    internal void CheckParticipant(int participant, string role)
    {
        if (participant < 1 || participant > ParticipantCount)
            throw new SecureAggregationException($"{role} {participant} is not a participant of this round (1 to {ParticipantCount})");
    }
}
