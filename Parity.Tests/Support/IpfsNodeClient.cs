using System.Net.Http.Headers;
using System.Text.Json;

namespace Parity.Tests.Support;

/// <summary>
/// A thin client of the test IPFS node (deploy/ipfs/server.mjs): the Kubo-RPC-shaped subset under /api/v0 and the
/// trustless gateway under /ipfs. Kept free of any IPFS logic so tests compare the project's code against the node.
/// </summary>
public sealed class IpfsNodeClient(Uri node, HttpClient http)
{
    public Uri Node { get; } = node;

    public async Task<string> AddAsync(Stream content, IpfsAddOptions? options = null, CancellationToken ct = default)
    {
        options ??= new IpfsAddOptions();
        var query = new List<string>();
        if (options.CidVersion is { } v) query.Add($"cid-version={v}");
        if (options.RawLeaves is { } raw) query.Add($"raw-leaves={(raw ? "true" : "false")}");
        if (options.ChunkSize is { } size) query.Add($"chunker=size-{size}");
        if (options.MaxLinks is { } links) query.Add($"max-file-links={links}"); // Kubo's spelling (Import.UnixFSFileMaxLinks)
        if (options.OnlyHash) query.Add("only-hash=true");
        using var response = await PostFileAsync("add" + (query.Count > 0 ? "?" + string.Join('&', query) : ""), content, ct);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return json.RootElement.GetProperty("Hash").GetString()!;
    }

    public Task<byte[]> CatAsync(string cid, CancellationToken ct = default) => PostForBytesAsync($"cat?arg={cid}", ct);

    public Task<byte[]> BlockGetAsync(string cid, CancellationToken ct = default) => PostForBytesAsync($"block/get?arg={cid}", ct);

    public Task<byte[]> DagExportAsync(string cid, CancellationToken ct = default) => PostForBytesAsync($"dag/export?arg={cid}", ct);

    /// <summary>Size of a block the node holds; throws <see cref="TestNodeRefusedException"/> when it holds none.</summary>
    public async Task<long> BlockStatAsync(string cid, CancellationToken ct = default)
    {
        using var json = JsonDocument.Parse(await PostForBytesAsync($"block/stat?arg={cid}", ct));
        return json.RootElement.GetProperty("Size").GetInt64();
    }

    public async Task<string> BlockPutAsync(byte[] block, string cidCodec = "raw", string mhtype = "sha2-256", CancellationToken ct = default)
    {
        using var response = await PostFileAsync($"block/put?cid-codec={cidCodec}&mhtype={mhtype}", new MemoryStream(block), ct);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return json.RootElement.GetProperty("Key").GetString()!;
    }

    /// <summary>Imports a CAR and pins its roots; returns the roots the node reports.</summary>
    public async Task<IReadOnlyList<string>> DagImportAsync(Stream car, CancellationToken ct = default)
    {
        using var response = await PostFileAsync("dag/import", car, ct);
        var roots = new List<string>();
        // The answer is one JSON object per line, as Kubo streams it.
        foreach (var line in (await response.Content.ReadAsStringAsync(ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var json = JsonDocument.Parse(line);
            if (!json.RootElement.TryGetProperty("Root", out var root)) continue;
            var pinError = root.GetProperty("PinErrorMsg").GetString();
            if (!string.IsNullOrEmpty(pinError)) throw new TestNodeRefusedException($"dag/import could not pin a root: {pinError}");
            roots.Add(root.GetProperty("Cid").GetProperty("/").GetString()!);
        }
        return roots;
    }

    public async Task PinAsync(string cid, CancellationToken ct = default) => await PostForBytesAsync($"pin/add?arg={cid}", ct);

    /// <summary>The trustless-gateway address of a CID; format is null (file bytes), "raw" or "car".</summary>
    public Uri GatewayUri(string cid, string? format = null) =>
        new(Node, $"/ipfs/{cid}" + (format is null ? "" : $"?format={format}"));

    private async Task<byte[]> PostForBytesAsync(string command, CancellationToken ct)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, new Uri(Node, "/api/v0/" + command)), ct);
        return await response.Content.ReadAsByteArrayAsync(ct);
    }

    private Task<HttpResponseMessage> PostFileAsync(string command, Stream content, CancellationToken ct)
    {
        var file = new StreamContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var form = new MultipartFormDataContent { { file, "file", "file" } };
        return SendAsync(new HttpRequestMessage(HttpMethod.Post, new Uri(Node, "/api/v0/" + command)) { Content = form }, ct);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using (request)
        {
            var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
            if (response.IsSuccessStatusCode) return response;
            var body = await response.Content.ReadAsStringAsync(ct);
            response.Dispose();
            var message = body;
            try { message = JsonDocument.Parse(body).RootElement.GetProperty("Message").GetString() ?? body; }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException) { } // not Kubo-style JSON: keep the raw body
            throw new TestNodeRefusedException($"{request.RequestUri!.AbsolutePath} answered {(int)response.StatusCode}: {message}", (int)response.StatusCode);
        }
    }
}
