using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Parity.Gateway.Security;

namespace Parity.Gateway.OpenApi;

/// <summary>The document's title, its tags, and the two ways a caller proves who it is (the API key, the webhook signature).</summary>
public sealed class ParityDocumentTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Parity gateway API",
            Version = "v1",
            Description = "The HTTP front door of a Parity cluster: tasks, LLM prompts, federated learning sessions, " +
                          "content storage and the cluster's state. Routes under /api/v1 need `Authorization: Bearer " +
                          "<GATEWAY_API_KEY>` when the gateway has a key (without one it binds loopback only); /webhook " +
                          "needs X-Parity-Signature; /health, /api/status, /ipfs/{cid}, this document and /docs are open. " +
                          "Errors are RFC 9457 problem details whose `detail` names what was wrong.",
        };
        // Relative: the document is right for whatever address a client reached the gateway by.
        document.Servers = [new OpenApiServer { Url = "/", Description = "this gateway" }];
        document.Tags = new HashSet<OpenApiTag>
        {
            new() { Name = ApiDocs.TasksTag, Description = "Tasks: create, list, read, result, logs, cancel" },
            new() { Name = ApiDocs.LlmTag, Description = "LLM prompts (each is an llm task), the models served, usage per client" },
            new() { Name = ApiDocs.FederationTag, Description = "Federated learning sessions, their rounds, models and events" },
            new() { Name = ApiDocs.StorageTag, Description = "Content-addressed storage (IPFS UnixFS): upload, list, download, info, pin, and the trustless gateway" },
            new() { Name = ApiDocs.ClusterTag, Description = "Health, the cluster summary and its runners" },
            new() { Name = ApiDocs.RewardsTag, Description = "The reward ledger: what each runner earned, and what is paid, with transaction hashes" },
            new() { Name = ApiDocs.WebhookTag, Description = "The upstream server's signed push of tasks" },
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ApiDocs.ApiKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "GATEWAY_API_KEY as a bearer token: `Authorization: Bearer <key>`. Enforced on /api/v1 when the gateway has a key.",
        };
        document.Components.SecuritySchemes[ApiDocs.SignatureScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = WebhookSignature.HeaderName,
            Description = "`t=<unix seconds>,v1=<hex HMAC-SHA256(RUNNER_WEBHOOK_SECRET, \"<t>.<raw body>\")>`; at most " +
                          $"{WebhookSignature.Tolerance.TotalSeconds:0} s from the gateway's clock, and each signature is accepted once.",
        };
        return Task.CompletedTask;
    }
}
