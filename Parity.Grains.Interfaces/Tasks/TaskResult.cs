namespace Parity.Tasks;

/// <summary>
/// The upstream TaskResult (UPSTREAM.md §4) with every field kept, plus stdout and stderr separately, the runner that
/// produced it and the attempt it belongs to.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record TaskResult
{
    [Id(0)] public string Id { get; init; } = "";
    [Id(1)] public string TaskId { get; init; } = "";
    [Id(2)] public string DeviceId { get; init; } = "";
    [Id(3)] public string DeviceIdHash { get; init; } = "";
    [Id(4)] public string RunnerAddress { get; init; } = "";
    [Id(5)] public string? CreatorAddress { get; init; }
    /// <summary>stdout then stderr, as upstream's single output field.</summary>
    [Id(6)] public string Output { get; init; } = "";
    [Id(7)] public string Error { get; init; } = "";
    [Id(8)] public int ExitCode { get; init; }
    /// <summary>Wall time in milliseconds.</summary>
    [Id(9)] public long ExecutionTime { get; init; }
    [Id(10)] public string ResultHash { get; init; } = "";
    [Id(11)] public string ImageHashVerified { get; init; } = "";
    [Id(12)] public string CommandHashVerified { get; init; } = "";
    [Id(13)] public DateTimeOffset CreatedAt { get; init; }
    [Id(14)] public string CreatorDeviceId { get; init; } = "";
    [Id(15)] public string SolverDeviceId { get; init; } = "";
    [Id(16)] public decimal Reward { get; init; }
    [Id(17)] public double CpuSeconds { get; init; }
    [Id(18)] public long EstimatedCycles { get; init; }
    [Id(19)] public double MemoryGbHours { get; init; }
    [Id(20)] public double StorageGb { get; init; }
    [Id(21)] public double NetworkDataGb { get; init; }
    /// <summary>Null when the backend did not evaluate the prompt (a cached prefix): unknown, never reported as 0.</summary>
    [Id(22)] public long? PromptTokens { get; init; }
    [Id(23)] public long ResponseTokens { get; init; }
    [Id(24)] public long InferenceTimeMs { get; init; }

    [Id(25)] public string Stdout { get; init; } = "";
    [Id(26)] public string Stderr { get; init; } = "";
    [Id(27)] public bool StdoutTruncated { get; init; }
    [Id(28)] public bool StderrTruncated { get; init; }
    [Id(29)] public long PeakMemoryBytes { get; init; }
    /// <summary>Silo name of the runner that executed this attempt.</summary>
    [Id(30)] public string Runner { get; init; } = "";
    [Id(31)] public int Attempt { get; init; }
    /// <summary>LLM tasks: the full metering (cached prompt tokens, model digest, load/prefill/decode split).</summary>
    [Id(32)] public Parity.Llm.LlmUsage? Usage { get; init; }
}
