using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Parity.Gateway.OpenApi;

/// <summary>Responses many routes share, declared once.</summary>
public static class ResponseConventions
{
    /// <summary>
    /// The answers of a route that calls grains when the cluster cannot (GatewayApp's exception handler): 503 with
    /// Retry-After while a dead silo's grains are re-homed, 504 when the cluster does not answer in time. A route's own
    /// 503 (a full queue's busy body) is kept: the problem is added beside it as a second content type.
    /// </summary>
    public static RouteHandlerBuilder CallsCluster(this RouteHandlerBuilder route) =>
        route.ProducesProblem(StatusCodes.Status504GatewayTimeout).AddOpenApiOperationTransformer(AddRecovering);

    /// <summary>
    /// Documents the request body of a handler that reads the raw body itself (strict parsing, signatures over the exact
    /// bytes). Unlike <c>Accepts</c>, this adds no content-type matching to routing, so a request is answered exactly as
    /// before (a missing Content-Type is no 415).
    /// </summary>
    public static RouteHandlerBuilder DocumentsBody<T>(this RouteHandlerBuilder route, string contentType = "application/json") =>
        route.AddOpenApiOperationTransformer(async (operation, context, cancellation) =>
        {
            var name = typeof(T).Name;
            var components = context.Document!.Components ??= new OpenApiComponents();
            components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            if (!components.Schemas.ContainsKey(name))
                context.Document.AddComponent(name, await context.GetOrCreateSchemaAsync(typeof(T), null, cancellation));
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [contentType] = new() { Schema = new OpenApiSchemaReference(name, context.Document) },
                },
            };
        });

    private static Task AddRecovering(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellation)
    {
        operation.Responses ??= new OpenApiResponses();
        var own = operation.Responses.TryGetValue("503", out var existing) && existing is OpenApiResponse;
        var response = own ? (OpenApiResponse)existing! : new OpenApiResponse();
        response.Description = own
            ? "The task queue is full (TASK_QUEUE_LIMIT; JSON body), or the cluster is recovering from a silo's death (problem; retry after Retry-After seconds)"
            : "The cluster is recovering from a silo's death; retry after Retry-After seconds";
        response.Content ??= new Dictionary<string, OpenApiMediaType>();
        response.Content["application/problem+json"] = new OpenApiMediaType
        {
            Schema = new OpenApiSchemaReference("ProblemDetails", context.Document),
        };
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers["Retry-After"] = new OpenApiHeader
        {
            Description = "Seconds to wait before retrying (sent with the problem)",
            Schema = new OpenApiSchema { Type = JsonSchemaType.Integer },
        };
        operation.Responses["503"] = response;
        return Task.CompletedTask;
    }
}
