using System.Net;
using System.Text;
using System.Text.Json;
using Parity.Storage;
using Parity.Tests.Support;

namespace Parity.Tests.Cluster;

/// <summary>
/// A long stdout is kept once: its head in the result, all of it in the runner's output store (by CID), served whole by
/// the gateway. Before, the result held stdout, stderr and output (the two again): 4.5 MB of JSON for 2 MiB printed.
/// </summary>
public sealed class LongOutputTests : IAsyncLifetime
{
    private const int InlineLimit = 4096;
    private readonly string _outputs = Path.Combine(Path.GetTempPath(), $"parity-long-output-{Guid.NewGuid():N}");
    private ParityTestCluster _cluster = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _cluster = await ParityTestCluster.StartAsync(silos: 2, overrides: _ => new Dictionary<string, string?>
        {
            ["RESULT_INLINE_LIMIT"] = InlineLimit.ToString(),
            // Both silos write here, so the test can look at the store whichever ran the task.
            ["RUNNER_OUTPUT_DIR"] = _outputs,
        });
        _gateway = await GatewayHost.StartAsync(_cluster.Client);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _cluster.DisposeAsync();
        if (Directory.Exists(_outputs)) Directory.Delete(_outputs, recursive: true);
    }

    private async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> Get(string path)
    {
        var response = await _gateway.Http.SendAsync(_gateway.Api(HttpMethod.Get, path));
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    private async Task<string> Run(string command)
    {
        var response = await _gateway.Http.SendAsync(_gateway.Api(HttpMethod.Post, "/api/v1/tasks",
            JsonSerializer.Serialize(new { type = "command", config = new { command } })));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        Assert.Equal(Parity.Tasks.TaskState.Completed, (await _cluster.WaitFinished(id)).Status);
        return id;
    }

    /// <summary>What <c>seq 1 N</c> prints.</summary>
    private static string Seq(int n) => string.Concat(Enumerable.Range(1, n).Select(i => i + "\n"));

    [Fact]
    public async Task A_long_stdout_is_stored_by_cid_and_the_result_keeps_only_its_head()
    {
        var id = await Run("seq 1 60000; echo short >&2");
        var expected = Seq(60000);

        var (status, body, _) = await Get($"/api/v1/tasks/{id}/result");
        Assert.Equal(HttpStatusCode.OK, status);
        var result = JsonDocument.Parse(body).RootElement;
        Assert.False(result.TryGetProperty("output", out _), "the result repeats stdout and stderr in 'output'");
        var head = result.GetProperty("stdout").GetString()!;
        Assert.True(expected.StartsWith(head, StringComparison.Ordinal) && head.Length > InlineLimit - 8 && head.Length <= InlineLimit,
            $"the head is {head.Length} chars");
        var file = result.GetProperty("stdout_file");
        Assert.Equal(expected.Length, file.GetProperty("bytes").GetInt64());
        Assert.Equal($"/api/v1/tasks/{id}/output/stdout", file.GetProperty("url").GetString());
        using var http = new HttpClient();
        var cid = await new IpfsNodeClient(TestEngines.Ipfs, http).AddAsync(new MemoryStream(Encoding.UTF8.GetBytes(expected)),
            IpfsAddOptions.UnixFsV1_2025 with { OnlyHash = true });
        Assert.Equal(cid, file.GetProperty("cid").GetString());
        // The short stream stays inline, with no file.
        Assert.Equal("short\n", result.GetProperty("stderr").GetString());
        Assert.Equal(JsonValueKind.Null, result.TryGetProperty("stderr_file", out var none) ? none.ValueKind : JsonValueKind.Null);
        Assert.True(body.Length < InlineLimit + 4096, $"the result is {body.Length} bytes for a {expected.Length}-byte stdout");

        var (outputStatus, whole, response) = await Get($"/api/v1/tasks/{id}/output/stdout");
        Assert.Equal(HttpStatusCode.OK, outputStatus);
        Assert.Equal(expected, whole);
        Assert.Equal($"\"{cid}\"", response.Headers.ETag?.ToString());
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var (stderrStatus, stderr, _) = await Get($"/api/v1/tasks/{id}/output/stderr");
        Assert.Equal(HttpStatusCode.OK, stderrStatus);
        Assert.Equal("short\n", stderr);

        // The task's logs point at the same file instead of carrying the stream.
        var (_, logs, _) = await Get($"/api/v1/tasks/{id}/logs");
        Assert.Equal(cid, JsonDocument.Parse(logs).RootElement.GetProperty("stdout_file").GetProperty("cid").GetString());
    }

    [Fact]
    public async Task A_stored_stream_that_is_gone_from_its_runner_is_410_not_a_short_read()
    {
        var id = await Run("seq 1 20000");
        var attempt = (await _cluster.TaskGrain(id).GetResult())!.Attempt;
        Assert.True(new OutputStore(_outputs).Delete(id), "the output was not in the runner's store");

        var (status, body, _) = await Get($"/api/v1/tasks/{id}/output/stdout");

        Assert.Equal(HttpStatusCode.Gone, status);
        Assert.Contains("no longer on runner", body);
        Assert.Null(new OutputStore(_outputs).Length(id, attempt, "stdout"));
    }

    [Fact]
    public async Task The_output_route_names_what_is_wrong()
    {
        var id = await Run("echo hi");
        var (badStream, body, _) = await Get($"/api/v1/tasks/{id}/output/stdin");
        Assert.Equal(HttpStatusCode.BadRequest, badStream);
        Assert.Contains("stream must be stdout or stderr, got 'stdin'", body);
        Assert.Equal(HttpStatusCode.NotFound, (await Get("/api/v1/tasks/no-such-task/output/stdout")).Status);
        var (inline, text, _) = await Get($"/api/v1/tasks/{id}/output/stdout");
        Assert.Equal(HttpStatusCode.OK, inline);
        Assert.Equal("hi\n", text);

        var running = ParityTestCluster.Command("sleep 30");
        await _cluster.TaskGrain(running.Id).Submit(running);
        var (notYet, why, _) = await Get($"/api/v1/tasks/{running.Id}/output/stdout");
        Assert.Equal(HttpStatusCode.Conflict, notYet);
        Assert.Contains("/logs", why);
        await _cluster.TaskGrain(running.Id).Cancel("test over");
    }
}
