namespace Parity.Llm.Ollama;

/// <summary>Where this runner's Ollama server is and how long a call to it may take.</summary>
public sealed record OllamaOptions
{
    /// <summary>The Ollama HTTP API (OLLAMA_URL).</summary>
    public Uri Url { get; set; } = new("http://127.0.0.1:11434");

    /// <summary>
    /// Cap on one listing or one whole generation, streaming included (a cold model load counts too). Pulls are not
    /// capped: a large model legitimately downloads for a long time, so only the caller's cancellation ends one.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(10);
}
