using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Parity.Gateway.Security;
using Scalar.AspNetCore;

namespace Parity.Gateway.OpenApi;

/// <summary>The OpenAPI document at /openapi/v1.json and the interactive reference at /docs.</summary>
public static class ApiDocs
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/docs";
    public const string ApiKeyScheme = "apiKey";
    public const string SignatureScheme = "webhookSignature";

    public const string TasksTag = "Tasks";
    public const string LlmTag = "LLM";
    public const string FederationTag = "Federated learning";
    public const string StorageTag = "Storage";
    public const string ClusterTag = "Cluster";
    public const string WebhookTag = "Webhook";
    public const string RewardsTag = "Rewards";

    public static IServiceCollection AddParityOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            // The dashboard's routes are its own internals, not this API: they stay out of the document however they
            // were mapped.
            options.ShouldInclude = description => !IsDashboard(description);
            options.AddDocumentTransformer<ParityDocumentTransformer>();
            options.AddOperationTransformer<SecurityOperationTransformer>();
            options.AddOperationTransformer<HeadOperationTransformer>();
        });

    /// <summary>
    /// Maps the document and the reference, both without the API key: they describe the routes, hold no data, and a
    /// client needs them to learn how to present the key.
    /// </summary>
    public static void MapParityApiDocs(this WebApplication app)
    {
        app.MapOpenApi(DocumentPath).ExcludeFromDescription();
        app.MapScalarApiReference(ReferencePath, options =>
        {
            options.WithTitle("Parity API")
                .WithOpenApiRoutePattern(DocumentPath)
                .AddPreferredSecuritySchemes(ApiKeyScheme)
                // Offline: the page's script is the copy embedded in Scalar.AspNetCore (served under /docs/), and
                // nothing else is fetched from outside: no web fonts, no telemetry, no hosted agent or proxy.
                .DisableDefaultFonts()
                .DisableTelemetry()
                .DisableAgent()
                .DisableMcp();
        }).ExcludeFromDescription();
    }

    private static bool IsDashboard(ApiDescription description) =>
        description.ActionDescriptor.EndpointMetadata.OfType<DashboardEndpoint>().Any()
        || (description.RelativePath ?? "").TrimStart('/').StartsWith(DashboardAuth.Prefix.TrimStart('/'), StringComparison.OrdinalIgnoreCase);
}
