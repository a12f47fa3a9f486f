using Parity.Tests.Support;

namespace Parity.Tests.Integration;

/// <summary>CLUSTER_ALLOW_INSECURE=true: a redis silo without TLS starts, and says loudly what that leaves open.</summary>
public sealed class InsecureTransportTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("parity-insecure-").FullName;
    private ParityProcess? _silo;

    [Fact]
    public async Task A_redis_silo_allowed_to_run_insecure_starts_and_warns()
    {
        _silo = ParityProcess.Start(TestEngines.BuiltDll("Parity.Silo", "parity-runner"), new Dictionary<string, string>
        {
            ["ORLEANS_CLUSTERING"] = "redis",
            ["ORLEANS_REDIS"] = TestEngines.Redis,
            ["ORLEANS_CLUSTER_ID"] = "insecure-" + Guid.NewGuid().ToString("N")[..12],
            ["SILO_NAME"] = "insecure-silo",
            ["SILO_PORT"] = TestEngines.FreeTcpPort().ToString(),
            ["SILO_GATEWAY_PORT"] = TestEngines.FreeTcpPort().ToString(),
            ["RUNNER_WORK_DIR"] = _work,
            ["CLUSTER_ALLOW_INSECURE"] = "true",
        }, _work);
        await _silo.WaitForOutput("is up", TimeSpan.FromSeconds(90));
        await _silo.WaitForOutput("CLUSTER_ALLOW_INSECURE=true: the cluster transport", TimeSpan.FromSeconds(10));
        Assert.Contains("neither encrypted nor authenticated", _silo.Output);
        Assert.Contains("parity-runner cluster init-ca", _silo.Output);
    }

    public void Dispose()
    {
        _silo?.Dispose();
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
