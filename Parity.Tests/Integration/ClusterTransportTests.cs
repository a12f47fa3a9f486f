using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using System.Security.Authentication;
using Orleans.Runtime.Messaging;
using Orleans.Connections.Security;
using Parity.Configuration;
using Parity.Gateway;
using Parity.Hosting;
using Parity.Runners;
using Parity.Tests.Support;

namespace Parity.Tests.Integration;

/// <summary>
/// A real silo on Redis clustering with the transport's mutual TLS, and Orleans clients knocking on its gateway port.
/// The attack of issue 11: any process that reached the port was a client of the cluster and could run tasks on every
/// runner, API key and webhook signature bypassed. Now only a certificate of the cluster CA gets in.
/// </summary>
public sealed class ClusterTransportTests : IAsyncLifetime
{
    private readonly ClusterPki _pki = new();
    private readonly ClusterPki _otherPki = new("Someone else's CA");
    private readonly string _clusterId = "tls-" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _work = Directory.CreateTempSubdirectory("parity-tls-").FullName;
    private readonly List<IHost> _hosts = [];
    private readonly RecordingLoggerProvider _siloLog = new();
    /// <summary>What the silo's TLS says when the certificate check (<see cref="ClusterTransport"/>) turns a client away.</summary>
    private const string Rejected = "rejected by the provided RemoteCertificateValidationCallback";

    private Dictionary<string, string?> Redis() => new()
    {
        ["ORLEANS_CLUSTERING"] = "redis",
        ["ORLEANS_REDIS"] = TestEngines.Redis,
        ["ORLEANS_CLUSTER_ID"] = _clusterId,
    };

    private static ClusteringOptions Read(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().ReadParityOptions<ClusteringOptions>();

    public async Task InitializeAsync()
    {
        var values = new Dictionary<string, string?>(ParityTestCluster.FastTimings)
        {
            ["SILO_NAME"] = "tls-silo",
            ["SILO_PORT"] = TestEngines.FreeTcpPort().ToString(),
            ["SILO_GATEWAY_PORT"] = TestEngines.FreeTcpPort().ToString(),
            ["RUNNER_WORK_DIR"] = _work,
        };
        foreach (var (key, value) in Redis()) values[key] = value;
        foreach (var (key, value) in _pki.Environment("tls-silo")) values[key] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var cluster = configuration.ReadParityOptions<ClusteringOptions>();

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddProvider(_siloLog);
        builder.UseOrleans(silo => silo.AddParityCluster(cluster).AddParityRunner(configuration));
        var silo = builder.Build();
        _hosts.Add(silo);
        await silo.StartAsync();
    }

    [Fact]
    public async Task A_client_with_a_certificate_of_the_cluster_CA_connects_and_calls_a_grain()
    {
        var values = Redis();
        foreach (var (key, value) in _pki.Environment("gateway")) values[key] = value;
        var client = await StartClient(c => c.AddParityCluster(Read(values)));

        var runners = await Eventually.Get(async () =>
        {
            var all = await client.GetGrain<IRunnerDirectoryGrain>(0).GetRunners();
            return all.Any(r => r.Name == "tls-silo" && r.Status == RunnerStatus.Online) ? all : null;
        }, TimeSpan.FromSeconds(60), "the TLS silo's runner online, seen through the client");
        Assert.Contains(runners, r => r.Name == "tls-silo");
    }

    [Fact]
    public async Task A_client_without_TLS_is_refused()
    {
        // What the second parity-gateway of issue 11 was: no TLS at all.
        var values = Redis();
        values["CLUSTER_ALLOW_INSECURE"] = "true";
        // Orleans' own preamble where the silo expects a TLS hello.
        await AssertRefused(c => c.AddParityCluster(Read(values)), "frame");
    }

    [Fact]
    public async Task A_TLS_client_without_a_certificate_is_refused()
    {
        var values = Redis();
        values["CLUSTER_ALLOW_INSECURE"] = "true";
        // It speaks TLS, trusts any silo, and shows no certificate of its own.
        await AssertRefused(c => c.AddParityCluster(Read(values)).UseTls(tls =>
        {
            tls.ClientCertificateMode = RemoteCertificateMode.AllowCertificate;
            tls.AllowAnyRemoteCertificate();
        }), Rejected);
    }

    [Fact]
    public async Task A_client_with_a_certificate_of_another_CA_is_refused()
    {
        var (certificatePath, keyPath) = _otherPki.Issue("rogue");
        using var certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        var values = Redis();
        values["CLUSTER_ALLOW_INSECURE"] = "true";
        // A well-formed leaf with both usages, from a CA the cluster never heard of; the client trusts any silo, so
        // only the silo's check stands between it and the cluster.
        await AssertRefused(c => c.AddParityCluster(Read(values)).UseTls(certificate, tls => tls.AllowAnyRemoteCertificate()), Rejected);
    }

    private async Task AssertRefused(Action<IClientBuilder> configure, string siloReason)
    {
        var error = await Record.ExceptionAsync(async () =>
        {
            // An Orleans client retries its gateways forever by default; this one gives up after the first refusal.
            var client = await StartClient(c =>
            {
                configure(c);
                c.UseConnectionRetryFilter((_, _) => Task.FromResult(false));
            });
            await client.GetGrain<IRunnerDirectoryGrain>(0).GetRunners();
        });
        Assert.IsType<ConnectionFailedException>(error);
        // Refused by the silo's TLS, not lost on the way: the silo says why it dropped the connection.
        await Eventually.True(() => _siloLog.Entries.Any(e => e.Category.EndsWith(".TlsServerConnectionMiddleware")
                && e.Error is AuthenticationException authentication && authentication.Message.Contains(siloReason)),
            TimeSpan.FromSeconds(10), $"the silo's TLS refusing the client ({siloReason})");
    }

    private async Task<IClusterClient> StartClient(Action<IClientBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(configure);
        var host = builder.Build();
        _hosts.Add(host);
        await host.StartAsync().WaitAsync(TimeSpan.FromSeconds(90));
        return host.Services.GetRequiredService<IClusterClient>();
    }

    public async Task DisposeAsync()
    {
        for (var i = _hosts.Count - 1; i >= 0; i--)
        {
            try
            {
                await _hosts[i].StopAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception)
            {
                // A refused client may fail to stop cleanly too; the silo still stops below.
            }
            _hosts[i].Dispose();
        }
        _pki.Dispose();
        _otherPki.Dispose();
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
