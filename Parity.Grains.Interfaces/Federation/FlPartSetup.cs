namespace Parity.Federation;

/// <summary>
/// What a session part needs to find its rows: its round task config (dataset CID, format, partition, model config,
/// seed, held-out fraction), the runner it belongs to, and that runner's silo, which it must be running on.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FlPartSetup
{
    [Id(0)] public required string TaskConfig { get; init; }
    [Id(1)] public required string Runner { get; init; }
    [Id(2)] public required string Silo { get; init; }
}
