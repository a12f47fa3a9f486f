using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Parity.Gateway;
using Parity.Gateway.Security;
using Parity.Gateway.Telemetry;
using Parity.Configuration;

namespace Parity.Tests.Support;

/// <summary>The real gateway pipeline on a test server, talking to a real test cluster.</summary>
public sealed class GatewayHost : IAsyncDisposable
{
    public const string Secret = "test-webhook-secret-0123456789";
    public const string ApiKey = "test-api-key-0123456789abcdef";

    private readonly WebApplication _app;

    private GatewayHost(WebApplication app, HttpClient client)
    {
        _app = app;
        Http = client;
    }

    public HttpClient Http { get; }

    /// <param name="port">Listen on this loopback port with Kestrel (for callers outside the test, such as silos fetching
    /// content from /ipfs); null: an in-memory test server.</param>
    /// <param name="log">Also log to this provider, from Debug up.</param>
    /// <param name="services">More services, after the gateway's (a co-hosted silo's health checks, say).</param>
    public static async Task<GatewayHost> StartAsync(IClusterClient? cluster, IReadOnlyDictionary<string, string?>? settings = null,
        int? port = null, ILoggerProvider? log = null, Action<IServiceCollection>? services = null)
    {
        var values = new Dictionary<string, string?> { ["RUNNER_WEBHOOK_SECRET"] = Secret, ["GATEWAY_API_KEY"] = ApiKey };
        if (settings is not null)
            foreach (var (key, value) in settings) values[key] = value;

        var builder = WebApplication.CreateBuilder();
        if (log is not null)
        {
            builder.Logging.AddProvider(log);
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
        }
        if (port is { } listen) builder.WebHost.UseUrls($"http://127.0.0.1:{listen}");
        else builder.WebHost.UseTestServer();
        // Storage tests need no cluster: the storage routes never call a grain.
        if (cluster is not null) builder.Services.AddSingleton<IGrainFactory>(cluster);
        else builder.Services.AddSingleton<IGrainFactory>(_ => throw new InvalidOperationException("this test gateway has no cluster"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        builder.Services.AddParityGateway(configuration);
        services?.Invoke(builder.Services);
        builder.AddParityTelemetry(configuration, "parity-gateway", "test-gateway", scrape: true);
        var app = builder.Build();
        app.MapParityGateway();
        var telemetry = configuration.ReadParityOptions<Parity.Configuration.TelemetryOptions>();
        app.MapParityMetrics(new MetricsAuth(telemetry.MetricsKey, app.Services.GetRequiredService<GatewayOptions>().ApiKey));
        await app.StartAsync();
        return new GatewayHost(app, port is { } p ? new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{p}") } : app.GetTestClient());
    }

    public static HttpRequestMessage SignedWebhook(string body, DateTimeOffset? at = null, string secret = Secret) =>
        SignedWebhook(Encoding.UTF8.GetBytes(body), at, secret);

    public static HttpRequestMessage SignedWebhook(byte[] body, DateTimeOffset? at = null, string secret = Secret)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhook") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add(WebhookSignature.HeaderName,
            WebhookSignature.Sign(secret, (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds(), body));
        return request;
    }

    public HttpRequestMessage Api(HttpMethod method, string path, string? json = null, string? key = ApiKey)
    {
        var request = new HttpRequestMessage(method, path);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    /// <summary>Uploads bytes to the gateway's storage (legacy profile) and returns the CID it answers.</summary>
    public async Task<string> UploadAsync(byte[] content, string profile = "legacy")
    {
        var request = Api(HttpMethod.Post, $"/api/v1/storage/upload?profile={profile}");
        request.Content = new ByteArrayContent(content);
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"upload failed: {(int)response.StatusCode} {body}");
        return System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("cid").GetString()!;
    }

    public static string Push(string taskJson) => $$"""{"type":"available_tasks","payload":{{taskJson}}}""";

    public static string CommandTask(string id, string command) =>
        $$$"""{"id":"{{{id}}}","title":"t","type":"command","config":{"command":"{{{command}}}"}}""";

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One two-silo cluster shared by a test class.</summary>
public sealed class SharedCluster : IAsyncLifetime
{
    public ParityTestCluster Cluster { get; private set; } = null!;
    public async Task InitializeAsync() => Cluster = await ParityTestCluster.StartAsync(silos: 2);
    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
