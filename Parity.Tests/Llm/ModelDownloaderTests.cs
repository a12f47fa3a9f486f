using System.Security.Cryptography;
using Parity.Llm;
using Parity.Llm.Embedded;
using Parity.Storage;
using Parity.Tests.Support;

namespace Parity.Tests.Llm;

/// <summary>
/// Pulling a GGUF file by URL from a real local HTTP server: what is kept, and every way a hostile server tries to make
/// the runner keep, read or wait for something it should not. Each failure leaves the models directory as it was.
/// </summary>
public sealed class ModelDownloaderTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("parity-model-pull-").FullName;
    private readonly ModelFileServer _server = new();
    private byte[] _model = [];

    public async Task InitializeAsync()
    {
        var path = Path.Combine(_directory, "source.gguf");
        TinyGgufWriter.Write(path, seed: 7);
        _model = await File.ReadAllBytesAsync(path);
        File.Delete(path);
        _server.Add("tiny.gguf", _model);
        _server.Add("page.html", "<html><body>Not found, but 200</body></html>"u8.ToArray());
        var garbage = new byte[4096];
        "GGUF"u8.CopyTo(garbage);
        garbage.AsSpan(4).Fill(0xFF); // version 0xFFFFFFFF
        _server.Add("garbage.gguf", garbage);
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private ModelDownloadRequest Request(string name = "pulled", long maxBytes = 1 << 20, string? sha256 = null, bool replace = false) => new()
    {
        Directory = _directory,
        Name = name,
        MaxBytes = maxBytes,
        Sha256 = sha256,
        // Generous: a loaded 2-core test machine can take seconds to answer; the stall test sets its own.
        StallTimeout = TimeSpan.FromSeconds(20),
        Replace = replace,
    };

    private Task<ModelDownloadResult> Pull(string path, ModelDownloadRequest? request = null, List<ModelDownloadProgress>? progress = null) =>
        ModelDownloader.FromUrlAsync(new Uri(_server.Url, path), request ?? Request(),
            progress is null ? null : new SynchronousProgress<ModelDownloadProgress>(progress.Add), CancellationToken.None);

    private async Task<string> Refused(string path, ModelDownloadRequest? request = null)
    {
        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => Pull(path, request));
        // Nothing kept, nothing half-written left behind (the hidden .part file included).
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
        return error.Message;
    }

    [Fact]
    public async Task A_file_with_a_length_is_kept_whole_with_its_digest_and_progress()
    {
        var progress = new List<ModelDownloadProgress>();
        var sha = Convert.ToHexStringLower(SHA256.HashData(_model));
        var result = await Pull("files/tiny.gguf", Request(sha256: sha), progress);

        Assert.Equal(Path.Combine(_directory, "pulled.gguf"), result.Path);
        Assert.Equal(_model, await File.ReadAllBytesAsync(result.Path));
        Assert.Equal(sha, result.Sha256);
        Assert.Equal(_model.Length, result.Bytes);
        Assert.Equal(["pulled.gguf"], Directory.EnumerateFileSystemEntries(_directory).Select(Path.GetFileName));
        Assert.All(progress, p => Assert.Equal(_model.Length, p.Total));
        Assert.Equal(_model.Length, progress[^1].Received);
        Assert.True(progress.Count > 2, $"{progress.Count} progress reports");
        Assert.Equal(progress.Select(p => p.Received).Order(), progress.Select(p => p.Received));
    }

    [Fact]
    public async Task A_chunked_file_and_a_redirect_to_it_are_kept()
    {
        var chunked = await Pull("chunked/tiny.gguf", Request("chunked"));
        Assert.Equal(_model, await File.ReadAllBytesAsync(chunked.Path));
        var redirected = await Pull("redirect/tiny.gguf", Request("redirected"));
        Assert.Equal(_model, await File.ReadAllBytesAsync(redirected.Path));
    }

    [Fact]
    public async Task A_sha256_mismatch_keeps_nothing_and_names_both_digests()
    {
        var wrong = Convert.ToHexStringLower(SHA256.HashData("something else"u8));
        var message = await Refused("files/tiny.gguf", Request(sha256: wrong));
        Assert.Contains(wrong, message);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(_model)), message);
        Assert.Contains("--sha256", message);
    }

    [Fact]
    public async Task A_declared_length_over_the_cap_is_refused_before_the_body()
    {
        var message = await Refused("huge", Request(maxBytes: 1 << 20));
        Assert.Contains($"announces {1L << 40} bytes", message);
        Assert.Contains($"cap of {1 << 20} bytes (RUNNER_MODEL_MAX_SIZE)", message);

        var small = await Refused("files/tiny.gguf", Request(maxBytes: _model.Length - 1) with { MaxBytesSource = "--max-size" });
        Assert.Contains($"cap of {_model.Length - 1} bytes (--max-size)", small);
    }

    [Fact]
    public async Task An_endless_body_is_cut_off_at_the_cap_and_the_connection_dropped()
    {
        var message = await Refused("endless", Request(maxBytes: 3 << 20));
        Assert.Contains($"sent more than the cap of {3 << 20} bytes", message);
        // The client hung up rather than draining the rest.
        await _server.EndlessAborted.WaitAsync(TimeSpan.FromSeconds(30));

        var undeclared = await Refused("chunked/tiny.gguf", Request(maxBytes: 1000));
        Assert.Contains("sent more than the cap of 1000 bytes", undeclared);
    }

    [Fact]
    public async Task A_body_that_is_not_gguf_is_refused_from_its_first_bytes()
    {
        var html = await Refused("files/page.html");
        Assert.Contains("is not a GGUF file: it starts with \"<htm\", not \"GGUF\"", html);

        var garbage = await Refused("files/garbage.gguf");
        Assert.Contains("is not a usable GGUF file", garbage);
        Assert.Contains("version", garbage);
    }

    [Fact]
    public async Task Redirects_to_file_urls_and_redirect_loops_are_refused()
    {
        var file = await Refused("redirect-file");
        Assert.Contains("redirected to 'file:///etc/passwd', which is not an http(s) URL", file);
        var loop = await Refused("redirect-loop");
        Assert.Contains($"redirected more than {ModelDownloader.MaxRedirects} times", loop);
    }

    [Fact]
    public async Task A_server_that_stalls_or_cuts_the_body_short_fails_the_pull()
    {
        // Warm the server and client first, so that the short stall timeout below measures the stall, not start-up.
        File.Delete((await Pull("files/tiny.gguf")).Path);
        var stalling = Request() with { StallTimeout = TimeSpan.FromSeconds(2) };
        var body = await Refused("stall", stalling);
        Assert.Contains("sent nothing for 2 s (RUNNER_MODEL_DOWNLOAD_STALL_TIMEOUT) after 1000 bytes", body);
        var headers = await Refused("stall-headers", stalling);
        Assert.Contains("did not answer within 2 s (RUNNER_MODEL_DOWNLOAD_STALL_TIMEOUT)", headers);
        var cut = await Refused("short");
        Assert.Contains("/short", cut);
        var missing = await Refused("files/nothing.gguf");
        Assert.Contains("answered 404", missing);
    }

    [Fact]
    public async Task An_existing_model_is_kept_unless_replacing_is_asked_for()
    {
        var first = await Pull("files/tiny.gguf");
        var error = await Assert.ThrowsAsync<ModelDownloadException>(() => Pull("files/page.html"));
        Assert.Contains($"{first.Path} exists already", error.Message);
        Assert.Equal(_model, await File.ReadAllBytesAsync(first.Path));

        // A failed replacement leaves the old file as it was.
        await Assert.ThrowsAsync<ModelDownloadException>(() => Pull("files/page.html", Request(replace: true)));
        Assert.Equal(_model, await File.ReadAllBytesAsync(first.Path));
        await Pull("chunked/tiny.gguf", Request(replace: true));
        Assert.Equal(["pulled.gguf"], Directory.EnumerateFileSystemEntries(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_missing_models_directory_is_created()
    {
        var nested = Path.Combine(_directory, "new", "models");
        var result = await Pull("files/tiny.gguf", Request() with { Directory = nested });
        Assert.Equal(Path.Combine(nested, "pulled.gguf"), result.Path);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("/etc/passwd")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData(".hidden")]
    [InlineData("qwen2.5:0.5b")]
    [InlineData("two words")]
    [InlineData("")]
    [InlineData("..")]
    public void Bad_names_are_refused_naming_the_value(string name)
    {
        var error = Assert.Throws<ModelDownloadException>(() => ModelFileNames.Validate(name));
        Assert.Contains($"--name '{name}' is not a model name", error.Message);
    }

    [Fact]
    public void Names_come_from_the_url_file_name_or_the_cid()
    {
        Assert.Equal("qwen2.5-0.5b-instruct-q4_k_m", ModelFileNames.FromUrl(
            new Uri("https://huggingface.co/Qwen/x/resolve/main/qwen2.5-0.5b-instruct-q4_k_m.gguf?download=true")));
        Assert.Equal("tiny", ModelFileNames.Validate("tiny.GGUF"));
        Assert.Contains("has no file name", Assert.Throws<ModelDownloadException>(() => ModelFileNames.FromUrl(new Uri("http://host/"))).Message);
        // An encoded separator in the file name is decoded and refused, not turned into a path.
        var encoded = Assert.Throws<ModelDownloadException>(() => ModelFileNames.FromUrl(new Uri("http://host/%2E%2E%2Fevil.gguf")));
        Assert.Contains("'../evil.gguf' is not a model name", encoded.Message);
        Assert.Contains("give --name", encoded.Message);
        var cid = Cid.Of(_model, Multicodec.Raw, 1);
        Assert.Equal(cid.ToString(), ModelFileNames.FromCid(cid));
    }

    [Theory]
    [InlineData("qwen2.5:0.5b", ModelReferenceKind.Ollama)]
    [InlineData("llama3.2", ModelReferenceKind.Ollama)]
    [InlineData("host:5000/library/qwen2.5", ModelReferenceKind.Ollama)]
    [InlineData("https://example.org/m.gguf", ModelReferenceKind.Url)]
    [InlineData("http://127.0.0.1:8080/m.gguf", ModelReferenceKind.Url)]
    public void References_are_told_apart(string text, ModelReferenceKind kind) =>
        Assert.Equal(kind, ModelReference.Parse(text).Kind);

    [Fact]
    public void Cids_of_both_versions_are_cids()
    {
        foreach (var cid in new[] { Cid.Of(_model, Multicodec.DagPb, 0), Cid.Of(_model, Multicodec.Raw, 1) })
        {
            var reference = ModelReference.Parse(cid.ToString());
            Assert.Equal(ModelReferenceKind.Cid, reference.Kind);
            Assert.Equal(cid, reference.Cid);
        }
    }

    [Theory]
    [InlineData("file:///etc/passwd", "file: URL")]
    [InlineData("ftp://example.org/m.gguf", "ftp: URL")]
    [InlineData("https://user:secret@example.org/m.gguf", "user name or password")]
    public void Other_schemes_and_credentials_are_refused(string text, string why)
    {
        var error = Assert.Throws<ModelDownloadException>(() => ModelReference.Parse(text));
        Assert.Contains(why, error.Message);
        Assert.DoesNotContain("secret", error.Message);
    }

    [Fact]
    public void A_sha256_must_be_64_hex_digits()
    {
        Assert.Equal(new string('a', 64), ModelDownloadRequest.ParseSha256("sha256:" + new string('A', 64)));
        var error = Assert.Throws<ModelDownloadException>(() => ModelDownloadRequest.ParseSha256("abc"));
        Assert.Contains("--sha256 must be 64 hexadecimal digits", error.Message);
        Assert.Contains("'abc'", error.Message);
    }
}
