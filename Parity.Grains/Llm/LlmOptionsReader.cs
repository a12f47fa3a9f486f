using Microsoft.Extensions.Options;
using Parity.Configuration;

namespace Parity.Llm;

/// <summary>Reads the LLM keys into <see cref="LlmOptions"/> (see <see cref="ConfigurationReader"/> for why not the binder).</summary>
public sealed class LlmOptionsReader(ConfigurationReader read) : IConfigureOptions<LlmOptions>
{
    public void Configure(LlmOptions options)
    {
        var ollamaUrl = read.Raw("OLLAMA_URL");
        if (ollamaUrl is not null && ollamaUrl.Equals("off", StringComparison.OrdinalIgnoreCase))
            options.Ollama = null;
        else if (options.Ollama is { } ollama)
        {
            if (ollamaUrl is not null)
                ollama.Url = GatewayOptions.ParseUrl(ollamaUrl)
                    ?? throw new ConfigurationException($"OLLAMA_URL must be an http(s) URL like http://127.0.0.1:11434, or off, got '{ollamaUrl}'");
            ollama.RequestTimeout = read.Duration("OLLAMA_TIMEOUT", ollama.RequestTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        }
        var embedded = options.Embedded;
        embedded.ModelsDirectory = read.String("RUNNER_MODELS_DIR", embedded.ModelsDirectory);
        embedded.Threads = read.Int("RUNNER_LLM_THREADS", embedded.Threads, 1, 1024);
        embedded.ContextSize = read.Int("RUNNER_LLM_CONTEXT_SIZE", embedded.ContextSize, 16, 1 << 20);
        embedded.MaxLoadedModels = read.Int("RUNNER_LLM_MAX_LOADED_MODELS", embedded.MaxLoadedModels, 1, 64);
        options.RefreshInterval = read.Duration("RUNNER_MODELS_REFRESH_INTERVAL", options.RefreshInterval,
            TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(24));
        options.PullTimeout = read.Duration("RUNNER_MODEL_PULL_TIMEOUT", options.PullTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromDays(7));
        if (read.Raw(ModelPullAllowList.Key) is { } allow) options.PullAllow = ModelPullAllowList.Parse(allow);
        options.PullConcurrency = read.Int("RUNNER_MODEL_PULL_CONCURRENCY", options.PullConcurrency, 1, 64);
        options.MaxTokens = LlmLimits.ReadMaxTokens(read, options.MaxTokens);
        options.DownloadMaxBytes = read.Size("RUNNER_MODEL_MAX_SIZE", options.DownloadMaxBytes, 1, 1L << 50);
        options.DownloadStallTimeout = read.Duration("RUNNER_MODEL_DOWNLOAD_STALL_TIMEOUT", options.DownloadStallTimeout,
            TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1));
    }
}
