namespace Parity.Chain;

[GenerateSerializer]
public sealed class RewardRunnersState
{
    [Id(0)] public SortedSet<string> Runners { get; set; } = new(StringComparer.Ordinal);
}
