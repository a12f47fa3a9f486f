using Parity.Common;
using Parity.Hosting;

namespace Parity.Chain;

/// <summary>The runners with a reward account. Written once per runner, ever; read by reports over all runners.</summary>
public sealed class RewardRunnersGrain(
    [PersistentState("rewardRunners", ParityStorage.Name)] IPersistentState<RewardRunnersState> state) : Grain, IRewardRunnersGrain
{
    public async Task Add(string runner)
    {
        if (!state.State.Runners.Add(runner)) return;
        await state.WriteOrDropAsync(this);
    }

    public Task<IReadOnlyList<string>> Runners() => Task.FromResult<IReadOnlyList<string>>(state.State.Runners.ToList());
}
