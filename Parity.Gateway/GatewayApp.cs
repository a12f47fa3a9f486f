using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Orleans.Dashboard;
using Parity.Configuration;
using Parity.Gateway.Contracts;
using Parity.Gateway.OpenApi;
using Parity.Gateway.Security;
using Parity.Json;

namespace Parity.Gateway;

/// <summary>Registers and maps the gateway; used by the gateway process and by a silo that co-hosts it.</summary>
public static class GatewayApp
{
    /// <param name="configuration">The keys the gateway and clustering options are read from.</param>
    public static IServiceCollection AddParityGateway(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddParityOptions(configuration);
        services.AddSingleton<ReplayGuard>();
        services.AddSingleton<ApiKeyFilter>();
        services.AddSingleton<DashboardAuth>();
        services.AddHttpClient();
        services.AddSingleton<Parity.Gateway.Storage.ContentStore>();
        services.AddSingleton<Parity.Gateway.Storage.ContentPinner>();
        services.AddSingleton<Parity.Gateway.Storage.UploadLog>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddProblemDetails();
        // A query parameter that does not parse (`?limit=abc`) is thrown as a BadHttpRequestException, answered by the
        // exception handler below with a problem that names the parameter, instead of an empty 400.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddParityOpenApi();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = ParityJson.Options.PropertyNamingPolicy;
            o.SerializerOptions.DefaultIgnoreCondition = ParityJson.Options.DefaultIgnoreCondition;
            // Numbers are numbers on the wire (and so in the OpenAPI schemas), never strings that hold one.
            o.SerializerOptions.NumberHandling = ParityJson.Options.NumberHandling;
            foreach (var converter in ParityJson.Options.Converters) o.SerializerOptions.Converters.Add(converter);
        });
        return services;
    }

    public static WebApplication MapParityGateway(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<GatewayOptions>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Parity.Gateway");
        if (settings.AllowUnsignedWebhooks)
            logger.LogWarning("RUNNER_WEBHOOK_ALLOW_UNSIGNED=true: /webhook accepts UNSIGNED requests. Anyone who can reach " +
                              "this gateway can submit tasks. Use it only to accept pushes from an upstream server that cannot sign.");
        if (settings.WebhookSecret is null && !settings.AllowUnsignedWebhooks)
            logger.LogInformation("RUNNER_WEBHOOK_SECRET is not set: /webhook refuses every request");

        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // A bad request that Kestrel refused (a body cut off or too slow, read by a route that does not go through
            // RequestBody) is the client's doing: answered below with its own status, never logged as a failure.
            SuppressDiagnosticsCallback = context => context.Exception is BadHttpRequestException,
            ExceptionHandler = async context =>
            {
                var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
                if (error is BadHttpRequestException bad)
                {
                    logger.LogDebug("{Method} {Path}: {Status} {Reason}", context.Request.Method, context.Request.Path, bad.StatusCode, bad.Message);
                    context.Response.StatusCode = bad.StatusCode;
                    await Problems.Status(bad.StatusCode, QueryBindingFailure.Describe(bad.Message)).ExecuteAsync(context);
                    return;
                }
                // A silo that just died makes calls to the grains it hosted fail or time out until the cluster declares it
                // dead and re-homes them: the request is sound and a retry in a few seconds succeeds, so the client is told
                // that (503, Retry-After), not that the gateway failed (see ClusterRecovering).
                if (ClusterRecovering.Is(error))
                {
                    logger.LogWarning("The cluster could not reach a grain for {Path}: {Reason}", context.Request.Path, error!.Message);
                    context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                    context.Response.Headers.RetryAfter = "5";
                    await Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Cluster recovering",
                        detail: "a silo of the cluster is unreachable or was just lost and its grains are moving to the others; " +
                                "retry in a few seconds").ExecuteAsync(context);
                    return;
                }
                logger.LogError(error, "Unhandled error on {Path}", context.Request.Path);
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                await Results.Problem(statusCode: context.Response.StatusCode, title: "Internal error",
                    detail: "the gateway failed to handle the request; see its log").ExecuteAsync(context);
            },
        });

        app.MapParityApiDocs();
        app.MapPost("/webhook", WebhookEndpoint.Handle)
            .WithName("pushTasks")
            .WithTags(ApiDocs.WebhookTag)
            .WithMetadata(RequiresWebhookSignature.Marker)
            .WithSummary("Upstream push {type: available_tasks, payload}; requires X-Parity-Signature")
            .WithDescription("Submits every task of the push, or none when any is invalid. 200 {status: ok | skipped} for one task, " +
                             "with accepted and skipped counts for several; 503 {status: busy, accepted, skipped, rejected} when the " +
                             "queue is full (TASK_QUEUE_LIMIT); 401 for a missing, malformed, stale or wrong signature; 409 for a replay.")
            .DocumentsBody<WebhookPush>()
            .AddOpenApiOperationTransformer(WebhookPush.DescribePayloadAsync)
            .Produces<WebhookReply>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .Produces<WebhookReply>(StatusCodes.Status503ServiceUnavailable)
            .CallsCluster();
        // The marker travels with the filter, so the document's security requirement is where the key is checked.
        var api = app.MapGroup("/api/v1").AddEndpointFilter<ApiKeyFilter>().WithMetadata(RequiresApiKey.Marker)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        TaskEndpoints.Map(api);
        FederationEndpoints.Map(api);
        LlmEndpoints.Map(api);
        RewardEndpoints.Map(api);
        ClusterEndpoints.Map(app, api);
        Parity.Gateway.Storage.StorageEndpoints.Map(api);
        Parity.Gateway.Storage.IpfsGatewayEndpoints.Map(app);
        Parity.Gateway.WebConsole.ConsoleEndpoints.Map(app);
        return app;
    }

    /// <summary>
    /// The Orleans dashboard at /dashboard, behind GATEWAY_API_KEY when one is set (<see cref="DashboardAuth"/>). It
    /// needs the dashboard's services: AddDashboard on the silo or the cluster client of this process.
    /// </summary>
    public static WebApplication MapParityDashboard(this WebApplication app)
    {
        var auth = app.Services.GetRequiredService<DashboardAuth>();
        app.Use((context, next) => auth.InvokeAsync(context, next));
        app.MapOrleansDashboard(routePrefix: DashboardAuth.Prefix).WithMetadata(DashboardEndpoint.Marker).ExcludeFromDescription();
        return app;
    }
}
