namespace Parity.Gateway.OpenApi;

/// <summary>Responses many routes share, declared once.</summary>
public static class ResponseConventions
{
    /// <summary>
    /// The answers of a route that calls grains when the cluster cannot: 503 with Retry-After while a dead silo's
    /// grains are re-homed, 504 when the cluster does not answer in time (GatewayApp's exception handler).
    /// </summary>
    public static RouteHandlerBuilder CallsCluster(this RouteHandlerBuilder route) =>
        route.ProducesProblem(StatusCodes.Status503ServiceUnavailable).ProducesProblem(StatusCodes.Status504GatewayTimeout);
}
