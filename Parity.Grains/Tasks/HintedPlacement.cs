using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Parity.Tasks;

/// <summary>
/// Places a task grain where its submitter asks (Orleans' placement hint in the request context), else on a random
/// compatible silo. A federated session puts each round task on its participant's silo, so the task lives and dies
/// with its participant: a silo that dies takes only its own participant's task with it, and the others' results never
/// wait for a dead silo to be declared dead.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class HintedPlacement : PlacementStrategy
{
    public static HintedPlacement Instance { get; } = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class HintedPlacementAttribute() : PlacementAttribute(HintedPlacement.Instance);

public sealed class HintedPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var compatible = context.GetCompatibleSilos(target);
        return Task.FromResult(IPlacementDirector.GetPlacementHint(target.RequestContextData, compatible)
                               ?? compatible[Random.Shared.Next(compatible.Length)]);
    }
}
