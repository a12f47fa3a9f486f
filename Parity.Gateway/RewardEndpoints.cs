using Parity.Chain;
using Parity.Gateway.OpenApi;
using Parity.Json;
using Parity.Tasks;

namespace Parity.Gateway;

/// <summary>/api/v1/rewards: the cluster's reward ledger (earned, pending, paid with transaction hashes).</summary>
public static class RewardEndpoints
{
    public const int MaxPageSize = IRewardAccountGrain.Recent;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/rewards", List).WithName("listRewards").WithTags(ApiDocs.RewardsTag)
            .WithSummary("Rewards earned, pending and paid; ?runner=&limit=")
            .WithDescription("Totals (tokens, exact decimals) cover all of the runner's rewards (every runner's without ?runner=); " +
                             $"entries are the newest first, limit from 1 to {MaxPageSize} (default {MaxPageSize}): each runner's " +
                             $"newest {MaxPageSize} are kept in its account, and every reward stays readable at /rewards/{{task_id}}. " +
                             "status: unpaid (with the reason), pending, sending (tx_hash recorded before it was sent) or paid (tx_hash, block).")
            .Produces<RewardReport>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .CallsCluster();
        api.MapGet("/rewards/{taskId}", Get).WithName("getReward").WithTags(ApiDocs.RewardsTag)
            .WithSummary("One task's reward")
            .WithDescription("404 when the task has earned none: it is unknown, has not completed, or failed (failed and cancelled tasks earn nothing).")
            .Produces<RewardEntry>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .CallsCluster();
    }

    private static async Task<IResult> List(IGrainFactory grains, string? runner, int? limit)
    {
        if (limit is < 1 or > MaxPageSize) return Problems.BadRequest($"limit must be from 1 to {MaxPageSize}, got {limit}");
        if (runner is not null && (runner.Length is 0 or > TaskValidator.MaxDeviceIdLength || runner.Any(char.IsControl)))
            return Problems.BadRequest($"runner must be a runner's name, 1-{TaskValidator.MaxDeviceIdLength} characters without control characters");
        var report = await grains.GetGrain<IRewardLedgerGrain>(0).Report(runner, limit ?? MaxPageSize);
        return Results.Json(report, ParityJson.Options);
    }

    private static async Task<IResult> Get(IGrainFactory grains, string taskId)
    {
        var entry = TaskValidator.IsValidId(taskId) ? await grains.GetGrain<IRewardGrain>(taskId).Get() : null;
        return entry is null
            ? Problems.NotFound($"task {taskId} has no reward: it is unknown, has not completed, or did not complete successfully")
            : Results.Json(entry, ParityJson.Options);
    }
}
