namespace Parity.Federation;

/// <summary>A part's out-of-bag tally: of its rows left out of some tree's bootstrap, how many those trees got right.</summary>
[GenerateSerializer, Immutable]
public sealed record ForestOobShare
{
    [Id(0)] public required long Correct { get; init; }
    [Id(1)] public required long Counted { get; init; }
}
