namespace Parity.Tasks;

/// <summary>
/// The upstream TaskResult (UPSTREAM.md §4) with every field kept but <c>output</c>, plus stdout and stderr
/// separately, the runner that produced it and the attempt it belongs to. The reference's <c>output</c> (stdout then
/// stderr) is not kept: it would hold every byte twice; a report to a peer of the reference joins it from the two
/// streams. A stream longer than RESULT_INLINE_LIMIT keeps its head here and the whole in the
/// runner's output store (<see cref="StdoutFile"/>, <see cref="StderrFile"/>).
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
    [Id(7)] public string Error { get; init; } = "";
    [Id(8)] public int ExitCode { get; init; }
    /// <summary>Wall time in milliseconds.</summary>
    [Id(9)] public long ExecutionTime { get; init; }
    /// <summary>SHA-256 of the whole output (stdout then stderr, as the reference joins them), error and exit code.</summary>
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

    /// <summary>The stream, or its first RESULT_INLINE_LIMIT bytes when <see cref="StdoutFile"/> holds all of it.</summary>
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
    /// <summary>The whole stdout in the runner's output store, when it is longer than RESULT_INLINE_LIMIT; else null.</summary>
    [Id(33)] public OutputFile? StdoutFile { get; init; }
    [Id(34)] public OutputFile? StderrFile { get; init; }
}
