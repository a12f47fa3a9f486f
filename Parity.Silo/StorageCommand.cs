using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;
using Parity.Configuration;
using Parity.Hosting;
using Parity.Storage;
using Spectre.Console;

namespace Parity.Silo;

/// <summary>
/// <c>parity-runner storage add|get|info</c>: a client of the cluster's storage. <c>add</c> computes the CID here first
/// and refuses a gateway that answers another; <c>get</c> fetches blocks from the trustless gateways and hashes every
/// one, so neither trusts the gateway it talks to.
/// </summary>
public static class StorageCommand
{
    public static Command Create(Option<string?> configPath)
    {
        var gateway = new Option<string?>("--gateway") { Description = "the cluster's gateway URL (default: GATEWAY_URLS' first entry)" };

        var file = new Argument<FileInfo>("file") { Description = "the file to add" };
        var profile = new Option<string>("--profile") { Description = "import profile: legacy (Kubo's default, CIDv0) or v1-2025 (CIDv1, raw leaves)", DefaultValueFactory = _ => "legacy" };
        var add = new Command("add", "Upload a file to the cluster's storage and print its CID") { file, profile, gateway };
        add.SetAction((parse, cancellation) => ParityCommandLine.GuardAsync(() =>
            AddAsync(Client.Load(parse.GetValue(configPath), parse.GetValue(gateway)), parse.GetValue(file)!, parse.GetValue(profile)!, cancellation)));

        var cid = new Argument<string>("cid") { Description = "the content's CID" };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "where to write the file (default: ./<cid>)" };
        var get = new Command("get", "Fetch a file by CID from the gateways, verifying every block") { cid, output, gateway };
        get.SetAction((parse, cancellation) => ParityCommandLine.GuardAsync(() =>
            GetAsync(Client.Load(parse.GetValue(configPath), parse.GetValue(gateway)), parse.GetValue(cid)!, parse.GetValue(output), cancellation)));

        var infoCid = new Argument<string>("cid") { Description = "the content's CID" };
        var info = new Command("info", "What the cluster's storage holds under a CID") { infoCid, gateway };
        info.SetAction((parse, cancellation) => ParityCommandLine.GuardAsync(() =>
            InfoAsync(Client.Load(parse.GetValue(configPath), parse.GetValue(gateway)), parse.GetValue(infoCid)!, cancellation)));

