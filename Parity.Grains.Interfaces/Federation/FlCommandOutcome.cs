namespace Parity.Federation;

/// <summary>
/// The answer to a command on a session (create, start, cancel, an external update): done, or refused with the reason
/// and the field it concerns. <see cref="NotFound"/>: no such session; <see cref="Conflict"/>: not in a state that allows it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FlCommandOutcome
{
    [Id(0)] public string? Error { get; init; }
    [Id(1)] public bool NotFound { get; init; }
    [Id(2)] public bool Conflict { get; init; }

    public bool Ok => Error is null;

    public static FlCommandOutcome Done { get; } = new();
    public static FlCommandOutcome Invalid(string error) => new() { Error = error };
    public static FlCommandOutcome Missing(string error) => new() { Error = error, NotFound = true };
    public static FlCommandOutcome Refused(string error) => new() { Error = error, Conflict = true };
}
