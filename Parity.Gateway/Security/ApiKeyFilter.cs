using Parity.Configuration;

namespace Parity.Gateway.Security;

/// <summary>
/// Requires <c>Authorization: Bearer &lt;GATEWAY_API_KEY&gt;</c> on /api/v1 when a key is configured. Without a key
/// the gateway only binds loopback (enforced at start-up), so the machine's own users are the only callers.
/// </summary>
public sealed class ApiKeyFilter(GatewayOptions settings) : IEndpointFilter
{
    private readonly ApiKeyHash? _key = ApiKeyHash.Of(settings.ApiKey);

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (_key is null) return next(context);
        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        var presented = header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? header[scheme.Length..].Trim() : null;
        if (_key.Matches(presented)) return next(context);
        context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
        return ValueTask.FromResult<object?>(Results.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Unauthorized",
            detail: header.Length == 0 ? "missing Authorization: Bearer <GATEWAY_API_KEY>" : "invalid API key"));
    }
}
