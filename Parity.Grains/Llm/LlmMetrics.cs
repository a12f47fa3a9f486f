using System.Diagnostics.Metrics;

namespace Parity.Llm;

/// <summary>
/// The LLM room's instruments (meter <c>Parity.Llm</c>): prompts and tokens per model, metered once per completed
/// prompt where its usage is recorded, and model pulls. Attributes follow the OpenTelemetry GenAI conventions
/// (<c>gen_ai.request.model</c>, <c>gen_ai.token.type</c>).
/// </summary>
public static class LlmMetrics
{
    public const string Name = "Parity.Llm";

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Prompts = Meter.CreateCounter<long>("parity.llm.prompts", "{prompt}",
        "Prompts completed, per model");
    private static readonly Counter<long> Tokens = Meter.CreateCounter<long>("parity.llm.tokens", "{token}",
        "Tokens of completed prompts, per model: input (prompt tokens the backend evaluated) and output (generated)");
    private static readonly Counter<long> Pulls = Meter.CreateCounter<long>("parity.llm.model.pulls", "{pull}",
        "Model pulls that ended on a runner, per model and outcome (success or failure)");

    public static void RecordPrompt(string model, LlmUsage usage)
    {
        var name = Model(model);
        Prompts.Add(1, name);
        // A prompt whose prefix the backend had cached reports no input count: unknown, so not counted as 0 either.
        if (usage.PromptTokens is { } input) Tokens.Add(input, name, new("gen_ai.token.type", "input"));
        Tokens.Add(usage.CompletionTokens, name, new("gen_ai.token.type", "output"));
    }

    public static void RecordPull(string model, bool succeeded) =>
        Pulls.Add(1, Model(model), new("pull.status", succeeded ? "success" : "failure"));

    private static KeyValuePair<string, object?> Model(string model) => new("gen_ai.request.model", model);
}
