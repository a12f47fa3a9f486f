using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Parity.Tests.Support;

namespace Parity.Tests.Gateway;

/// <summary>
/// Bodies that never arrive whole, over real sockets to the real gateway on Kestrel: cut off before their Content-Length
/// (400), sent slower than Kestrel's minimum data rate (408), or dropped with a reset. Each is the client's doing: one
/// debug line, never an error with a stack trace, and the gateway keeps serving.
/// </summary>
public sealed class RequestBodyErrorTests(SharedCluster shared) : IClassFixture<SharedCluster>, IAsyncLifetime
{
    private readonly RecordingLoggerProvider _log = new();
    private readonly int _port = TestEngines.FreeTcpPort();
    private readonly string _storage = Path.Combine(Path.GetTempPath(), $"parity-body-{Guid.NewGuid():N}");
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayHost.StartAsync(shared.Cluster.Client,
        new Dictionary<string, string?> { ["STORAGE_DIR"] = _storage }, _port, _log);

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        if (Directory.Exists(_storage)) Directory.Delete(_storage, recursive: true);
    }

    /// <summary>Every route that reads its body through RequestBody, and the storage upload, which streams its own.</summary>
    public static TheoryData<string> Routes => new()
    {
        "/webhook", "/api/v1/tasks", "/api/v1/llm/prompts", "/api/v1/federated-learning/sessions",
        "/api/v1/federated-learning/model-updates", "/api/v1/storage/upload",
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task A_body_cut_off_before_its_content_length_is_a_400_without_a_stack_trace(string path)
    {
        using var client = await ConnectAsync();
        var stream = client.GetStream();
        await stream.WriteAsync(Head(path, contentLength: 1000));
        await stream.WriteAsync("""{"type":"available_tasks","payload":"""u8.ToArray());
        // The body ends here, 37 bytes into the 1000 announced. Kestrel takes the client's FIN for the end of the
        // connection, so the 400 rarely reaches the client: the gateway's own line says what it answered.
        client.Client.Shutdown(SocketShutdown.Send);

        var response = await ReadAllAsync(stream);
        Assert.True(response.Length == 0 || response.StartsWith("HTTP/1.1 400 ", StringComparison.Ordinal), response);
        var line = await Eventually.Get<string>(() => Task.FromResult<string?>(_log.Entries.FirstOrDefault(e => e.Level == LogLevel.Debug
                && e.Category.StartsWith("Parity.Gateway", StringComparison.Ordinal) && e.Message.StartsWith($"POST {path}: 400 ", StringComparison.Ordinal)).Message),
            TimeSpan.FromSeconds(30), $"the gateway's debug line about the body of {path}");
        // The upload streams into the store and says so in its own words. Kestrel reports the FIN either as the end of the
        // body (a read returns short of the Content-Length) or as the connection aborted, depending on which it sees first.
        if (path.EndsWith("/upload", StringComparison.Ordinal)) Assert.Contains("cut-off upload body", line);
        else Assert.Matches(@"the client closed the connection after \d+ bytes|the request body ended after \d+ of the 1000 bytes", line);
        AssertNoErrorLogged();
        await AssertStillServing();
    }

    [Theory]
    [InlineData("/webhook")]
    [InlineData("/api/v1/tasks")]
    [InlineData("/api/v1/storage/upload")]
    public async Task A_body_sent_slower_than_the_minimum_rate_is_a_408_without_a_stack_trace(string path)
    {
        using var client = await ConnectAsync();
        var stream = client.GetStream();
        await stream.WriteAsync(Head(path, contentLength: 100_000));
        await stream.WriteAsync("""{"type":"available_tasks","payload":"""u8.ToArray());
        // Nothing more: Kestrel's MinRequestBodyDataRate (240 bytes/s after a 5 s grace) gives up on the body.
        var (status, body) = await ReadResponseAsync(stream);
        Assert.Equal(408, status);
        Assert.Contains("slow", body);
        AssertNoErrorLogged();
        await AssertStillServing();
    }

    [Theory]
    [InlineData("/webhook")]
    [InlineData("/api/v1/tasks")]
    public async Task A_connection_reset_mid_body_logs_one_debug_line_and_no_stack_trace(string path)
    {
        var client = await ConnectAsync();
        var stream = client.GetStream();
        await stream.WriteAsync(Head(path, contentLength: 1000));
        await stream.WriteAsync("""{"type":"available_tasks","payload":"""u8.ToArray());
        // A reset, not a close: nothing can be answered, only logged.
        client.Client.LingerState = new LingerOption(true, 0);
        client.Dispose();

        await Eventually.True(() => _log.Entries.Any(e => e.Level == LogLevel.Debug && e.Message.StartsWith($"POST {path}: 400 ", StringComparison.Ordinal)
                                                          && e.Category.StartsWith("Parity.Gateway", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), $"the gateway's debug line about the body of {path}");
        AssertNoErrorLogged();
        await AssertStillServing();
    }

    /// <summary>Whatever the gateway sends before it closes the connection (empty if it sends nothing).</summary>
    private static async Task<string> ReadAllAsync(NetworkStream stream)
    {
        // Bounds the wait if the gateway kept the connection open; nothing is timed.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var received = new MemoryStream();
        try
        {
            await stream.CopyToAsync(received, guard.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
        }
        return Encoding.UTF8.GetString(received.ToArray());
    }

    private async Task<TcpClient> ConnectAsync()
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _port);
        return client;
    }

    private static byte[] Head(string path, int contentLength) => Encoding.ASCII.GetBytes(
        $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {contentLength}\r\n" +
        $"Authorization: Bearer {GatewayHost.ApiKey}\r\n\r\n");

    /// <summary>The status code and the body text of the one response on <paramref name="stream"/>.</summary>
    private static async Task<(int Status, string Body)> ReadResponseAsync(NetworkStream stream)
    {
        // Bounds the wait if the gateway never answers (the test then fails on the status); nothing is timed.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, guard.Token)) > 0)
            {
                received.Write(buffer, 0, read);
                var text = Encoding.UTF8.GetString(received.ToArray());
                var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                if (headEnd > 0 && HasWholeBody(text, headEnd)) break;
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
        }
        var response = Encoding.UTF8.GetString(received.ToArray());
        Assert.True(response.StartsWith("HTTP/1.1 ", StringComparison.Ordinal), $"no HTTP response: '{response}'");
        return (int.Parse(response[9..12]), response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
    }

    private static bool HasWholeBody(string text, int headEnd)
    {
        var head = text[..headEnd];
        var line = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        // Chunked or unsized: read to the end of the connection.
        if (line is null) return false;
        return text.Length - headEnd - 4 >= int.Parse(line["Content-Length:".Length..].Trim());
    }

    private void AssertNoErrorLogged()
    {
        var errors = _log.Entries.Where(e => e.Level >= LogLevel.Warning && e.Error is not null).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors.Select(e => $"{e.Level} {e.Category}: {e.Message} {e.Error}")));
        Assert.DoesNotContain(_log.Entries, e => e.Level >= LogLevel.Error);
    }

    private async Task AssertStillServing()
    {
        using var response = await _gateway.Http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
