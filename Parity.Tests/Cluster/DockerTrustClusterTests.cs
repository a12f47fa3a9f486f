using System.Text.Json;
using Parity.Tasks;
using Parity.Tests.Execution.Docker;
using Parity.Tests.Support;

namespace Parity.Tests.Cluster;

/// <summary>
/// A real silo, configured from its keys like a deployed runner, with networking allowed
/// (RUNNER_DOCKER_ALLOW_NETWORK=true) and the default fetch policy: a task still cannot take the host's network or make
/// the runner fetch from its own loopback.
/// </summary>
public sealed class DockerTrustClusterTests : IAsyncLifetime
{
    private ParityTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ParityTestCluster.StartAsync(silos: 1, overrides: _ => new Dictionary<string, string?>
    {
        ["RUNNER_DOCKER_HOST"] = TestEngines.Docker.ToString(),
        ["RUNNER_DOCKER_ALLOW_NETWORK"] = "true",
    });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private static ParityTask Task(object config) => new()
    {
        Id = "docker-" + Guid.NewGuid().ToString("N")[..12],
        Title = "trust",
        Type = TaskType.Docker,
        Config = JsonSerializer.Serialize(config),
        Environment = new TaskEnvironment { Type = "docker", Config = """{"command":["true"]}""" },
        CreatedAt = DateTimeOffset.UtcNow,
    };

    [Fact]
    public async Task Host_networking_is_refused_even_on_a_runner_that_allows_networks()
    {
        var task = Task(new { image_name = TestEngines.DockerImage, network = "host" });
        await _cluster.TaskGrain(task.Id).Submit(task);

        var finished = await _cluster.WaitFinished(task.Id);
        Assert.Equal(TaskState.Failed, finished.Status);
        Assert.Contains("config.network 'host' is never allowed", finished.Error);
    }

    [Fact]
    public async Task An_image_url_on_the_runners_loopback_is_refused_before_any_connection()
    {
        await using var server = new LoopbackHttpServer().Serve("/image.tar", [1, 2, 3]);
        var url = server.Url + "image.tar";
        var task = Task(new { image_name = $"localtest/never-{Guid.NewGuid():N}:1", docker_image_url = url });
        await _cluster.TaskGrain(task.Id).Submit(task);

        var finished = await _cluster.WaitFinished(task.Id);
        Assert.Equal(TaskState.Failed, finished.Status);
        Assert.Equal($"docker_image_url {url}: refused: address class loopback not allowed (RUNNER_DOCKER_FETCH_ALLOW)", finished.Error);
        Assert.Empty(server.Hits);
    }
}
