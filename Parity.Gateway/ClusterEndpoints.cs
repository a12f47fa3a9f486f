using HealthCheckService = Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckService;
using HealthStatus = Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus;
using Parity.Tasks;
using System.Reflection;
using Parity.Configuration;
using Parity.Gateway.Contracts;
using Parity.Gateway.OpenApi;
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
        app.MapGet("/health", Health).WithName("health").WithTags(ApiDocs.ClusterTag)
            .WithSummary("200 healthy when the cluster answers, else 503")
            .WithDescription("Open without the API key. 200 {status: healthy, runners_online}; 200 {status: degraded, " +
                             "runners_online, error} when a check of a co-hosted silo fails (its network tunnel is down); " +
                             "503 {status: unhealthy, error} when the runner directory does not answer within 5 s.")
            .Produces<HealthReport>()
            .Produces<HealthReport>(StatusCodes.Status503ServiceUnavailable);
        app.MapGet("/api/status", Status).WithName("clusterStatus").WithTags(ApiDocs.ClusterTag)
            .WithSummary("Cluster summary: runners, slots, task counts")
            .WithDescription("Open without the API key: counts only, no task content.")
            .Produces<ClusterStatus>()
            .CallsCluster();
        api.MapGet("/runners", Runners).WithName("listRunners").WithTags(ApiDocs.ClusterTag)
            .WithSummary("Every silo's runner: status, capabilities, slots, last heartbeat")
            .Produces<IReadOnlyList<RunnerInfo>>()
            .CallsCluster();
    }

    private static async Task<IResult> Health(IGrainFactory grains, IServiceProvider services, CancellationToken cancellation)
    {
        try
        {
            var runners = await grains.GetGrain<IRunnerDirectoryGrain>(0).GetRunners().WaitAsync(TimeSpan.FromSeconds(5), cancellation);
            var online = runners.Count(r => r.Status == RunnerStatus.Online);
            // A co-hosted silo's own checks (the network tunnel): a failing one degrades the answer but is no 503, since
            // the cluster still works (it takes work by polling) and a restart would not bring a tunnel server back.
            if (services.GetService<HealthCheckService>() is { } checks
                && await checks.CheckHealthAsync(cancellation) is { Status: not HealthStatus.Healthy } local)
                return Results.Json(new HealthReport("degraded", RunnersOnline: online, Error: string.Join("; ", local.Entries
                    .Where(e => e.Value.Status != HealthStatus.Healthy).Select(e => $"{e.Key}: {e.Value.Description}"))));
            return Results.Json(new HealthReport("healthy", RunnersOnline: online));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            return Results.Json(new HealthReport("unhealthy", Error: e.Message), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static async Task<IResult> Status(IGrainFactory grains, ClusteringOptions cluster)
    {
        var runners = await grains.GetGrain<IRunnerDirectoryGrain>(0).GetRunners();
        var counts = await TaskIndex.CountsAsync(grains);
        var online = runners.Where(r => r.Status == RunnerStatus.Online).ToList();
        return Results.Json(new ClusterStatus(
            Version,
            cluster.ClusterId,
            ParityJson.WireName(cluster.Clustering),
            online.Count,
            runners.Count - online.Count,
            online.Sum(r => r.SlotsTotal),
            online.Sum(r => r.SlotsFree),
            counts), ParityJson.Options);
    }

    private static async Task<IResult> Runners(IGrainFactory grains) =>
        Results.Json(await grains.GetGrain<IRunnerDirectoryGrain>(0).GetRunners(), ParityJson.Options);
}
