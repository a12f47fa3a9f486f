namespace Parity.Chain;

[GenerateSerializer]
public sealed class RewardAccountState
{
    [Id(0)] public decimal Unpaid { get; set; }
    /// <summary>Pending and sending.</summary>
    [Id(1)] public decimal Pending { get; set; }
    [Id(2)] public decimal Paid { get; set; }
    /// <summary>The newest entries, newest first, at most <see cref="IRewardAccountGrain.Recent"/>.</summary>
    [Id(3)] public List<RewardEntry> Recent { get; set; } = [];
    /// <summary>Task id → the last step applied, for postings whose reward grain has not yet said it stored them: what
    /// makes a posting sent again (after a crash) count once. Small: a reward is here only between two calls.</summary>
    [Id(4)] public Dictionary<string, int> Applied { get; set; } = new(StringComparer.Ordinal);
    /// <summary>The runner is in <see cref="IRewardRunnersGrain"/>.</summary>
    [Id(5)] public bool Listed { get; set; }
    [Id(6)] public int Count { get; set; }
}
