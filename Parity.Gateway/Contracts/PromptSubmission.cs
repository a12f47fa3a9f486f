using System.ComponentModel;
using System.Text.Json;

namespace Parity.Gateway.Contracts;

/// <summary>The body of <c>POST /api/v1/llm/prompts</c> (parsed strictly from the raw body by LlmTaskConfig).</summary>
[Description("A prompt: model_name and exactly one of prompt or messages. Any other field is refused, naming it; the client is the X-Client-ID header's.")]
public sealed record PromptSubmission
{
    [Description("The model, as a runner serves it (GET /api/v1/llm/models).")]
    public required string ModelName { get; init; }
    [Description("The prompt text; excludes messages.")]
    public string? Prompt { get; init; }
    [Description("A chat; excludes prompt.")]
    public IReadOnlyList<PromptMessage>? Messages { get; init; }
    [Description("At most the gateway's RUNNER_LLM_MAX_TOKENS.")]
    public int? MaxTokens { get; init; }
    [Description("From 0 to 10.")]
    public float? Temperature { get; init; }
    public long? Seed { get; init; }
    [Description("A stop string or an array of them.")]
    public JsonElement? Stop { get; init; }
    [Description("true: the answer is the prompt's server-sent event stream instead of 202; the prompt is cancelled if the client leaves before done.")]
    public bool? Stream { get; init; }
    [Description("The prompt id (a task id); a UUID is chosen when absent.")]
    public string? Id { get; init; }
    public string? CreatorAddress { get; init; }
}
