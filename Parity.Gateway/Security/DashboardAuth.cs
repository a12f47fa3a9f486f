using System.Text;
using Parity.Configuration;

namespace Parity.Gateway.Security;

/// <summary>
/// Puts the Orleans dashboard (every path under /dashboard: its page, static files, JSON API and the live log at
/// /dashboard/Trace) behind GATEWAY_API_KEY when one is set, in a way a browser can use: HTTP Basic auth with any user
/// name and the key as the password (the browser asks once and resends it), or <c>Authorization: Bearer &lt;key&gt;</c>
/// as for /api/v1. Anything else gets 401 and a Basic challenge, never dashboard content. Without a key the gateway
/// binds loopback only (enforced at start-up) and the dashboard stays open, as the API does.
/// </summary>
/// <remarks>
/// Both sides are hashed before the constant-time compare, so neither the key's bytes nor its length leak through
/// timing. A request counts as the dashboard's when its path is under /dashboard (case-insensitive, as routing
/// matches) or routing matched it to an endpoint that carries <see cref="DashboardEndpoint"/>, so no spelling of a
/// path that reaches a dashboard endpoint gets past.
/// </remarks>
public sealed class DashboardAuth(GatewayOptions settings)
{
    public const string Prefix = "/dashboard";
    public const string Challenge = "Basic realm=\"Parity dashboard\", charset=\"UTF-8\"";

    private readonly ApiKeyHash? _key = ApiKeyHash.Of(settings.ApiKey);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (_key is null || !IsDashboard(context) || _key.Matches(Presented(context.Request.Headers.Authorization.ToString())))
        {
            await next(context);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = Challenge;
        context.Response.Headers.CacheControl = "no-store";
        await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
                detail: "the dashboard needs GATEWAY_API_KEY: sign in with any user name and the key as the password " +
                        "(HTTP Basic), or send Authorization: Bearer <key>")
            .ExecuteAsync(context);
    }

    public static bool IsDashboard(HttpContext context) =>
        context.Request.Path.StartsWithSegments(Prefix, StringComparison.OrdinalIgnoreCase)
        || context.GetEndpoint()?.Metadata.GetMetadata<DashboardEndpoint>() is not null;

    /// <summary>The key as presented: the password of Basic credentials, or a Bearer token; null for anything else.</summary>
    private static string? Presented(string header)
    {
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return header["Bearer ".Length..].Trim();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
            var colon = pair.IndexOf(':');
            return colon < 0 ? null : pair[(colon + 1)..];
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

/// <summary>Endpoint metadata that marks the dashboard's endpoints for <see cref="DashboardAuth"/>.</summary>
public sealed class DashboardEndpoint
{
    public static readonly DashboardEndpoint Marker = new();
}
