using System.Text.Json.Serialization;
using Parity.Runners;

// The upstream server's request and response bodies (UPSTREAM.md §2, §4, §13), field for field; snake_case on the wire
// through ParityJson. Plain JSON shapes of one protocol, kept together; none of them travels between grains.
namespace Parity.Network;

/// <summary><c>POST /api/v1/runners</c>: register, or re-register (an upsert keyed on the device id).</summary>
public sealed record RunnerRegistration
{
    public string WalletAddress { get; init; } = "";
    public string Status { get; init; } = "online";
    public string Webhook { get; init; } = "";
    public IReadOnlyList<ModelCapability> ModelCapabilities { get; init; } = [];
    /// <summary>Parity's fuller picture (task types, Docker, compute). The reference server ignores fields it does not know.</summary>
    public RunnerCapabilities? Capabilities { get; init; }
}

/// <summary>One model a runner serves, as the upstream lists it.</summary>
public sealed record ModelCapability(string ModelName, bool IsLoaded, int MaxTokens);

/// <summary>The Runner row the server answers a registration with (§14); only what the runner needs is read.</summary>
public sealed record UpstreamRunner
{
    public string DeviceId { get; init; } = "";
    public string? WalletAddress { get; init; }
    public string? Status { get; init; }
    public string? Webhook { get; init; }
}

/// <summary>
/// <c>POST /api/v1/runners/heartbeat</c>. <c>public_ip</c> carries the webhook URL (the reference's naming);
/// <c>cpu_usage</c> and <c>memory_usage</c> are the machine's, in percent (the reference always sent 0); the slot and
/// task fields are Parity's, ignored by a reference server.
/// </summary>
public sealed record RunnerHeartbeat
{
    public string WalletAddress { get; init; } = "";
    public string Status { get; init; } = "online";
    public long Timestamp { get; init; }
    public long Uptime { get; init; }
    public double MemoryUsage { get; init; }
    public double CpuUsage { get; init; }
    [JsonPropertyName("public_ip")] public string PublicIp { get; init; } = "";
    public int SlotsUsed { get; init; }
    public int SlotsFree { get; init; }
    public IReadOnlyList<string> RunningTasks { get; init; } = [];
}

/// <summary><c>POST /api/v1/runners/webhooks</c>.</summary>
public sealed record WebhookRegistration(string Url, string WalletAddress);

/// <summary>The answer to a webhook registration: <c>201 {"id"}</c>.</summary>
public sealed record WebhookRegistered(string Id);

/// <summary>
/// <c>POST /api/v1/runners/tasks/{id}/result</c>: the upstream TaskResult (§4). <c>output</c> is stdout then stderr, as
/// the reference joins them; the fields the server overwrites (<c>device_id_hash</c>, <c>runner_address</c>,
/// <c>creator_*</c>, <c>solver_device_id</c>, <c>reward</c>) are not sent.
/// </summary>
public sealed record UpstreamTaskResult
{
    public string TaskId { get; init; } = "";
    public string DeviceId { get; init; } = "";
    public string Output { get; init; } = "";
    public string Error { get; init; } = "";
    public int ExitCode { get; init; }
    /// <summary>Milliseconds.</summary>
    public long ExecutionTime { get; init; }
    public string ResultHash { get; init; } = "";
    public string ImageHashVerified { get; init; } = "";
    public string CommandHashVerified { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public double CpuSeconds { get; init; }
    public long EstimatedCycles { get; init; }
    public double MemoryGbHours { get; init; }
    public double StorageGb { get; init; }
    public double NetworkDataGb { get; init; }
    public long? PromptTokens { get; init; }
    public long ResponseTokens { get; init; }
    public long InferenceTimeMs { get; init; }
}

/// <summary>
/// <c>POST /api/v1/llm/prompts/{id}/complete</c> (UPSTREAM.md §6): all four fields are required by the reference, which
/// refuses a 0 token count with 400.
/// </summary>
public sealed record PromptCompletion
{
    public string Response { get; init; } = "";
    public long PromptTokens { get; init; }
    public long ResponseTokens { get; init; }
    public long InferenceTimeMs { get; init; }
}

/// <summary>
/// <c>POST /api/v1/federated-learning/model-updates</c> (UPSTREAM.md §7.2): a participant's update for a session that
/// lives on the server. <c>gradients</c> is the update itself (trained − the model training started from; the reference
/// sent a copy of the weights under that name) and is always present, as the reference requires; <c>weights</c> are the local model, which is what
/// the reference averages. Training time goes under both names, <c>training_time</c> (what the reference runner sent)
/// and <c>training_time_ms</c> (what its server reads). A forest travels as <c>forest</c> (base64 of the serialized
/// forest), never as float arrays for the server to average.
/// </summary>
public sealed record UpstreamModelUpdate
{
    public string SessionId { get; init; } = "";
    public string RoundId { get; init; } = "";
    public string RunnerId { get; init; } = "";
    public IReadOnlyDictionary<string, float[]> Gradients { get; init; } = new Dictionary<string, float[]>();
    public IReadOnlyDictionary<string, float[]> Weights { get; init; } = new Dictionary<string, float[]>();
    public string UpdateType { get; init; } = "gradients";
    public int DataSize { get; init; }
    public double Loss { get; init; }
    public double? Accuracy { get; init; }
    public long TrainingTime { get; init; }
    public long TrainingTimeMs { get; init; }
    public string? Forest { get; init; }
    public UpstreamModelUpdateMetadata Metadata { get; init; } = new();
}

/// <summary>The update's <c>metadata</c>: the reference's <c>submission_time</c> (unix seconds), and what was trained.</summary>
public sealed record UpstreamModelUpdateMetadata
{
    public long SubmissionTime { get; init; }
    public string? ModelType { get; init; }
    public string? DatasetCid { get; init; }
    public string? TaskId { get; init; }
}
