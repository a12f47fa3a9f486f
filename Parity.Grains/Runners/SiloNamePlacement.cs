using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Parity.Runners;

/// <summary>Places a grain on the silo whose name equals the grain's key: a runner lives on its own machine.</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class SiloNamePlacement : PlacementStrategy
{
    public static SiloNamePlacement Instance { get; } = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloNamePlacementAttribute() : PlacementAttribute(SiloNamePlacement.Instance);

public sealed class SiloNamePlacementDirector(IClusterMembershipService membership) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var name = target.GrainIdentity.Key.ToString();
        var compatible = context.GetCompatibleSilos(target);
        var silo = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active && m.Name == name && compatible.Contains(m.SiloAddress))
            .Select(m => m.SiloAddress)
            .FirstOrDefault();
        return silo is not null
            ? Task.FromResult(silo)
            : throw new OrleansException($"no active silo named '{name}' to host its runner");
    }
}
