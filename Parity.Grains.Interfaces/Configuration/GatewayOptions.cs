using System.Net;

namespace Parity.Configuration;

/// <summary>The HTTP front door (GATEWAY_*, RUNNER_WEBHOOK_*).</summary>
public sealed record GatewayOptions
{
    /// <summary>Where the gateway listens (GATEWAY_URLS).</summary>
    public IReadOnlyList<string> Urls { get; set; } = ["http://127.0.0.1:5080"];
    /// <summary>Bearer key for /api/v1 (GATEWAY_API_KEY); null: no key, loopback only.</summary>
    public string? ApiKey { get; set; }
    /// <summary>HMAC secret for POST /webhook (RUNNER_WEBHOOK_SECRET); null: the webhook refuses every request.</summary>
    public string? WebhookSecret { get; set; }
    /// <summary>RUNNER_WEBHOOK_ALLOW_UNSIGNED.</summary>
    public bool AllowUnsignedWebhooks { get; set; }
    /// <summary>Largest request body accepted (GATEWAY_MAX_BODY_BYTES).</summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;
    /// <summary>
    /// The runners' cap on max_tokens (RUNNER_LLM_MAX_TOKENS, the same key the runners read): a prompt above it is
    /// refused with 400 before it becomes a task.
    /// </summary>
    public int LlmMaxTokens { get; set; } = Parity.Llm.LlmLimits.DefaultMaxTokens;

    public bool BindsLoopbackOnly => Urls.All(IsLoopbackUrl);

    public static bool IsLoopbackUrl(string url) =>
        ParseUrl(url) is { } uri && (uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip)));

    /// <summary>
    /// Where a client on this machine reaches a gateway listening on <paramref name="url"/>: the root of that URL, a
    /// wildcard host read as 127.0.0.1. Null if it is not an http(s) URL.
    /// </summary>
    public static Uri? LocalUrl(string url)
    {
        if (ParseUrl(url) is not { } uri) return null;
        var builder = new UriBuilder(uri) { Path = "/" };
        if (builder.Host is "0.0.0.0" or "[::]" or "::") builder.Host = "127.0.0.1";
        return builder.Uri;
    }

    /// <summary>An http(s) listen URL, reading Kestrel's "+" and "*" wildcards as 0.0.0.0; null if it is not one.</summary>
    public static Uri? ParseUrl(string url) =>
        Uri.TryCreate(url.Replace("://+", "://0.0.0.0").Replace("://*", "://0.0.0.0"), UriKind.Absolute, out var uri)
        && uri.Scheme is "http" or "https" ? uri : null;
}
