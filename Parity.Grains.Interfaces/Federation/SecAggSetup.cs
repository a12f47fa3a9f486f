namespace Parity.Federation;

/// <summary>
/// One round's secure-aggregation parameters as a part needs them: which round and attempt (a round restarted after the
/// session failed over gets new keys), this part's number among the round's n participants (1..n), the threshold t,
/// the vector length and the fixed-point encoding (clip range and fractional bits).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SecAggSetup
{
    [Id(0)] public required int Round { get; init; }
    [Id(1)] public required int Attempt { get; init; }
    [Id(2)] public required int Participant { get; init; }
    [Id(3)] public required int Participants { get; init; }
    [Id(4)] public required int Threshold { get; init; }
    [Id(5)] public required int VectorLength { get; init; }
    [Id(6)] public required double ClipRange { get; init; }
    [Id(7)] public required int FractionalBits { get; init; }
}
