using System.ComponentModel;

namespace Parity.Gateway.Contracts;

/// <summary>One chat message of a <see cref="PromptSubmission"/>.</summary>
public sealed record PromptMessage(
    [property: Description("system, user or assistant")] string Role,
    string Content);
