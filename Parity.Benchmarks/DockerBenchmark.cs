using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Parity.Configuration;
using Parity.Execution;
using Parity.Execution.Docker;
using Parity.Tasks;

/// <summary>
/// Per-task cost of the docker executor against the `docker run` CLI with the same sandbox flags on the same image,
/// interleaved task by task so drift hits both sides alike.
/// </summary>
static class DockerBenchmark
{
    private const string Image = "localtest/busybox:1";

    public static async Task Run(int tasks, Uri host)
    {
        var options = new DockerExecutorOptions { Host = host, CpuLimit = Environment.ProcessorCount };
        using var engine = new DockerEngine(options, new ClusteringOptions { ClusterId = "bench", SiloName = "bench" },
            NullLogger<DockerEngine>.Instance);
        if (!await engine.RefreshAsync(CancellationToken.None))
            throw new InvalidOperationException($"no Docker engine answers at {host} (./deploy/docker.sh start && ./deploy/docker.sh image)");
        var executor = new DockerExecutor(engine, options, NullLogger<DockerExecutor>.Instance);

        string[] cli =
        [
            "--host", host.ToString(), "run", "--rm", "--network", "none", "--memory", $"{options.MemoryLimitBytes}",
            "--memory-swap", $"{options.MemoryLimitBytes}", "--cpus", $"{options.CpuLimit}", "--pids-limit", $"{options.PidsLimit}",
            "--read-only", "--tmpfs", $"/tmp:rw,nosuid,nodev,mode=1777,size={options.TmpfsBytes}", "--user", options.User,
            "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--log-driver", "none", "-a", "stdout", "-a", "stderr",
            Image, "true",
        ];

        // Warm both paths (image cache, client connection pool, JIT).
        for (var i = 0; i < 3; i++)
        {
            await RunCli(cli);
            await RunExecutor(executor, i);
        }

        var cliTimes = new List<double>();
        var executorTimes = new List<double>();
        for (var i = 0; i < tasks; i++)
        {
            cliTimes.Add(await RunCli(cli));
            executorTimes.Add(await RunExecutor(executor, i));
        }

        double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
        var (cliMean, executorMean) = (cliTimes.Average(), executorTimes.Average());
        Console.WriteLine($"docker: {tasks} `true` containers, one at a time, interleaved: executor mean {executorMean:N0} ms " +
                          $"(median {Median(executorTimes):N0}), `docker run` CLI mean {cliMean:N0} ms (median {Median(cliTimes):N0}), " +
                          $"executor/CLI {executorMean / cliMean:P0}");
    }

    private static async Task<double> RunCli(string[] arguments)
    {
        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(new ProcessStartInfo("/usr/bin/docker", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"docker run failed: {await stderr}");
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private static async Task<double> RunExecutor(DockerExecutor executor, int i)
    {
        var task = new ParityTask
        {
            Id = $"bench-{i}",
            Type = TaskType.Docker,
            Config = JsonSerializer.Serialize(new { image_name = Image }),
            Environment = new TaskEnvironment { Type = "docker", Config = """{"command":["true"]}""" },
        };
        var started = Stopwatch.GetTimestamp();
        var outcome = await executor.ExecuteAsync(TaskRun.Of(task, 1), new ExecutionOutput(1 << 20), CancellationToken.None);
        if (!outcome.Succeeded) throw new InvalidOperationException($"executor failed: {outcome.Error}");
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }
}
