using Parity.Tasks;
using System.Reflection;
using Parity.Configuration;
using Parity.Json;
using Parity.Runners;

namespace Parity.Gateway;

/// <summary>/health, /api/status and /api/v1/runners.</summary>
public static class ClusterEndpoints
{
    private static readonly string Version =
        typeof(ClusterEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "dev";

    public static void Map(IEndpointRouteBuilder app, RouteGroupBuilder api)
    {
        app.MapGet("/health", Health).WithSummary("200 healthy when the cluster answers, else 503");
        app.MapGet("/api/status", Status).WithSummary("Cluster summary: runners, slots, task counts");
        api.MapGet("/runners", Runners).WithSummary("Every silo's runner: status, capabilities, slots, last heartbeat");
    }

    private static async Task<IResult> Health(IGrainFactory grains, CancellationToken cancellation)
    {
        try
        {
            var runners = await grains.GetGrain<IRunnerDirectoryGrain>(0).GetRunners().WaitAsync(TimeSpan.FromSeconds(5), cancellation);
            return Results.Json(new { status = "healthy", runners_online = runners.Count(r => r.Status == RunnerStatus.Online) });
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            return Results.Json(new { status = "unhealthy", error = e.Message }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static async Task<IResult> Status(IGrainFactory grains, ClusteringOptions cluster)
    {
        var runners = await grains.GetGrain<IRunnerDirectoryGrain>(0).GetRunners();
        var counts = await grains.GetGrain<ITaskIndexGrain>(0).Counts();
        var online = runners.Where(r => r.Status == RunnerStatus.Online).ToList();
        return Results.Json(new
        {
            version = Version,
            cluster_id = cluster.ClusterId,
            clustering = ParityJson.WireName(cluster.Clustering),
            runners_online = online.Count,
            runners_offline = runners.Count - online.Count,
            slots_total = online.Sum(r => r.SlotsTotal),
            slots_free = online.Sum(r => r.SlotsFree),
            tasks = counts,
        }, ParityJson.Options);
    }

    private static async Task<IResult> Runners(IGrainFactory grains) =>
        Results.Json(await grains.GetGrain<IRunnerDirectoryGrain>(0).GetRunners(), ParityJson.Options);
}
