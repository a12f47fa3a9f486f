namespace Parity.Tasks;

/// <summary>What <c>GET /api/v1/tasks/{id}/logs</c> returns: the lifecycle and the output so far.</summary>
[GenerateSerializer, Immutable]
public sealed record TaskLogs
{
    [Id(0)] public string TaskId { get; init; } = "";
    [Id(1)] public TaskState Status { get; init; }
    [Id(2)] public IReadOnlyList<TaskEvent> Events { get; init; } = [];
    [Id(3)] public string Stdout { get; init; } = "";
    [Id(4)] public string Stderr { get; init; } = "";
    /// <summary>True while the output is a live tail from the runner rather than the recorded result.</summary>
    [Id(5)] public bool Live { get; init; }
    /// <summary>Where the whole of a long stream is (see <see cref="TaskResult.StdoutFile"/>); null while live or short.</summary>
    [Id(6)] public OutputFile? StdoutFile { get; init; }
    [Id(7)] public OutputFile? StderrFile { get; init; }
}
