using Parity.Llm.Embedded;
using Parity.Llm.Ollama;

namespace Parity.Llm;

/// <summary>The LLM backends of this runner (OLLAMA_*, RUNNER_MODELS_DIR, RUNNER_LLM_*), bound by <see cref="LlmOptionsReader"/>.</summary>
public sealed record LlmOptions
{
    /// <summary>Null when OLLAMA_URL=off.</summary>
    public OllamaOptions? Ollama { get; set; } = new();
    public EmbeddedLlmOptions Embedded { get; set; } = new()
    {
        ModelsDirectory = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".parity", "models"),
    };
    /// <summary>How often the runner re-reads its models (RUNNER_MODELS_REFRESH_INTERVAL).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>The longest a model pull may take (RUNNER_MODEL_PULL_TIMEOUT).</summary>
    public TimeSpan PullTimeout { get; set; } = TimeSpan.FromMinutes(30);
    /// <summary>
    /// The models this runner may pull when a prompt asks for one it lacks (RUNNER_MODEL_PULL_ALLOW). Empty by default:
    /// any client could otherwise make every runner download any model, gigabytes each.
    /// </summary>
    public ModelPullAllowList PullAllow { get; set; } = ModelPullAllowList.None;
    /// <summary>The most model pulls this runner runs at once (RUNNER_MODEL_PULL_CONCURRENCY).</summary>
    public int PullConcurrency { get; set; } = 2;
    /// <summary>
    /// The most tokens one generation may produce (RUNNER_LLM_MAX_TOKENS): a prompt asking for more fails naming it,
    /// and one that names no max_tokens gets this, so a backend is never asked for more.
    /// </summary>
    public int MaxTokens { get; set; } = LlmLimits.DefaultMaxTokens;
    /// <summary>
    /// The largest GGUF file <c>models pull &lt;url|cid&gt;</c> keeps (RUNNER_MODEL_MAX_SIZE): a server that announces
    /// more is refused before a byte is read, one that sends more is cut off at the cap. 64 GiB fits a 70B model at 4 bits.
    /// </summary>
    public long DownloadMaxBytes { get; set; } = 64L << 30;
    /// <summary>A model download that receives nothing for this long fails (RUNNER_MODEL_DOWNLOAD_STALL_TIMEOUT).</summary>
    public TimeSpan DownloadStallTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
