using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Parity.Tests.Support;
using StackExchange.Redis;

namespace Parity.Tests.Repository;

/// <summary>
/// Every ./deploy/test.sh run has engines of its own: nothing in the test command or the tests names the fixed ports
/// or the shared engine folder of the development scripts, and the engine scripts' --private start refuses a port in
/// use instead of taking whatever answers there.
/// </summary>
public sealed class TestRunIsolationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parity-isolation-").FullName;

    // The defaults of deploy/redis.sh, ipfs.sh and docker.sh when run by hand: shared by whoever runs them.
    private static readonly string[] SharedEngineMarks = ["6390", "5190", "5191", "parity-engines"];

    [Fact]
    public void Neither_the_test_command_nor_the_tests_name_the_shared_engines()
    {
        var root = TestEngines.RepoRoot;
        var files = Directory.EnumerateFiles(Path.Combine(root, "Parity.Tests"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") &&
                        !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") &&
                        Path.GetFileName(f) != $"{nameof(TestRunIsolationTests)}.cs") // it spells the marks out
            .Append(Path.Combine(root, "deploy", "test.sh"))
            .Append(Path.Combine(root, ".ci", "run"));

        var hits = new List<string>();
        foreach (var file in files)
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
                foreach (var mark in SharedEngineMarks.Where(m => lines[i].Contains(m, StringComparison.Ordinal)))
                    hits.Add($"{Path.GetRelativePath(root, file)}:{i + 1} names {mark}: {lines[i].Trim()}");
        }
        Assert.True(hits.Count == 0, "the test run must start engines of its own:\n" + string.Join('\n', hits));
    }

    [Theory]
    [InlineData("redis.sh", "a Redis of its own")]
    [InlineData("ipfs.sh", "a node of its own")]
    [InlineData("chain.sh", "a chain of its own")]
    public void A_private_start_refuses_a_port_in_use_and_starts_nothing(string script, string what)
    {
        var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            var port = ((IPEndPoint)taken.LocalEndpoint).Port;
            var (code, _, stderr) = Script(script, "start", "--port", port.ToString(), "--private");

            Assert.Equal(3, code);
            Assert.Contains($"port {port} is in use; --private starts only {what}", stderr);
            Assert.Empty(Directory.EnumerateFiles(_dir, "*.pid", SearchOption.AllDirectories));
        }
        finally
        {
            taken.Stop();
        }
    }

    [Fact]
    public async Task A_private_redis_is_the_process_that_answers_and_stop_ends_it()
    {
        var port = TestEngines.FreeTcpPort();
        var (code, stdout, stderr) = Script("redis.sh", "start", "--port", port.ToString(), "--private");
        Assert.True(code == 0, $"redis.sh start exited {code}: {stdout}{stderr}");
        var pid = int.Parse(File.ReadAllText(Path.Combine(_dir, "redis", $"redis-{port}.pid")).Trim());
        try
        {
            await using (var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},allowAdmin=true"))
            {
                var info = await redis.GetServer($"127.0.0.1:{port}").InfoAsync("server");
                Assert.Equal(pid.ToString(), info.SelectMany(group => group).Single(pair => pair.Key == "process_id").Value);
            }

            var stop = Script("redis.sh", "stop", "--port", port.ToString());
            Assert.True(stop.Code == 0, $"redis.sh stop exited {stop.Code}: {stop.Stdout}{stop.Stderr}");
            Assert.False(Directory.Exists($"/proc/{pid}"), $"redis-server {pid} still runs after redis.sh stop");
        }
        finally
        {
            if (Directory.Exists($"/proc/{pid}")) Process.GetProcessById(pid).Kill();
        }
    }

    /// <summary>Runs a deploy/ script with this test's own engine directory.</summary>
    private (int Code, string Stdout, string Stderr) Script(string script, params string[] arguments)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(TestEngines.RepoRoot, "deploy", script));
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        info.Environment["PARITY_ENGINES_DIR"] = _dir;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"bash did not start {script}");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
