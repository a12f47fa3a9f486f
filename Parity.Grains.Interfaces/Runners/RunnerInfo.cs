namespace Parity.Runners;

/// <summary>One silo's runner as <c>GET /api/v1/runners</c> shows it.</summary>
[GenerateSerializer, Immutable]
public sealed record RunnerInfo
{
    [Id(0)] public string Name { get; init; } = "";
    [Id(1)] public RunnerStatus Status { get; init; }
    [Id(2)] public RunnerCapabilities Capabilities { get; init; } = new();
    [Id(3)] public int SlotsTotal { get; init; }
    [Id(4)] public int SlotsUsed { get; init; }
    [Id(5)] public int SlotsFree { get; init; }
    [Id(6)] public DateTimeOffset LastHeartbeat { get; init; }
    [Id(7)] public string SiloAddress { get; init; } = "";
    [Id(8)] public IReadOnlyList<string> RunningTasks { get; init; } = [];
}
