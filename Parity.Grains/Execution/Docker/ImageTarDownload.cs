using System.Net;
using Microsoft.Extensions.Logging;

namespace Parity.Execution.Docker;

/// <summary>
/// Downloads a task's <c>docker_image_url</c> tar to a file, refusing one over RUNNER_DOCKER_MAX_IMAGE_SIZE. Every
/// connection goes through <see cref="FetchGuard"/>; redirects are followed by hand, at most
/// <see cref="MaxRedirects"/>, each hop's URL checked like the first. The task learns that an upstream failed, never how
/// (status, size, connection error): those would make the runner a port scanner of whatever it can reach. The runner's
/// log has the details for the operator.
/// </summary>
internal sealed class ImageTarDownload(FetchGuard guard, DockerExecutorOptions options, ILogger logger)
{
    public const int MaxRedirects = 5;

    private readonly HttpClient _client = guard.Client();

    /// <summary>The URL as messages show it: no user info (refused anyway), query or fragment (pre-signed tokens).</summary>
    public static string Display(Uri url) => $"{url.Scheme}://{url.Authority}{url.AbsolutePath}";

    /// <summary>Writes the tar to <paramref name="file"/> (which must not exist) and returns its size.</summary>
    public async Task<long> ToFileAsync(Uri url, string file, ExecutionOutput output, CancellationToken cancellation)
    {
        using var response = await GetFollowingRedirectsAsync(url, cancellation);
        if (response.Content.Headers.ContentLength > options.MaxImageBytes)
            throw TooLarge(url);
        await using var body = await response.Content.ReadAsStreamAsync(cancellation);
        await using var target = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        var buffer = new byte[1 << 16];
        long total = 0;
        var lastProgress = DateTime.UtcNow;
        int read;
        while ((read = await ReadAsync(url, body, buffer, cancellation)) > 0)
        {
            total += read;
            if (total > options.MaxImageBytes) throw TooLarge(url);
            await target.WriteAsync(buffer.AsMemory(0, read), cancellation);
            if (DateTime.UtcNow - lastProgress >= DockerImages.ProgressEvery)
            {
                lastProgress = DateTime.UtcNow;
                DockerImages.Note(output, $"downloaded {ByteSize.Format(total)}");
            }
        }
        return total;
    }

    private async Task<HttpResponseMessage> GetFollowingRedirectsAsync(Uri url, CancellationToken cancellation)
    {
        var hop = url;
        for (var redirects = 0; ; redirects++)
        {
            CheckUrl(url, hop, redirects > 0);
            HttpResponseMessage response;
            try
            {
                response = await _client.GetAsync(hop, HttpCompletionOption.ResponseHeadersRead, cancellation);
            }
            catch (HttpRequestException e) when (e.InnerException is AddressRefusedException refused)
            {
                throw new DockerTaskException(redirects == 0
                    ? $"docker_image_url {Display(url)}: {refused.Message}"
                    : $"docker_image_url {Display(url)}: a redirect was {refused.Message}");
            }
            catch (HttpRequestException e)
            {
                throw Failed(url, $"{Display(hop)}: {e.Message}");
            }
            if (response.IsSuccessStatusCode) return response;
            using (response)
            {
                if (!IsRedirect(response.StatusCode) || response.Headers.Location is not { } location)
                    throw Failed(url, $"{Display(hop)}: HTTP {(int)response.StatusCode}");
                if (redirects == MaxRedirects)
                    throw new DockerTaskException($"docker_image_url {Display(url)}: more than {MaxRedirects} redirects");
                hop = new Uri(hop, location);
            }
        }
    }

    /// <summary>What the task's URL had to pass at parse time, asked again of every hop a server redirects to.</summary>
    private static void CheckUrl(Uri url, Uri hop, bool redirected)
    {
        var what = redirected ? "a redirect of docker_image_url" : "docker_image_url";
        if (hop.Scheme is not ("http" or "https"))
            throw new DockerTaskException($"{what} {Display(url)} is refused: only http(s) URLs are followed");
        if (hop.UserInfo.Length > 0)
            throw new DockerTaskException($"{what} {Display(url)} is refused: URLs carrying credentials (user:password@) are not followed");
    }

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private async Task<int> ReadAsync(Uri url, Stream body, byte[] buffer, CancellationToken cancellation)
    {
        try
        {
            return await body.ReadAsync(buffer, cancellation);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw Failed(url, $"reading the body: {e.Message}");
        }
    }

    private DockerTaskException Failed(Uri url, string detail)
    {
        logger.LogWarning("Download of docker_image_url {Url} failed: {Detail}", Display(url), detail);
        return new DockerTaskException($"could not download docker_image_url {Display(url)}: download failed (the runner's log says why)");
    }

    private DockerTaskException TooLarge(Uri url) =>
        new($"docker_image_url {Display(url)} is larger than this runner's limit of {ByteSize.Format(options.MaxImageBytes)} (RUNNER_DOCKER_MAX_IMAGE_SIZE)");
}
