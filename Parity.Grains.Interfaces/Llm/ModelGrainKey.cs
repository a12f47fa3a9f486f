namespace Parity.Llm;

/// <summary>The key of a model's <see cref="IModelGrain"/>: the name as prompts request it, trimmed and lower-cased.</summary>
public static class ModelGrainKey
{
    public static string Of(string model) => model.Trim().ToLowerInvariant();
}
