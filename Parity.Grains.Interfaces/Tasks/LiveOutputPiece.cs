namespace Parity.Tasks;

/// <summary>
/// New stdout of one attempt of a running task, as its runner produced it: whole UTF-8 characters only, so pieces
/// concatenate to the attempt's text. Positions are UTF-8 byte offsets into that attempt's stdout; a reader that
/// loses its stream resumes from <see cref="Next"/> of the last piece it kept.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LiveOutputPiece
{
    /// <summary>The dispatch attempt that produced the text; text of another attempt is never passed off as this one's.</summary>
    [Id(0)] public int Attempt { get; init; }
    [Id(1)] public long Offset { get; init; }
    [Id(2)] public long Next { get; init; }
    [Id(3)] public string Text { get; init; } = "";
}
