using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Parity.Tests.Support;
using SimpleBase;

namespace Parity.Tests.Storage;

/// <summary>
/// The real IPFS nodes that deploy/test.sh starts (deploy/ipfs/server.mjs): checked against an independent CID oracle
/// (apt ipfs-cid) and against the hash of what they serve, so later tests can trust them as the reference.
/// </summary>
public sealed class IpfsNodeTests : IDisposable
{
    private const int Chunk = 262144; // Kubo's legacy default chunk size
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromMinutes(2) };
    private readonly IpfsNodeClient _node;
    private readonly IpfsNodeClient _other;

    public IpfsNodeTests()
    {
        _node = new IpfsNodeClient(TestEngines.Ipfs, _http);
        _other = new IpfsNodeClient(TestEngines.Ipfs2, _http);
    }

    public void Dispose() => _http.Dispose();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Chunk - 1)]
    [InlineData(Chunk)]
    [InlineData(Chunk + 1)]
    [InlineData(174 * Chunk)] // exactly one full root of 174 links
    [InlineData(175 * Chunk)] // one link too many: the balanced tree grows a level
    [InlineData(3 * 1024 * 1024)]
    public async Task Default_add_gives_the_same_CIDv0_as_the_ipfs_cid_oracle(int size)
    {
        var bytes = Seeded(size, seed: size);
        var path = Path.Combine(Path.GetTempPath(), $"parity-ipfs-{Guid.NewGuid():N}");
        await File.WriteAllBytesAsync(path, bytes);
        try
        {
            var expected = await IpfsCidV0Async(path);
            var cid = await _node.AddAsync(new MemoryStream(bytes));
            Assert.StartsWith("Qm", expected);
            Assert.Equal(expected, cid);
            Assert.Equal(bytes, await _node.CatAsync(cid));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public async Task The_raw_block_from_the_gateway_hashes_to_the_CID_digest()
    {
        var cid = await _node.AddAsync(new MemoryStream(Seeded(3 * Chunk + 7, seed: 11)));
        using var response = await _http.GetAsync(_node.GatewayUri(cid, "raw"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/vnd.ipld.raw", response.Content.Headers.ContentType?.MediaType);
        var block = await response.Content.ReadAsByteArrayAsync();

        // A CIDv0 is the base58btc multihash itself: 0x12 (sha2-256), 0x20 (32 bytes), digest.
        var multihash = Base58.Bitcoin.Decode(cid);
        Assert.Equal(34, multihash.Length);
        Assert.Equal([0x12, 0x20], multihash[..2]);
        Assert.Equal(multihash[2..], SHA256.HashData(block));
        Assert.Equal(block, await _node.BlockGetAsync(cid));
    }

    [Fact]
    public async Task The_accept_header_selects_the_raw_block_too()
    {
        var cid = await _node.AddAsync(new MemoryStream(Seeded(100, seed: 12)));
        using var request = new HttpRequestMessage(HttpMethod.Get, _node.GatewayUri(cid));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.ipld.raw"));
        using var response = await _http.SendAsync(request);
        Assert.Equal("application/vnd.ipld.raw", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(await _node.BlockGetAsync(cid), await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_range_request_gets_206_and_exactly_those_bytes()
    {
        var bytes = Seeded(2 * Chunk + 5, seed: 13);
        var cid = await _node.AddAsync(new MemoryStream(bytes));
        using var request = new HttpRequestMessage(HttpMethod.Get, _node.GatewayUri(cid));
        request.Headers.Range = new RangeHeaderValue(Chunk - 10, Chunk + 9); // straddles two leaves
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(bytes[(Chunk - 10)..(Chunk + 10)], await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_CAR_export_imported_into_the_other_node_serves_the_same_bytes()
    {
        // Fresh bytes, so the other node cannot already hold them from an earlier run.
        var bytes = RandomNumberGenerator.GetBytes(5 * Chunk + 123);
        var cid = await _node.AddAsync(new MemoryStream(bytes));
        var car = await _node.DagExportAsync(cid);

        using var gatewayCar = await _http.GetAsync(_node.GatewayUri(cid, "car"));
        Assert.Equal("application/vnd.ipld.car", gatewayCar.Content.Headers.ContentType?.MediaType);
        Assert.Equal(car, await gatewayCar.Content.ReadAsByteArrayAsync());

        await Assert.ThrowsAsync<TestNodeRefusedException>(() => _other.BlockStatAsync(cid));
        Assert.Equal([cid], await _other.DagImportAsync(new MemoryStream(car)));
        Assert.Equal(bytes, await _other.CatAsync(cid));
    }

    [Fact]
    public async Task A_CAR_with_a_block_that_does_not_match_its_CID_is_refused()
    {
        // Two full random leaves: a tiny last leaf (say 1 byte) could already sit in the other node from another test.
        var bytes = RandomNumberGenerator.GetBytes(2 * Chunk);
        var cid = await _node.AddAsync(new MemoryStream(bytes));
        var car = await _node.DagExportAsync(cid);
        car[^1] ^= 0xff; // the last byte belongs to the last block's data

        var refused = await Assert.ThrowsAsync<TestNodeRefusedException>(() => _other.DagImportAsync(new MemoryStream(car)));
        var bad = System.Text.RegularExpressions.Regex.Match(refused.Message, @"block (\S+) does not hash to its CID");
        Assert.True(bad.Success, refused.Message);
        // The tampered block is not stored; blocks before it may be, so reading the file fails (maybe mid-stream).
        await Assert.ThrowsAsync<TestNodeRefusedException>(() => _other.BlockStatAsync(bad.Groups[1].Value));
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => _other.CatAsync(cid));
    }

    [Fact]
    public async Task An_unknown_CID_is_an_error_not_a_hang()
    {
        var unknown = Base58.Bitcoin.Encode([0x12, 0x20, .. RandomNumberGenerator.GetBytes(32)]);
        // Only a guard against hanging forever: the node has no network, so it must answer by itself.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await _http.GetAsync(_node.GatewayUri(unknown), guard.Token);
        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.BadGateway, HttpStatusCode.NotFound });
        foreach (var format in new[] { "raw", "car" })
        {
            using var formatted = await _http.GetAsync(_node.GatewayUri(unknown, format), guard.Token);
            Assert.Contains(formatted.StatusCode, new[] { HttpStatusCode.BadGateway, HttpStatusCode.NotFound });
        }
        using var head = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, _node.GatewayUri(unknown)), guard.Token);
        Assert.Contains(head.StatusCode, new[] { HttpStatusCode.BadGateway, HttpStatusCode.NotFound });

        var cat = await Assert.ThrowsAsync<TestNodeRefusedException>(() => _node.CatAsync(unknown, guard.Token));
        Assert.Equal(500, cat.Status);
        var stat = await Assert.ThrowsAsync<TestNodeRefusedException>(() => _node.BlockStatAsync(unknown, guard.Token));
        Assert.Contains("not found", stat.Message);
    }

    [Fact]
    public async Task The_unixfs_v1_2025_profile_gives_a_raw_leaf_for_one_chunk_and_a_dag_pb_root_for_more()
    {
        var single = await _node.AddAsync(new MemoryStream(Seeded(1024 * 1024, seed: 21)), IpfsAddOptions.UnixFsV1_2025);
        var multi = await _node.AddAsync(new MemoryStream(Seeded(1024 * 1024 + 1, seed: 22)), IpfsAddOptions.UnixFsV1_2025);
        Assert.StartsWith("bafkrei", single); // CIDv1, raw codec, sha2-256, base32
        Assert.StartsWith("bafybei", multi); // CIDv1, dag-pb codec, sha2-256, base32
        // A raw leaf's block is the file itself.
        Assert.Equal(Seeded(1024 * 1024, seed: 21), await _node.BlockGetAsync(single));
    }

    [Fact]
    public async Task Only_hash_gives_the_CID_and_stores_nothing()
    {
        var bytes = RandomNumberGenerator.GetBytes(2 * Chunk + 1);
        var hashed = await _node.AddAsync(new MemoryStream(bytes), new IpfsAddOptions(OnlyHash: true));
        var stat = await Assert.ThrowsAsync<TestNodeRefusedException>(() => _node.BlockStatAsync(hashed));
        Assert.Contains("not found", stat.Message);

        Assert.Equal(hashed, await _other.AddAsync(new MemoryStream(bytes)));
    }

    [Fact]
    public async Task Block_put_gives_a_CIDv1_of_the_bytes_and_pin_accepts_it()
    {
        var block = RandomNumberGenerator.GetBytes(1000);
        var cid = await _node.BlockPutAsync(block);
        Assert.StartsWith("bafkrei", cid);
        Assert.Equal(block, await _node.BlockGetAsync(cid));
        await _node.PinAsync(cid);
    }

    [Theory]
    [InlineData("add?chunker=rabin", "chunker")]
    [InlineData("add?chunker=size-1048577", "chunker")]
    [InlineData("add?cid-version=2", "cid-version")]
    [InlineData("add?max-file-links=1", "max-file-links")]
    [InlineData("add?raw-leaves=maybe", "raw-leaves")]
    [InlineData("add?trickle=true", "trickle")]
    [InlineData("block/put?cid-codec=nope", "cid-codec")]
    [InlineData("block/put?mhtype=md5", "mhtype")]
    public async Task Bad_parameters_are_refused_naming_the_parameter(string command, string parameter)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent([1, 2, 3]), "file", "file" } };
        using var response = await _http.PostAsync(new Uri(_node.Node, "/api/v0/" + command), form);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains(parameter, json.RootElement.GetProperty("Message").GetString());
        Assert.Equal("error", json.RootElement.GetProperty("Type").GetString());
    }

    [Fact]
    public async Task A_block_that_is_not_valid_dag_pb_is_refused_as_dag_pb()
    {
        var refused = await Assert.ThrowsAsync<TestNodeRefusedException>(() => _node.BlockPutAsync([0x08, 0x01, 0xff], cidCodec: "dag-pb"));
        Assert.Contains("not valid dag-pb", refused.Message);
    }

    private static byte[] Seeded(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    // ipfs_cid (apt ipfs-cid) prints {"CIDv0":...,"CIDv1":...} on stdout and statistics on stderr.
    private static async Task<string> IpfsCidV0Async(string path)
    {
        var start = new ProcessStartInfo("ipfs_cid") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(path);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"ipfs_cid failed ({process.ExitCode}): {await stderr}");
        var line = (await stdout).Split('\n').First(l => l.TrimStart().StartsWith('{'));
        using var json = JsonDocument.Parse(line);
        return json.RootElement.GetProperty("CIDv0").GetString()!;
    }
}
