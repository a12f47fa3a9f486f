using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Orleans.Dashboard;
using Parity.Gateway;
using Parity.Gateway.Security;
using Parity.Tests.Support;

namespace Parity.Tests.Gateway;

/// <summary>
/// The dashboard behind GATEWAY_API_KEY (issue 11 §3): a silo with the dashboard co-hosts the gateway on a loopback
/// port, as <c>parity-runner run</c> does. Without the key, no dashboard path answers with content (its page, static
/// files, JSON API, the live log); with the key as Basic password or Bearer token they answer; without a configured
/// key the dashboard stays open, as before.
/// </summary>
public sealed class DashboardAuthTests
{
    private const string Key = GatewayHost.ApiKey;

    /// <summary>Every kind of dashboard path: the page, its script, its JSON API, and the live log stream.</summary>
    private static readonly string[] Paths =
    [
        "/dashboard", "/dashboard/", "/dashboard/index.html", "/dashboard/index.min.js", "/dashboard/Trace",
        "/dashboard/DashboardCounters", "/dashboard/ClusterStats", "/dashboard/GrainTypes", "/dashboard/Reminders",
        "/dashboard/TopGrainMethods", "/DASHBOARD/Trace", "/dashboard/version",
    ];

    [Fact]
    public async Task Without_the_key_every_dashboard_path_is_refused_and_with_it_they_answer()
    {
        await using var host = await DashboardHost.StartAsync(Key);
        foreach (var path in Paths)
        {
            foreach (var credential in new AuthenticationHeaderValue?[]
                     {
                         null, Basic("admin", "wrong-key-0123456789abcdef"), new("Bearer", "wrong"), Basic("admin", ""),
                         new("Basic", "not base64!"), new("Bearer", Key + "x"),
                     })
            {
                using var refused = await host.Get(path, credential);
                Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"{path} with {credential}: {(int)refused.StatusCode}");
                Assert.Equal(DashboardAuth.Challenge, refused.Headers.WwwAuthenticate.ToString());
                // A refusal is never cached: a proxy must not serve it (or a page) to the next visitor.
                Assert.Equal("no-store", refused.Headers.CacheControl?.ToString());
                var body = await refused.Content.ReadAsStringAsync();
                Assert.DoesNotContain("Orleans", body);
                Assert.Contains("GATEWAY_API_KEY", body);
                Assert.Contains("(HTTP Basic)", body);
                Assert.Contains("\"title\":\"Unauthorized\"", body);
            }
        }

        // The key alone, with no "user:" before it, is not Basic credentials; the path is matched in any case.
        using (var bare = await host.Get("/dashboard/index.html",
                   new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Key)))))
            Assert.Equal(HttpStatusCode.Unauthorized, bare.StatusCode);
        using (var shouted = await host.Get("/DASHBOARD/index.html", null))
            Assert.Equal(HttpStatusCode.Unauthorized, shouted.StatusCode);

        // An empty user name is still a user name: only the password is checked.
        foreach (var credential in new[] { Basic("anyone", Key), Basic("", Key), new AuthenticationHeaderValue("Bearer", Key) })
        {
            using var page = await host.Get("/dashboard/index.html", credential);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("<", await page.Content.ReadAsStringAsync());
            using var counters = await host.Get("/dashboard/DashboardCounters", credential);
            Assert.Equal(HttpStatusCode.OK, counters.StatusCode);
            Assert.StartsWith("{", (await counters.Content.ReadAsStringAsync()).TrimStart());
            using var trace = await host.Get("/dashboard/Trace", credential);
            Assert.Equal(HttpStatusCode.OK, trace.StatusCode);
        }
    }

    /// <summary>
    /// Either sign makes a request the dashboard's: its path, whatever routing makes of it (an unknown page under
    /// /dashboard is refused, not a 404 that tells which pages exist), or the endpoint routing chose, whatever the path.
    /// </summary>
    [Theory]
    [InlineData("/dashboard/no-such-page", false, true)]
    [InlineData("/Dashboard", false, true)]
    [InlineData("/elsewhere/reaching-the-dashboard", true, true)]
    [InlineData("/dashboardx", false, false)]
    [InlineData("/api/v1/tasks", false, false)]
    public void A_request_is_the_dashboards_by_its_path_or_by_its_endpoint(string path, bool dashboardEndpoint, bool expected)
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Path = path;
        if (dashboardEndpoint)
            Microsoft.AspNetCore.Http.EndpointHttpContextExtensions.SetEndpoint(context, new Microsoft.AspNetCore.Http.Endpoint(
                _ => Task.CompletedTask, new Microsoft.AspNetCore.Http.EndpointMetadataCollection(DashboardEndpoint.Marker), "dashboard"));
        Assert.Equal(expected, DashboardAuth.IsDashboard(context));
    }

    [Fact]
    public async Task Without_a_configured_key_the_loopback_dashboard_stays_open()
    {
        await using var host = await DashboardHost.StartAsync(key: null);
        using var counters = await host.Get("/dashboard/DashboardCounters", null);
        Assert.Equal(HttpStatusCode.OK, counters.StatusCode);
    }

    [Fact]
    public async Task Chromium_renders_the_dashboard_with_basic_credentials_and_gets_the_challenge_without()
    {
        await using var host = await DashboardHost.StartAsync(Key);
        var withKey = await RenderDashboard($"http://parity:{Key}@127.0.0.1:{host.Port}/dashboard/#/grains");
        Assert.Contains("Orleans Dashboard", withKey);
        var withoutKey = await RenderDashboard($"http://127.0.0.1:{host.Port}/dashboard/#/grains");
        Assert.DoesNotContain("Orleans Dashboard", withoutKey);
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private static async Task<string> RenderDashboard(string url)
    {
        var profile = Directory.CreateTempSubdirectory("parity-chromium-").FullName;
        try
        {
            var chromium = new ProcessStartInfo(TestEngines.Chromium)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                ArgumentList =
                {
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    $"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom", url,
                },
            };
            using var process = Process.Start(chromium)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var dom = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            await stderr;
            return dom;
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }

    /// <summary>A localhost-clustered silo with the dashboard that serves the gateway on a free loopback port.</summary>
    private sealed class DashboardHost : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly HttpClient _http;

        private DashboardHost(WebApplication app, int port)
        {
            _app = app;
            Port = port;
            _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        }

        public int Port { get; }

        public static async Task<DashboardHost> StartAsync(string? key)
        {
            var port = TestEngines.FreeTcpPort();
            var values = new Dictionary<string, string?> { ["GATEWAY_URLS"] = $"http://127.0.0.1:{port}" };
            if (key is not null) values["GATEWAY_API_KEY"] = key;
            var builder = WebApplication.CreateBuilder();
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
            var clusterId = "dash-" + Guid.NewGuid().ToString("N")[..8];
            builder.UseOrleans(silo => silo
                .UseLocalhostClustering(TestEngines.FreeTcpPort(), TestEngines.FreeTcpPort(), serviceId: clusterId, clusterId: clusterId)
                .AddDashboard());
            builder.Services.AddParityGateway(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
            var app = builder.Build();
            app.MapParityGateway();
            app.MapParityDashboard();
            await app.StartAsync();
            return new DashboardHost(app, port);
        }

        public Task<HttpResponseMessage> Get(string path, AuthenticationHeaderValue? credential)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = credential;
            // Headers only: /dashboard/Trace streams for as long as it is read.
            return _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        }

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
