namespace Parity.Llm;

/// <summary>A runner's answer to "pull this model": started (or already pulling it), or why not.</summary>
[GenerateSerializer, Immutable]
public sealed record ModelPullAnswer
{
    public static readonly ModelPullAnswer Started = new();

    /// <summary>Why the runner will not pull the model, naming the key or limit; null when it pulls it.</summary>
    [Id(0)] public string? Refused { get; init; }

    /// <summary>Refused only because the runner already runs as many pulls as it may: asking later can succeed.</summary>
    [Id(1)] public bool Busy { get; init; }

    public bool IsStarted => Refused is null;
}
