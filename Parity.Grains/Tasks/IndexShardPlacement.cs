using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Parity.Tasks;

/// <summary>
/// Spreads the task index shards over the silos: shard k goes to the (k mod n)-th of the n compatible silos, ordered by
/// address, so every silo holds its share and no single silo serves every listing. Random placement could put all
/// eight on one silo; hash placement gives no such promise either.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class IndexShardPlacement : PlacementStrategy
{
    public static IndexShardPlacement Instance { get; } = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class IndexShardPlacementAttribute() : PlacementAttribute(IndexShardPlacement.Instance);

public sealed class IndexShardPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target).OrderBy(s => s.ToString(), StringComparer.Ordinal).ToArray();
        var shard = target.GrainIdentity.GetIntegerKey();
        return Task.FromResult(silos[(int)(Math.Abs(shard) % silos.Length)]);
    }
}
