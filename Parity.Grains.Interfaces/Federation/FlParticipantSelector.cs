namespace Parity.Federation;

/// <summary>
/// <c>participants</c> as a selector instead of names: the online runners whose compute path is <see cref="Compute"/>
/// (cuda, opencl or cpu-simd, as each runner reports it), the first <see cref="Count"/> of them by name when given.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FlParticipantSelector
{
    public static readonly string[] ComputePaths = ["cuda", "opencl", "cpu-simd"];

    [Id(0)] public string? Compute { get; init; }
    [Id(1)] public int? Count { get; init; }

    public bool Matches(Parity.Runners.RunnerCapabilities capabilities) =>
        Compute is null || string.Equals(capabilities.Compute, Compute, StringComparison.OrdinalIgnoreCase);

    public override string ToString() =>
        $"{(Compute is null ? "any runner" : $"runners with compute {Compute}")}{(Count is { } n ? $", {n} of them" : "")}";
}
