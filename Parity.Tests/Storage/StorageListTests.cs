using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Parity.Storage;
using Parity.Tests.Support;

namespace Parity.Tests.Storage;

/// <summary>
/// GET /api/v1/storage/files: what was uploaded or pinned through the gateway, newest first, paged by a cursor that
/// stays valid while files arrive; hostile names and bad paging are refused by name.
/// </summary>
public sealed class StorageListTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"parity-storage-list-{Guid.NewGuid():N}");
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayHost.StartAsync(null, new Dictionary<string, string?>
    {
        ["STORAGE_DIR"] = _dir,
        ["IPFS_GATEWAYS"] = TestEngines.Ipfs.ToString(),
    });

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpRequestMessage request)
    {
        using var response = await _gateway.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private Task<(HttpStatusCode Status, JsonElement Body)> List(string query = "", string? key = GatewayHost.ApiKey) =>
        Send(_gateway.Api(HttpMethod.Get, "/api/v1/storage/files" + query, key: key));

    private HttpRequestMessage Multipart(string content, string? fileName, string? fileNameStar = null)
    {
        var request = _gateway.Api(HttpMethod.Post, "/api/v1/storage/upload");
        var part = new ByteArrayContent(Encoding.UTF8.GetBytes(content));
        // Written as given, past the client's checks: the test decides what arrives.
        var disposition = "form-data; name=\"file\"" + (fileName is null ? "" : $"; filename={fileName}")
                          + (fileNameStar is null ? "" : $"; filename*={fileNameStar}");
        Assert.True(part.Headers.TryAddWithoutValidation("Content-Disposition", disposition));
        request.Content = new MultipartFormDataContent { part };
        return request;
    }

    private async Task<string> UploadNamed(string content, string name)
    {
        var (status, body) = await Send(Multipart(content, $"\"{name}\""));
        Assert.True(status == HttpStatusCode.Created, $"{status}: {body}");
        return body.GetProperty("cid").GetString()!;
    }

    private async Task<string> UploadRaw(string content)
    {
        var request = _gateway.Api(HttpMethod.Post, "/api/v1/storage/upload?profile=v1-2025");
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(content));
        var (status, body) = await Send(request);
        Assert.Equal(HttpStatusCode.Created, status);
        return body.GetProperty("cid").GetString()!;
    }

    private static List<string> Cids(JsonElement page) =>
        page.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("cid").GetString()!).ToList();

    [Fact]
    public async Task Uploads_and_pins_are_listed_newest_first_with_their_names_sizes_times_and_where_they_are_kept()
    {
        var (emptyStatus, empty) = await List();
        Assert.Equal(HttpStatusCode.OK, emptyStatus);
        Assert.Equal(0, empty.GetProperty("files").GetArrayLength());
        Assert.False(empty.TryGetProperty("next", out _));

        var before = DateTimeOffset.UtcNow;
        var named = await UploadNamed("first file\n", "report.csv");
        var raw = await UploadRaw("second file, a raw body\n");
        // A pin: fetched from IPFS_GATEWAYS (the real IPFS node), listed as pinned.
        using var http = new HttpClient();
        var content = Encoding.UTF8.GetBytes($"pinned content {Guid.NewGuid()}");
        var pinnedCid = await new IpfsNodeClient(TestEngines.Ipfs, http).AddAsync(new MemoryStream(content), new IpfsAddOptions());
        Assert.Equal(HttpStatusCode.OK, (await Send(_gateway.Api(HttpMethod.Post, $"/api/v1/storage/pin/{pinnedCid}"))).Status);
        // filename* (RFC 8187) carries a name that is not ASCII, percent-encoded UTF-8.
        var (unicodeStatus, unicodeBody) = await Send(Multipart("third file\n", "\"donnees-e.txt\"", "UTF-8''donn%C3%A9es-%C3%A9.txt"));
        Assert.Equal(HttpStatusCode.Created, unicodeStatus);
        var unicode = unicodeBody.GetProperty("cid").GetString()!;

        var (status, page) = await List();
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([unicode, pinnedCid, raw, named], Cids(page));
        Assert.Equal(50, page.GetProperty("limit").GetInt32());
        Assert.False(page.TryGetProperty("next", out _));
        var files = page.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal("données-é.txt", files[0].GetProperty("name").GetString());
        Assert.Equal("report.csv", files[3].GetProperty("name").GetString());
        Assert.False(files[1].TryGetProperty("name", out _));
        Assert.False(files[2].TryGetProperty("name", out _));
        Assert.Equal("pinned", files[1].GetProperty("profile").GetString());
        Assert.Equal(content.Length, files[1].GetProperty("size").GetInt64());
        Assert.Equal("v1-2025", files[2].GetProperty("profile").GetString());
        Assert.Equal("legacy", files[3].GetProperty("profile").GetString());
        Assert.Equal("first file\n".Length, files[3].GetProperty("size").GetInt64());
        Assert.All(files, f => Assert.Equal(["cluster"], f.GetProperty("pinned_at").EnumerateArray().Select(p => p.GetString())));
        var times = files.Select(f => f.GetProperty("uploaded_at").GetDateTimeOffset()).ToList();
        Assert.All(times, t => Assert.InRange(t, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1)));
        Assert.Equal(times.OrderByDescending(t => t), times);

        // The record is a file next to the blocks: a new gateway on the same STORAGE_DIR lists the same.
        await _gateway.DisposeAsync();
        await InitializeAsync();
        Assert.Equal([unicode, pinnedCid, raw, named], Cids((await List()).Body));
    }

    [Fact]
    public async Task Pages_follow_the_cursor_to_the_oldest_and_a_cursor_stays_valid_while_files_arrive()
    {
        var cids = new List<string>();
        for (var i = 0; i < 5; i++) cids.Add(await UploadNamed($"file {i}\n", $"f{i}.txt"));
        var newestFirst = Enumerable.Reverse(cids).ToList();

        var (_, first) = await List("?limit=2");
        Assert.Equal(newestFirst[..2], Cids(first));
        var next = first.GetProperty("next").GetString()!;

        // A file arrives between pages: it is on a new first page, and the cursor still goes on where it was.
        var late = await UploadNamed("late\n", "late.txt");
        var (_, second) = await List($"?limit=2&cursor={next}");
        Assert.Equal(newestFirst[2..4], Cids(second));
        var (_, third) = await List($"?limit=2&cursor={second.GetProperty("next").GetString()}");
        Assert.Equal(newestFirst[4..], Cids(third));
        Assert.False(third.TryGetProperty("next", out _));
        Assert.Equal(late, Cids((await List("?limit=1")).Body).Single());
    }

    [Theory]
    [InlineData("?limit=0", "limit must be from 1 to 200, got '0'")]
    [InlineData("?limit=201", "limit must be from 1 to 200, got '201'")]
    [InlineData("?limit=-5", "limit must be from 1 to 200, got '-5'")]
    [InlineData("?limit=ten", "limit must be from 1 to 200, got 'ten'")]
    [InlineData("?cursor=abc", "cursor must be the 'next' of an earlier page, got 'abc'")]
    [InlineData("?cursor=-1", "cursor must be the 'next' of an earlier page, got '-1'")]
    [InlineData("?cursor=1e3", "cursor must be the 'next' of an earlier page, got '1e3'")]
    [InlineData("?cursor=99999999", "cursor must be the 'next' of an earlier page, got '99999999'")]
    [InlineData("?cursor=5", "cursor must be the 'next' of an earlier page, got '5'")]
    public async Task Bad_paging_is_400_naming_the_field(string query, string expected)
    {
        await UploadNamed("something to page through\n", "x.txt");
        var (status, body) = await List(query);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task The_list_needs_the_api_key()
    {
        await UploadNamed("secret name\n", "salaries.xlsx");
        var (status, body) = await List(key: null);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.DoesNotContain("salaries", body.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await List(key: "wrong-key-0123456789abcdef")).Status);
    }

    [Theory]
    [InlineData("\"evil\u0001name.txt\"", null, "file name: must not contain control characters")]
    [InlineData(null, "UTF-8''line%0Abreak.txt", "file name: must not contain control characters")]
    [InlineData(null, "UTF-8''esc%1B%5B31mred.txt", "file name: must not contain control characters")]
    [InlineData("LONG", null, "file name: at most 255 characters, got 256")]
    public async Task Hostile_file_names_are_refused_and_nothing_is_listed(string? fileName, string? fileNameStar, string expected)
    {
        if (fileName == "LONG") fileName = $"\"{new string('n', 256)}\"";
        var (status, body) = await Send(Multipart("hostile\n", fileName, fileNameStar));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, body.GetProperty("detail").GetString());
        Assert.Equal(0, (await List()).Body.GetProperty("files").GetArrayLength());

        // 255 characters is within the limit.
        var longest = new string('n', 251) + ".txt";
        await UploadNamed("fine\n", longest);
        Assert.Equal(longest, (await List()).Body.GetProperty("files")[0].GetProperty("name").GetString());
    }
}
