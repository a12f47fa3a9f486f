using System.Globalization;
using System.Net;
using Parity.Storage;

namespace Parity.Llm;

/// <summary>
/// Fetches a GGUF file into the models directory (<c>models pull &lt;url|cid&gt;</c>) through an
/// <see cref="IncomingModelFile"/>: size-capped, digest-checked, kept only when whole and valid. The source is treated
/// as hostile: an announced size over the cap is refused before the body is read; a body that runs past the cap (or
/// past what it announced) is cut off; a server that sends nothing for the stall timeout, before the headers or
/// between bytes, fails the pull; redirects are followed by hand (at most <see cref="MaxRedirects"/>), each one checked,
/// so no redirect leads to a <c>file:</c> URL or from https down to http; content is never decompressed, so the cap
/// counts the bytes that land on disk. A CID is fetched block by block through the verifying gateway fetcher.
/// </summary>
public static class ModelDownloader
{
    public const int MaxRedirects = 10;
    private const string StallKey = "RUNNER_MODEL_DOWNLOAD_STALL_TIMEOUT";

    public static async Task<ModelDownloadResult> FromUrlAsync(Uri url, ModelDownloadRequest request,
        IProgress<ModelDownloadProgress>? progress, CancellationToken cancellation)
    {
        if (url.Scheme is not ("http" or "https"))
            throw new ModelDownloadException($"'{url}' is a {url.Scheme}: URL; only http and https URLs are pulled");
        await using var incoming = IncomingModelFile.Create(request, $"'{url}'");
        using var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = request.StallTimeout,
        };
        using var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        using var response = await SendAsync(http, url, request.StallTimeout, cancellation);
        var total = response.Content.Headers.ContentLength;
        incoming.CheckAnnouncedSize(total);
        progress?.Report(new ModelDownloadProgress(0, total));

        await using var body = new StallGuardStream(await response.Content.ReadAsStreamAsync(cancellation), request.StallTimeout);
        var buffer = new byte[1 << 20];
        try
        {
            while (true)
            {
                var read = await body.ReadAsync(buffer, cancellation);
                if (read == 0) break;
                await incoming.WriteAsync(buffer.AsMemory(0, read), cancellation);
                progress?.Report(new ModelDownloadProgress(incoming.Received, total));
            }
        }
        catch (TimeoutException)
        {
            throw new ModelDownloadException(
                $"'{url}' sent nothing for {Seconds(request.StallTimeout)} ({StallKey}) after {incoming.Received} bytes; nothing was kept");
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new ModelDownloadException($"the download from '{url}' broke off after {incoming.Received} bytes: {e.Message}; nothing was kept", e);
        }
        if (total is { } announced && incoming.Received != announced)
            throw new ModelDownloadException($"'{url}' announced {announced} bytes but sent {incoming.Received}; nothing was kept");
        return await incoming.KeepAsync(cancellation);
    }

    /// <summary>
    /// Fetches the UnixFS file (or raw block) <paramref name="cid"/> from <paramref name="blocks"/>, which must verify
    /// every block against its CID (the gateway fetcher does): the file's bytes are then the ones the CID names.
    /// </summary>
    public static async Task<ModelDownloadResult> FromCidAsync(Cid cid, IBlockSource blocks, ModelDownloadRequest request,
        IProgress<ModelDownloadProgress>? progress, CancellationToken cancellation)
    {
        await using var incoming = IncomingModelFile.Create(request, cid.ToString());
        try
        {
            var stat = await UnixFsReader.StatAsync(cid, blocks, cancellation);
            incoming.CheckAnnouncedSize(stat.FileSize);
            progress?.Report(new ModelDownloadProgress(0, stat.FileSize));
            await foreach (var piece in UnixFsReader.ReadAsync(cid, blocks, cancellation: cancellation))
            {
                await incoming.WriteAsync(piece, cancellation);
                progress?.Report(new ModelDownloadProgress(incoming.Received, stat.FileSize));
            }
            if (incoming.Received != stat.FileSize)
                throw new ModelDownloadException($"{cid} names a {stat.FileSize}-byte file but its blocks hold {incoming.Received} bytes; nothing was kept");
        }
        catch (Exception e) when (e is BlockNotFoundException or DagPbFormatException)
        {
            throw new ModelDownloadException($"cannot fetch {cid} from IPFS_GATEWAYS: {e.Message}; nothing was kept", e);
        }
        return await incoming.KeepAsync(cancellation);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, Uri url, TimeSpan stall, CancellationToken cancellation)
    {
        var current = url;
        for (var hops = 0; ; hops++)
        {
            using var headers = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            headers.CancelAfter(stall);
            HttpResponseMessage response;
            try
            {
                response = await http.GetAsync(current, HttpCompletionOption.ResponseHeadersRead, headers.Token);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                throw new ModelDownloadException($"'{current}' did not answer within {Seconds(stall)} ({StallKey})");
            }
            catch (HttpRequestException e)
            {
                throw new ModelDownloadException($"cannot download '{current}': {e.Message}", e);
            }
            var status = (int)response.StatusCode;
            if (status is 301 or 302 or 303 or 307 or 308)
            {
                var location = response.Headers.Location;
                response.Dispose();
                if (location is null) throw new ModelDownloadException($"'{current}' answered {status} without a Location to redirect to");
                var next = location.IsAbsoluteUri ? location : new Uri(current, location);
                if (next.Scheme is not ("http" or "https"))
                    throw new ModelDownloadException($"'{current}' redirected to '{next}', which is not an http(s) URL; refused");
                if (current.Scheme == "https" && next.Scheme == "http")
                    throw new ModelDownloadException($"'{current}' redirected from https down to plain http ('{next}'); refused");
                if (hops == MaxRedirects)
                    throw new ModelDownloadException($"'{url}' redirected more than {MaxRedirects} times; refused");
                current = next;
                continue;
            }
            if (!response.IsSuccessStatusCode)
            {
                response.Dispose();
                throw new ModelDownloadException($"'{current}' answered {status} {response.ReasonPhrase}");
            }
            return response;
        }
    }

    private static string Seconds(TimeSpan span) => string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.###} s");
}
