using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Parity.Gateway.OpenApi;

/// <summary>
/// A route mapped for GET and HEAD carries one endpoint name, so both operations would share one operationId, which
/// OpenAPI forbids; the HEAD operation gets its own.
/// </summary>
public sealed class HeadOperationTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (!HttpMethods.IsHead(context.Description.HttpMethod ?? "")) return Task.CompletedTask;
        if (operation.OperationId is { } id) operation.OperationId = id + "Head";
        operation.Summary = "Headers only: " + operation.Summary;
        return Task.CompletedTask;
    }
}
