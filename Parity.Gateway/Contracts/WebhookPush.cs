using System.ComponentModel;
using System.Text.Json;

namespace Parity.Gateway.Contracts;

/// <summary>The upstream server's push to <c>POST /webhook</c> (parsed strictly from the raw body, which the signature covers).</summary>
[Description("An upstream push: one task, or an array of 1 to 1000 tasks with distinct ids. Nothing is submitted unless every task is valid.")]
public sealed record WebhookPush
{
    [Description("Always 'available_tasks'.")]
    public required string Type { get; init; }
    [Description("A TaskSubmission (id required), or an array of them.")]
    public required JsonElement Payload { get; init; }
}
