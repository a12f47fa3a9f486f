using Orleans.Concurrency;

namespace Parity.Chain;

/// <summary>
/// Reports over the reward grains: one runner's account, or all of them summed (a call per runner, side by side), with
/// the payer's state when this cluster pays. Stateless, so every silo answers its own callers.
/// </summary>
[StatelessWorker]
public sealed class RewardLedgerGrain(ChainOptions chain, RewardOptions rewards) : Grain, IRewardLedgerGrain
{
    public async Task<RewardReport> Report(string? runner, int limit)
    {
        var names = runner is null ? await GrainFactory.GetGrain<IRewardRunnersGrain>(IRewardRunnersGrain.Key).Runners() : [runner];
        var accounts = await Task.WhenAll(names.Select(n => GrainFactory.GetGrain<IRewardAccountGrain>(n).Report(limit)));
        var payer = rewards.PaysOn(chain) ? await GrainFactory.GetGrain<IRewardPayerGrain>(IRewardPayerGrain.Key).Status() : null;
        return new RewardReport
        {
            Runner = runner,
            Earned = accounts.Sum(a => a.Earned),
            Pending = accounts.Sum(a => a.Pending),
            Paid = accounts.Sum(a => a.Paid),
            Unpaid = accounts.Sum(a => a.Unpaid),
            Count = accounts.Sum(a => a.Count),
            Payouts = payer is not null,
            Owed = payer?.Owed ?? 0,
            PayerProblem = payer?.Problem,
            Entries = accounts.SelectMany(a => a.Entries)
                .OrderByDescending(e => e.RecordedAt).ThenBy(e => e.TaskId, StringComparer.Ordinal).Take(limit).ToList(),
        };
    }
}
