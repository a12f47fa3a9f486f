using Parity.Configuration;

namespace Parity.Gateway.Security;

/// <summary>
/// Who may scrape /metrics: a bearer of METRICS_KEY, or of GATEWAY_API_KEY on the gateway; anyone when neither is set,
/// which start-up allows only on loopback (the gateway's rule for GATEWAY_URLS, and SILO_METRICS_URLS's own). Metrics
/// name the cluster's models, runners and task counts: off loopback they are for the operator's Prometheus, which sends
/// the key as <c>authorization: credentials</c>. METRICS_KEY exists so that scraper never holds the key that submits work.
/// </summary>
public sealed class MetricsAuth
{
    private readonly ApiKeyHash[] _keys;
    private readonly string _keyNames;

    /// <param name="apiKey">GATEWAY_API_KEY where this /metrics is the gateway's; null on a silo's own endpoint.</param>
    public MetricsAuth(string? metricsKey, string? apiKey)
    {
        _keys = new[] { metricsKey, apiKey }.OfType<string>().Select(k => new ApiKeyHash(k)).ToArray();
        _keyNames = string.Join(" or ", new[] { metricsKey is null ? null : "METRICS_KEY", apiKey is null ? null : "GATEWAY_API_KEY" }.OfType<string>());
    }

    public bool Open => _keys.Length == 0;

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var header = context.Request.Headers.Authorization.ToString();
        var presented = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
        if (Open || _keys.Any(k => k.Matches(presented)))
        {
            await next(context);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
                detail: header.Length == 0 ? $"missing Authorization: Bearer <{_keyNames}>" : $"invalid key: /metrics takes {_keyNames}")
            .ExecuteAsync(context);
    }
}
