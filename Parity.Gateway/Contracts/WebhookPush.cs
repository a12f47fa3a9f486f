using System.ComponentModel;
using System.Text.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Parity.Gateway.Contracts;

/// <summary>The upstream server's push to <c>POST /webhook</c> (parsed strictly from the raw body, which the signature covers).</summary>
[Description("An upstream push: one task, or an array of 1 to 1000 tasks with distinct ids. Nothing is submitted unless every task is valid.")]
public sealed record WebhookPush
{
    [Description("Always 'available_tasks'.")]
    public required string Type { get; init; }
    [Description("A TaskSubmission (id required), or an array of them.")]
    public required JsonElement Payload { get; init; }

    /// <summary>
    /// The payload is one of two shapes, which a CLR type cannot say: its schema becomes "a task or an array of tasks"
    /// (an operation transformer of the webhook route; runs after the body's schema is registered).
    /// </summary>
    public static async Task DescribePayloadAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context,
        CancellationToken cancellation)
    {
        var document = context.Document!;
        var schemas = (document.Components ??= new OpenApiComponents()).Schemas ??= new Dictionary<string, IOpenApiSchema>();
        var task = nameof(TaskSubmission);
        if (!schemas.ContainsKey(task)) document.AddComponent(task, await context.GetOrCreateSchemaAsync(typeof(TaskSubmission), null, cancellation));
        if (schemas.TryGetValue(nameof(WebhookPush), out var push) && push is OpenApiSchema { Properties: { } properties }
            && properties.TryGetValue("payload", out var payload))
        {
            properties["payload"] = new OpenApiSchema
            {
                Description = payload.Description,
                OneOf =
                [
                    new OpenApiSchemaReference(task, document),
                    new OpenApiSchema { Type = JsonSchemaType.Array, MinItems = 1, MaxItems = 1000, Items = new OpenApiSchemaReference(task, document) },
                ],
            };
        }
    }
}
