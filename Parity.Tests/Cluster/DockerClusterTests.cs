using System.Text.Json;
using Docker.DotNet;
using ContainerListResponse = Docker.DotNet.Models.ContainerListResponse;
using ContainersListParameters = Docker.DotNet.Models.ContainersListParameters;
using Parity.Execution.Docker;
using Parity.Runners;
using Parity.Tasks;
using Parity.Tests.Support;

namespace Parity.Tests.Cluster;

/// <summary>
/// Two real silos and the real test dockerd: silo 0's engine is down (its RUNNER_DOCKER_HOST answers nothing), silo 1's
/// is up with two slots. Docker tasks must all go to silo 1, never more than two at once.
/// </summary>
public sealed class DockerClusterTests : IAsyncLifetime
{
    private ParityTestCluster _cluster = null!;
    private readonly DockerClient _docker = new DockerClientConfiguration(TestEngines.Docker).CreateClient();

    public async Task InitializeAsync() => _cluster = await ParityTestCluster.StartAsync(silos: 2, overrides: index => new Dictionary<string, string?>
    {
        ["RUNNER_DOCKER_HOST"] = index == 0 ? "unix:///tmp/parity-no-such-docker.sock" : TestEngines.Docker.ToString(),
        ["RUNNER_DOCKER_PING_INTERVAL"] = "500ms",
        ["RUNNER_MAX_CONCURRENT_TASKS"] = "2",
    });

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _docker.Dispose();
    }

    public static ParityTask DockerTask(string script, string? id = null) => new()
    {
        Id = id ?? "docker-" + Guid.NewGuid().ToString("N")[..12],
        Title = script,
        Type = TaskType.Docker,
        Config = JsonSerializer.Serialize(new { image_name = TestEngines.DockerImage }),
        Environment = new TaskEnvironment
        {
            Type = "docker",
            Config = JsonSerializer.Serialize(new { command = new[] { "sh", "-c", script } }),
        },
        CreatedAt = DateTimeOffset.UtcNow,
    };

    private async Task<IList<ContainerListResponse>> ContainersOf(IReadOnlyCollection<string> taskIds) =>
        (await _docker.Containers.ListContainersAsync(new ContainersListParameters { All = true }))
        .Where(c => c.Labels.TryGetValue(DockerEngine.TaskLabel, out var task) && taskIds.Contains(task))
        .ToList();

    [Fact]
    public async Task Docker_tasks_go_only_to_the_runner_whose_engine_answers()
    {
        var runners = await _cluster.Client.GetGrain<IRunnerDirectoryGrain>(0).GetRunners();
        var withEngine = Assert.Single(runners, r => r.Capabilities.Docker);
        Assert.NotNull(withEngine.Capabilities.DockerVersion);
        Assert.Contains(TaskType.Docker, withEngine.Capabilities.TaskTypes);
        using (var compute = Parity.Learning.Compute.Gpu.AcceleratorSelector.Select())
            Assert.All(runners, r => Assert.Equal(compute.Info.Kind, r.Capabilities.Compute));
        var withoutEngine = Assert.Single(runners, r => !r.Capabilities.Docker);
        Assert.DoesNotContain(TaskType.Docker, withoutEngine.Capabilities.TaskTypes);

        var tasks = Enumerable.Range(0, 4).Select(i => DockerTask($"echo container {i}")).ToList();
        foreach (var task in tasks) Assert.Equal(SubmitOutcome.Accepted, await _cluster.TaskGrain(task.Id).Submit(task));

        for (var i = 0; i < tasks.Count; i++)
        {
            var finished = await _cluster.WaitFinished(tasks[i].Id);
            Assert.Equal(TaskState.Completed, finished.Status);
            Assert.Equal(withEngine.Name, finished.Runner);
            var result = (await _cluster.TaskGrain(tasks[i].Id).GetResult())!;
            Assert.Equal($"container {i}\n", result.Stdout);
            Assert.Matches("^[0-9a-f]{64}$", result.ImageHashVerified);
        }
        Assert.Empty(await ContainersOf(tasks.Select(t => t.Id).ToList()));
    }

    [Fact]
    public async Task Several_containers_run_at_once_but_never_more_than_the_runners_slots()
    {
        var tasks = Enumerable.Range(0, 5).Select(_ => DockerTask("sleep 1")).ToList();
        var ids = tasks.Select(t => t.Id).ToList();
        foreach (var task in tasks) await _cluster.TaskGrain(task.Id).Submit(task);

        var mostAtOnce = 0;
        while (true)
        {
            var states = await Task.WhenAll(ids.Select(id => _cluster.TaskGrain(id).Get()));
            mostAtOnce = Math.Max(mostAtOnce, (await ContainersOf(ids)).Count);
            if (states.All(t => t!.Status.IsTerminal())) break;
            await Task.Delay(50);
        }

        Assert.InRange(mostAtOnce, 2, 2);
        foreach (var id in ids)
        {
            var finished = (await _cluster.TaskGrain(id).Get())!;
            Assert.True(finished.Status == TaskState.Completed, $"{id}: {finished.Status}, {finished.Error}");
        }
        Assert.Empty(await ContainersOf(ids));
    }

    [Fact]
    public async Task Output_streams_to_the_logs_while_the_container_runs_and_cancel_removes_it()
    {
        var task = DockerTask("echo first line; sleep 60");
        await _cluster.TaskGrain(task.Id).Submit(task);

        var live = await Eventually.Get(async () =>
            {
                var logs = (await _cluster.TaskGrain(task.Id).GetLogs())!;
                // A task that ended cannot show live output any more: say how it ended rather than wait it out.
                if (logs.Status.IsTerminal())
                    throw new Xunit.Sdk.XunitException($"the task ended {logs.Status} before its live output was read: " +
                        string.Join(" | ", logs.Events.Select(e => e.Message)));
                return logs is { Live: true } && logs.Stdout.Contains("first line") ? logs : null;
            },
            TimeSpan.FromSeconds(30), "live output of the running container");
        Assert.Equal(TaskState.Running, live.Status);
        Assert.Single(await ContainersOf([task.Id]));

        Assert.Equal(CancelOutcome.Cancelled, await _cluster.TaskGrain(task.Id).Cancel("test cancels"));
        await Eventually.True(async () => (await ContainersOf([task.Id])).Count == 0, TimeSpan.FromSeconds(30),
            "the cancelled task's container is removed");
        Assert.Equal(TaskState.Cancelled, (await _cluster.TaskGrain(task.Id).Get())!.Status);
    }

    [Fact]
    public async Task A_silo_that_shuts_down_removes_its_running_containers()
    {
        var task = DockerTask("echo running; sleep 60");
        await _cluster.TaskGrain(task.Id).Submit(task);
        var running = await _cluster.WaitFor(task.Id, t => t.Status == TaskState.Running, TimeSpan.FromSeconds(30), "running");
        await Eventually.True(async () => (await ContainersOf([task.Id])).Count == 1, TimeSpan.FromSeconds(30), "its container exists");

        await _cluster.Cluster.StopSiloAsync(_cluster.Cluster.Silos.Single(s => s.Name == running.Runner));

        // The task is handed back, and another silo may already run it in a container of its own: what must be gone is
        // the stopped silo's.
        Assert.DoesNotContain(await ContainersOf([task.Id]), c => c.Labels[DockerEngine.SiloLabel] == running.Runner);
    }
}

/// <summary>One silo whose engine is down: a docker task cannot be run anywhere and fails with the reason.</summary>
public sealed class DockerNowhereTests : IAsyncLifetime
{
    private ParityTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ParityTestCluster.StartAsync(silos: 1, overrides: _ => new Dictionary<string, string?>
    {
        ["RUNNER_DOCKER_HOST"] = "unix:///tmp/parity-no-such-docker.sock",
    });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_docker_task_no_runner_can_take_fails_with_that_reason()
    {
        var task = DockerClusterTests.DockerTask("echo never");
        await _cluster.TaskGrain(task.Id).Submit(task);

        var finished = await _cluster.WaitFinished(task.Id);
        Assert.Equal(TaskState.Failed, finished.Status);
        Assert.StartsWith("no runner in the cluster can run 'docker' tasks (no runner has a Docker engine answering at its RUNNER_DOCKER_HOST)",
            finished.Error);
    }
}
