using Parity.Configuration;

namespace Parity.Llm;

/// <summary>
/// The cap on tokens one generation may produce, RUNNER_LLM_MAX_TOKENS. Runners enforce it; the gateway reads the same
/// key from its own configuration to refuse a prompt above it up front (give both processes the same value: a runner
/// with a lower cap than its gateway still fails the prompt, naming the key).
/// </summary>
public static class LlmLimits
{
    public const string MaxTokensKey = "RUNNER_LLM_MAX_TOKENS";
    public const int DefaultMaxTokens = 4096;

    public static int ReadMaxTokens(ConfigurationReader read, int fallback) =>
        read.Int(MaxTokensKey, fallback, 1, LlmTaskConfig.MaxTokensField);

    /// <summary>Why a prompt is refused: "max_tokens: 1048576 is above the limit 4096 (RUNNER_LLM_MAX_TOKENS)".</summary>
    public static string AboveLimit(string field, int requested, int limit) =>
        $"{field}: {requested} is above the limit {limit} ({MaxTokensKey})";
}
