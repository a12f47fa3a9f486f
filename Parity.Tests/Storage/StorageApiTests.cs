using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Parity.Storage;
using Parity.Tests.Support;

namespace Parity.Tests.Storage;

/// <summary>
/// The gateway's storage: uploads get the CID the real IPFS node's <c>add</c> gives, /ipfs/{cid} serves the trustless
/// formats (checked by hashing, as a consumer would), downloads support Range, and bad requests are refused by name.
/// </summary>
public sealed class StorageApiTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"parity-storage-{Guid.NewGuid():N}");
    private GatewayHost _gateway = null!;
    private readonly IpfsNodeClient _node = new(TestEngines.Ipfs, new HttpClient { Timeout = TimeSpan.FromMinutes(2) });

    public async Task InitializeAsync() => _gateway = await GatewayHost.StartAsync(null, new Dictionary<string, string?>
    {
        ["STORAGE_DIR"] = _dir,
        ["STORAGE_MAX_FILE_SIZE"] = "8m",
        ["IPFS_GATEWAYS"] = TestEngines.Ipfs.ToString(),
    });

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static byte[] Bytes(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpRequestMessage request)
    {
        using var response = await _gateway.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private HttpRequestMessage Upload(byte[] content, string profile = "legacy", string? key = GatewayHost.ApiKey)
    {
        var request = _gateway.Api(HttpMethod.Post, $"/api/v1/storage/upload?profile={profile}", key: key);
        request.Content = new ByteArrayContent(content);
        return request;
    }

    [Theory]
    [InlineData(1, "legacy")]
    [InlineData(300 * 1024, "legacy")]
    [InlineData(3 * 1024 * 1024 + 7, "legacy")]
    [InlineData(1, "v1-2025")]
    [InlineData(3 * 1024 * 1024 + 7, "v1-2025")]
    public async Task An_upload_gets_the_cid_the_ipfs_node_gives_and_downloads_back(int size, string profile)
    {
        var content = Bytes(size, size);
        var (status, body) = await Send(Upload(content, profile));

        Assert.Equal(HttpStatusCode.Created, status);
        var options = profile == "legacy" ? new IpfsAddOptions() : IpfsAddOptions.UnixFsV1_2025;
        Assert.Equal(await _node.AddAsync(new MemoryStream(content), options with { OnlyHash = true }), body.GetProperty("cid").GetString());
        Assert.Equal(size, body.GetProperty("size").GetInt64());
        Assert.Equal(profile, body.GetProperty("profile").GetString());

        var cid = body.GetProperty("cid").GetString();
        using var download = await _gateway.Http.SendAsync(_gateway.Api(HttpMethod.Get, $"/api/v1/storage/download/{cid}"));
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(content, await download.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_multipart_upload_gives_the_same_cid_as_the_raw_body()
    {
        var content = Bytes(700_000, 3);
        var request = _gateway.Api(HttpMethod.Post, "/api/v1/storage/upload");
        var form = new MultipartFormDataContent { { new StringContent("ignored"), "note" }, { new ByteArrayContent(content), "file", "data.bin" } };
        request.Content = form;
        var (status, body) = await Send(request);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal((await Send(Upload(content))).Body.GetProperty("cid").GetString(), body.GetProperty("cid").GetString());
    }

    [Fact]
    public async Task A_multipart_upload_without_a_file_part_or_with_a_broken_body_is_400_and_stores_nothing()
    {
        var noFile = _gateway.Api(HttpMethod.Post, "/api/v1/storage/upload");
        noFile.Content = new MultipartFormDataContent { { new StringContent("x"), "note" } };
        var (status, body) = await Send(noFile);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("no part named 'file'", body.GetProperty("detail").GetString());

        var broken = _gateway.Api(HttpMethod.Post, "/api/v1/storage/upload");
        broken.Content = new StringContent("--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc");
        broken.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");
        var (brokenStatus, brokenBody) = await Send(broken);
        Assert.Equal(HttpStatusCode.BadRequest, brokenStatus);
        Assert.Contains("malformed or cut-off upload body", brokenBody.GetProperty("detail").GetString());

        Assert.False(Directory.Exists(_dir) && Directory.EnumerateFiles(_dir, "*", SearchOption.AllDirectories).Any(f => !f.Contains("/tmp/")),
            "nothing was stored");
    }

    [Fact]
    public async Task The_trustless_gateway_serves_raw_blocks_cars_and_ranges_that_verify()
    {
        var content = Bytes(1_000_000, 11);
        var cid = Cid.Parse((await Send(Upload(content))).Body.GetProperty("cid").GetString()!);

        // Raw: the block hashes to the CID, as a consumer checks it.
        using var raw = await _gateway.Http.GetAsync($"/ipfs/{cid}?format=raw");
        Assert.Equal(HttpStatusCode.OK, raw.StatusCode);
        Assert.Equal("application/vnd.ipld.raw", raw.Content.Headers.ContentType!.MediaType);
        Assert.True(cid.Matches(await raw.Content.ReadAsByteArrayAsync()));

        // CAR by Accept header: every block verifies and the file reassembles from them alone.
        var carRequest = new HttpRequestMessage(HttpMethod.Get, $"/ipfs/{cid}");
        carRequest.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.ipld.car"));
        using var car = await _gateway.Http.SendAsync(carRequest);
        Assert.Equal("application/vnd.ipld.car", car.Content.Headers.ContentType!.MediaType);
        var blocks = new MemoryBlockstore();
        await foreach (var (blockCid, block) in CarReader.ReadAsync(await car.Content.ReadAsStreamAsync(), 2 << 20, CancellationToken.None))
            await blocks.PutAsync(blockCid, block, CancellationToken.None);
        var rebuilt = new MemoryStream();
        await UnixFsReader.CopyToAsync(cid, blocks, rebuilt);
        Assert.Equal(content, rebuilt.ToArray());

        // The plain file, a range of it, a range past its end, and HEAD.
        Assert.Equal(content, await _gateway.Http.GetByteArrayAsync($"/ipfs/{cid}"));
        var ranged = new HttpRequestMessage(HttpMethod.Get, $"/ipfs/{cid}");
        ranged.Headers.Range = new RangeHeaderValue(262_000, 262_299);
        using var partial = await _gateway.Http.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(content[262_000..262_300], await partial.Content.ReadAsByteArrayAsync());
        Assert.Equal("bytes 262000-262299/1000000", partial.Content.Headers.ContentRange!.ToString());
        var past = new HttpRequestMessage(HttpMethod.Get, $"/ipfs/{cid}");
        past.Headers.Range = new RangeHeaderValue(2_000_000, null);
        using var outside = await _gateway.Http.SendAsync(past);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, outside.StatusCode);
        using var head = await _gateway.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/ipfs/{cid}"));
        Assert.Equal(1_000_000, head.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Info_reports_size_type_and_blocks()
    {
        var content = Bytes(600_000, 5); // three 256 KiB chunks under one root
        var cid = (await Send(Upload(content))).Body.GetProperty("cid").GetString();
        var (status, info) = await Send(_gateway.Api(HttpMethod.Get, $"/api/v1/storage/info/{cid}"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(600_000, info.GetProperty("size").GetInt64());
        Assert.Equal("file", info.GetProperty("type").GetString());
        Assert.Equal(4, info.GetProperty("blocks").GetInt64());
        Assert.True(info.GetProperty("complete").GetBoolean());
    }

    [Fact]
    public async Task Pin_fetches_a_cid_from_the_gateways_verified_and_keeps_it()
    {
        var content = Bytes(900_000, 21);
        var cid = await _node.AddAsync(new MemoryStream(content), new IpfsAddOptions());
        Assert.Equal(HttpStatusCode.NotFound, (await Send(_gateway.Api(HttpMethod.Get, $"/api/v1/storage/info/{cid}"))).Status);

        var (status, pinned) = await Send(_gateway.Api(HttpMethod.Post, $"/api/v1/storage/pin/{cid}"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(900_000, pinned.GetProperty("size").GetInt64());
        Assert.Equal(content, await _gateway.Http.GetByteArrayAsync($"/ipfs/{cid}"));
    }

    [Fact]
    public async Task With_an_ipfs_node_configured_an_upload_is_imported_and_pinned_there_with_the_same_cid()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"parity-storage-{Guid.NewGuid():N}");
        await using var gateway = await GatewayHost.StartAsync(null, new Dictionary<string, string?>
        {
            ["STORAGE_DIR"] = dir,
            ["IPFS_API_URL"] = TestEngines.Ipfs2.ToString(),
        });
        try
        {
            var content = Bytes(2_000_000, 77);
            var request = gateway.Api(HttpMethod.Post, "/api/v1/storage/upload?profile=v1-2025");
            request.Content = new ByteArrayContent(content);
            using var response = await gateway.Http.SendAsync(request);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            Assert.Equal(2, body.GetProperty("pinned_at").GetArrayLength());

            using var http = new HttpClient();
            var other = new IpfsNodeClient(TestEngines.Ipfs2, http);
            Assert.Equal(content, await other.CatAsync(body.GetProperty("cid").GetString()!));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("/ipfs/not-a-cid", "'not-a-cid' is not a CID: multibase prefix 'n'")]
    [InlineData("/ipfs/bafkqaaa?format=json", "format must be raw or car, got 'json'")]
    [InlineData("/ipfs/QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR/etc/passwd", "paths inside a CID are not served")]
    public async Task Bad_gateway_requests_are_400_naming_the_problem(string path, string expected)
    {
        using var response = await _gateway.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Unknown_cids_are_404_oversized_uploads_413_bad_profiles_400_and_no_key_401()
    {
        var absent = Cid.Of("nobody stored this"u8, Multicodec.Raw, 1);
        using (var missing = await _gateway.Http.GetAsync($"/ipfs/{absent}?format=raw"))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(_gateway.Api(HttpMethod.Get, $"/api/v1/storage/download/{absent}"))).Status);

        var (tooLarge, problem) = await Send(Upload(new byte[9 << 20]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge);
        Assert.Contains("STORAGE_MAX_FILE_SIZE", problem.GetProperty("detail").GetString());

        var (badProfile, detail) = await Send(Upload([1], profile: "v9"));
        Assert.Equal(HttpStatusCode.BadRequest, badProfile);
        Assert.Contains("profile", detail.GetProperty("detail").GetString());

        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(Upload([1], key: null))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(_gateway.Api(HttpMethod.Get, "/api/v1/storage/info/Qm123"))).Status);
    }

    [Fact]
    public async Task A_corrupted_block_on_disk_is_never_served()
    {
        var content = Bytes(10_000, 9);
        var cid = Cid.Parse((await Send(Upload(content))).Body.GetProperty("cid").GetString()!);
        foreach (var file in Directory.EnumerateFiles(_dir, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            bytes[^1] ^= 1;
            await File.WriteAllBytesAsync(file, bytes);
        }
        using var response = await _gateway.Http.GetAsync($"/ipfs/{cid}?format=raw");
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual(HttpStatusCode.InternalServerError, response.StatusCode);
    }
}