        return new Command("storage", "Content by CID in the cluster's storage") { add, get, info };
    }

    /// <summary>Where the cluster's gateway is, its API key and the gateways to fetch from.</summary>
    public sealed record Client(Uri Gateway, string? ApiKey, IReadOnlyList<Uri> Gateways, StorageOptions Storage)
    {
        public static Client Load(string? configPath, string? gatewayOverride)
        {
            var configuration = new ConfigurationBuilder().AddParitySources(configPath).Build();
            var gateway = configuration.ReadParityOptions<GatewayOptions>();
            var storage = configuration.ReadParityOptions<StorageOptions>();
            var url = gatewayOverride is null
                ? GatewayOptions.LocalUrl(gateway.Urls[0])!
                : GatewayOptions.LocalUrl(gatewayOverride) ?? throw new ConfigurationException($"--gateway must be an http(s) URL, got '{gatewayOverride}'");
            // The gateway named here is asked first; the configured ones follow.
            var gateways = new List<Uri> { url };
            gateways.AddRange(storage.Gateways.Where(g => g.GetLeftPart(UriPartial.Authority) != url.GetLeftPart(UriPartial.Authority)));
            return new Client(url, gateway.ApiKey, gateways, storage);
        }

        public HttpClient Http()
        {
            var http = new HttpClient { BaseAddress = new Uri(Gateway, "/"), Timeout = Timeout.InfiniteTimeSpan };
            if (ApiKey is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
            return http;
        }
    }

    public static async Task<int> AddAsync(Client client, FileInfo file, string profileName, CancellationToken cancellation)
    {
        ImportProfile profile;
        try
        {
            profile = ImportProfile.Parse(profileName);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"storage add: --profile: {e.Message}");
            return 2;
        }
        if (!file.Exists)
        {
            await Console.Error.WriteLineAsync($"storage add: {file.FullName} does not exist");
            return 2;
        }
        Cid expected;
        await using (var local = file.OpenRead())
            expected = (await UnixFsImporter.ImportAsync(local, profile, DiscardingBlockSink.Instance, cancellation: cancellation)).Root;

        using var http = client.Http();
        HttpResponseMessage? response = null;
        await AnsiConsole.Progress().StartAsync(async context =>
        {
            var bar = context.AddTask(Markup.Escape($"uploading {file.Name}"), maxValue: Math.Max(1, file.Length));
            await using var stream = new ProgressReadStream(file.OpenRead(), read => bar.Value = read);
            var part = new StreamContent(stream, 1 << 20);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            part.Headers.ContentLength = file.Length;
            // Multipart, so the gateway's list of files shows the file's name; one it would refuse is left out instead.
            using var content = new MultipartFormDataContent();
            if (Parity.Gateway.Storage.UploadLog.CheckName(file.Name, out _) is { } name) content.Add(part, "file", name);
            else content.Add(part, "file");
            response = await http.PostAsync($"api/v1/storage/upload?profile={profile.Name}", content, cancellation);
            bar.Value = bar.MaxValue;
        });
        using (response)
        {
            var body = await response!.Content.ReadAsStringAsync(cancellation);
            if (!response.IsSuccessStatusCode)
            {
                await Console.Error.WriteLineAsync($"storage add: the gateway answered {(int)response.StatusCode}: {Detail(body)}");
                return 1;
            }
            var answered = JsonDocument.Parse(body).RootElement.GetProperty("cid").GetString();
            if (answered != expected.ToString())
            {
                await Console.Error.WriteLineAsync($"storage add: the gateway answered CID {answered}, but the file's CID is {expected}; not trusted");
                return 1;
            }
            Console.WriteLine(expected);
            return 0;
        }
    }

    public static async Task<int> GetAsync(Client client, string text, FileInfo? output, CancellationToken cancellation)
    {
        if (!Cid.TryParse(text, out var cid, out var error))
        {
            await Console.Error.WriteLineAsync($"storage get: '{text}' is not a CID: {error}");
            return 2;
        }
        var target = output ?? new FileInfo(cid!.ToString());
        var partial = new FileInfo(target.FullName + ".part");
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var source = new PrefetchingBlockSource(RemoteBlocks.Create(http, client.Gateways, client.Storage));
        try
        {
            var stat = await UnixFsReader.StatAsync(cid!, source, cancellation);
            await AnsiConsole.Progress().StartAsync(async context =>
            {
                var bar = context.AddTask(Markup.Escape($"fetching {cid}"), maxValue: Math.Max(1, stat.FileSize));
                await using var file = partial.Create();
                await UnixFsReader.CopyToAsync(cid!, source, file, new SynchronousProgress<long>(done => bar.Value = done), cancellation);
                bar.Value = bar.MaxValue;
            });
            // Only a complete, verified file gets the name asked for.
            partial.MoveTo(target.FullName, overwrite: true);
            Console.WriteLine($"{target.FullName}: {stat.FileSize} bytes, verified against {cid}");
            return 0;
        }
        catch (Exception e) when (e is BlockNotFoundException or DagPbFormatException)
        {
            if (partial.Exists) partial.Delete();
            await Console.Error.WriteLineAsync($"storage get: {e.Message}");
            return 1;
        }
    }

    public static async Task<int> InfoAsync(Client client, string cid, CancellationToken cancellation)
    {
        using var http = client.Http();
        using var response = await http.GetAsync($"api/v1/storage/info/{Uri.EscapeDataString(cid)}", cancellation);
        var body = await response.Content.ReadAsStringAsync(cancellation);
        if (!response.IsSuccessStatusCode)
        {
            await Console.Error.WriteLineAsync($"storage info: the gateway answered {(int)response.StatusCode}: {Detail(body)}");
            return 1;
        }
        Console.WriteLine(JsonSerializer.Serialize(JsonDocument.Parse(body).RootElement, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    internal static string Detail(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.TryGetProperty("detail", out var detail)) return detail.GetString() ?? body;
        }
        catch (JsonException)
        {
        }
        return body;
    }
}
