using Parity.Chain;
using Parity.Gateway.OpenApi;
using Parity.Json;
using Parity.Tasks;

namespace Parity.Gateway;

/// <summary>/api/v1/rewards: the cluster's reward ledger (earned, pending, paid with transaction hashes).</summary>
public static class RewardEndpoints
{
    public const int MaxPageSize = 1000;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/rewards", List).WithName("listRewards").WithTags(ApiDocs.RewardsTag)
            .WithSummary("Rewards earned, pending and paid; ?runner=&limit=")
            .WithDescription("One entry per completed task. Totals (tokens, exact decimals) cover all of the runner's entries; " +
                             $"entries are the newest first, limit from 1 to {MaxPageSize} (default 100). status: unpaid (with the " +
                             "reason), pending, sending (tx_hash recorded before it was sent) or paid (tx_hash, block).")
            .Produces<RewardReport>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .CallsCluster();
    }

    private static async Task<IResult> List(IGrainFactory grains, string? runner, int? limit)
    {
        if (limit is < 1 or > MaxPageSize) return Problems.BadRequest($"limit must be from 1 to {MaxPageSize}, got {limit}");
        if (runner is not null && (runner.Length is 0 or > TaskValidator.MaxDeviceIdLength || runner.Any(char.IsControl)))
            return Problems.BadRequest($"runner must be a runner's name, 1-{TaskValidator.MaxDeviceIdLength} characters without control characters");
        var report = await grains.GetGrain<IRewardLedgerGrain>(IRewardLedgerGrain.Key).Report(runner, limit ?? 100);
        return Results.Json(report, ParityJson.Options);
    }
}
