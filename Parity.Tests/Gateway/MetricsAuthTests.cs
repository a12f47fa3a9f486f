using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Parity.Gateway.Security;

namespace Parity.Tests.Gateway;

/// <summary>
/// Who may scrape /metrics, and what a refused scraper is told: the refusal names exactly the keys that this endpoint
/// takes, so an operator fixing a scrape config is not sent after a key the endpoint does not have (a silo's own
/// /metrics has no GATEWAY_API_KEY). Found by mutation testing: nothing checked the title, the texts or the names.
/// </summary>
public sealed class MetricsAuthTests
{
    private const string MetricsKey = "metrics-key-0123456789abcdef";
    private const string ApiKey = "api-key-0123456789abcdef0123";

    [Theory]
    [InlineData(null, "missing Authorization: Bearer <METRICS_KEY>")]
    [InlineData("Bearer wrong-key-0123456789abcdef", "invalid key: /metrics takes METRICS_KEY")]
    [InlineData("Basic bWU6bWV0cmljcy1rZXktMDEyMzQ1Njc4OWFiY2RlZg==", "invalid key: /metrics takes METRICS_KEY")]
    public async Task A_silos_endpoint_refuses_naming_only_METRICS_KEY(string? authorization, string detail)
    {
        var (status, problem, passed) = await Scrape(new MetricsAuth(MetricsKey, apiKey: null), authorization);
        Assert.False(passed);
        Assert.Equal(StatusCodes.Status401Unauthorized, status);
        Assert.Equal("Unauthorized", problem.GetProperty("title").GetString());
        Assert.Equal(detail, problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task The_gateways_endpoint_names_both_keys_or_only_the_one_it_has()
    {
        var (_, both, _) = await Scrape(new MetricsAuth(MetricsKey, ApiKey), "Bearer nope-0123456789abcdef");
        Assert.Equal("invalid key: /metrics takes METRICS_KEY or GATEWAY_API_KEY", both.GetProperty("detail").GetString());
        var (_, apiOnly, _) = await Scrape(new MetricsAuth(metricsKey: null, ApiKey), null);
        Assert.Equal("missing Authorization: Bearer <GATEWAY_API_KEY>", apiOnly.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Either_key_passes_and_no_key_configured_means_open()
    {
        Assert.True((await Scrape(new MetricsAuth(MetricsKey, ApiKey), $"Bearer {MetricsKey}")).Passed);
        Assert.True((await Scrape(new MetricsAuth(MetricsKey, ApiKey), $"bearer {ApiKey}")).Passed);
        Assert.True((await Scrape(new MetricsAuth(null, null), null)).Passed);
        Assert.False((await Scrape(new MetricsAuth(MetricsKey, null), $"Bearer {ApiKey}")).Passed);
    }

    private static async Task<(int Status, JsonElement Problem, bool Passed)> Scrape(MetricsAuth auth, string? authorization)
    {
        var context = new DefaultHttpContext
        {
            RequestServices = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider(),
        };
        context.Request.Path = "/metrics";
        if (authorization is not null) context.Request.Headers.Authorization = authorization;
        var body = new MemoryStream();
        context.Response.Body = body;
        var passed = false;
        await auth.InvokeAsync(context, _ =>
        {
            passed = true;
            return Task.CompletedTask;
        });
        var problem = body.Length == 0 ? default : JsonDocument.Parse(body.ToArray()).RootElement.Clone();
        return (context.Response.StatusCode, problem, passed);
    }
}
