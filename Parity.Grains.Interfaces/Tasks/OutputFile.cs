namespace Parity.Tasks;

/// <summary>
/// Where the whole of a long output stream is: the runner's output store, by CID. The result keeps only the stream's
/// first RESULT_INLINE_LIMIT bytes; <see cref="Url"/> (on the gateway) serves all of it, and <see cref="Cid"/> is the
/// CID <c>ipfs add --cid-version 1 --raw-leaves --chunker size-1048576</c> gives those bytes, so a copy can be checked.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record OutputFile
{
    [Id(0)] public string Cid { get; init; } = "";
    [Id(1)] public long Bytes { get; init; }
    /// <summary>The gateway path that serves the stream, e.g. <c>/api/v1/tasks/t1/output/stdout</c>.</summary>
    [Id(2)] public string Url { get; init; } = "";
}
