using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Parity.Tests.Support;

namespace Parity.Tests.Storage;

/// <summary>
/// <c>parity-runner storage add|get|info</c> as a user runs them, against a gateway on a real port; and against a gateway
/// that lies about the CID.
/// </summary>
public sealed class StorageCommandTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"parity-storage-cli-{Guid.NewGuid():N}");
    private readonly int _port = TestEngines.FreeTcpPort();
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _gateway = await GatewayHost.StartAsync(null, new Dictionary<string, string?> { ["STORAGE_DIR"] = Path.Combine(_dir, "store") }, _port);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private Dictionary<string, string> Environment(int? port = null) => new()
    {
        ["GATEWAY_URLS"] = $"http://127.0.0.1:{port ?? _port}",
        ["GATEWAY_API_KEY"] = GatewayHost.ApiKey,
        ["HOME"] = _dir,
    };

    [Fact]
    public async Task Add_prints_the_cid_the_ipfs_node_gives_get_fetches_it_verified_and_info_describes_it()
    {
        var file = Path.Combine(_dir, "data.bin");
        var content = new byte[700_000];
        new Random(8).NextBytes(content);
        await File.WriteAllBytesAsync(file, content);
        using var http = new HttpClient();
        var expected = await new IpfsNodeClient(TestEngines.Ipfs, http).AddAsync(new MemoryStream(content), new IpfsAddOptions { OnlyHash = true });

        var add = await Task.Run(() => ParityCli.Run(Environment(), "storage", "add", file));
        Assert.True(add.Code == 0, add.Stderr);
        Assert.Equal(expected, add.Stdout.Trim().Split('\n')[^1].Trim());

        // Sent with its name, which the gateway's list shows.
        using var listed = await _gateway.Http.SendAsync(_gateway.Api(HttpMethod.Get, "/api/v1/storage/files?limit=1"));
        var entry = System.Text.Json.JsonDocument.Parse(await listed.Content.ReadAsStringAsync()).RootElement.GetProperty("files")[0];
        Assert.Equal(expected, entry.GetProperty("cid").GetString());
        Assert.Equal("data.bin", entry.GetProperty("name").GetString());
        Assert.Equal(700_000, entry.GetProperty("size").GetInt64());

        var copy = Path.Combine(_dir, "copy.bin");
        var get = await Task.Run(() => ParityCli.Run(Environment(), "storage", "get", expected, "-o", copy));
        Assert.True(get.Code == 0, get.Stderr);
        Assert.Equal(content, await File.ReadAllBytesAsync(copy));
        Assert.Contains($"verified against {expected}", get.Stdout);

        var info = await Task.Run(() => ParityCli.Run(Environment(), "storage", "info", expected));
        Assert.True(info.Code == 0, info.Stderr);
        Assert.Contains("\"size\": 700000", info.Stdout);
    }

    [Fact]
    public async Task Add_refuses_a_gateway_that_answers_another_cid_and_get_refuses_a_bad_cid()
    {
        var port = TestEngines.FreeTcpPort();
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var liar = builder.Build();
        liar.MapPost("/api/v1/storage/upload", async (HttpRequest request) =>
        {
            await request.Body.CopyToAsync(Stream.Null);
            return Results.Json(new { cid = "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR", size = 3 }, statusCode: 201);
        });
        await liar.StartAsync();
        var file = Path.Combine(_dir, "small.txt");
        await File.WriteAllTextAsync(file, "abc");

        var add = await Task.Run(() => ParityCli.Run(Environment(port), "storage", "add", file));
        Assert.Equal(1, add.Code);
        Assert.Contains("the gateway answered CID QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR, but the file's CID is", add.Stderr);

        var get = await Task.Run(() => ParityCli.Run(Environment(), "storage", "get", "not-a-cid"));
        Assert.Equal(2, get.Code);
        Assert.Contains("'not-a-cid' is not a CID", get.Stderr);
    }
}
