using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Parity.Gateway.OpenApi;

/// <summary>
/// Puts the security requirement on each operation from the markers the routes carry; a route with neither marker is
/// declared open (an empty requirement), so no operation leaves a client guessing.
/// </summary>
public sealed class SecurityOperationTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var scheme = metadata.OfType<RequiresApiKey>().Any() ? ApiDocs.ApiKeyScheme
            : metadata.OfType<RequiresWebhookSignature>().Any() ? ApiDocs.SignatureScheme
            : null;
        operation.Security = scheme is null
            ? []
            : [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [] }];
        return Task.CompletedTask;
    }
}
