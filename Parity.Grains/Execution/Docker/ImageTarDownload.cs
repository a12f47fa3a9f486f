namespace Parity.Execution.Docker;

/// <summary>Downloads a task's <c>docker_image_url</c> tar to a file, refusing one over RUNNER_DOCKER_MAX_IMAGE_SIZE.</summary>
internal sealed class ImageTarDownload(DockerExecutorOptions options)
{
    private static readonly HttpClient Downloads = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>Writes the tar to <paramref name="file"/> (which must not exist) and returns its size.</summary>
    public async Task<long> ToFileAsync(Uri url, string file, ExecutionOutput output, CancellationToken cancellation)
    {
        HttpResponseMessage response;
        try
        {
            response = await Downloads.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellation);
        }
        catch (HttpRequestException e)
        {
            throw new DockerTaskException($"could not download docker_image_url {url}: {e.Message}");
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw new DockerTaskException(
                    $"could not download docker_image_url {url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            if (response.Content.Headers.ContentLength > options.MaxImageBytes)
                throw TooLarge(url);
            await using var body = await response.Content.ReadAsStreamAsync(cancellation);
            await using var target = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            var buffer = new byte[1 << 16];
            long total = 0;
            var lastProgress = DateTime.UtcNow;
            int read;
            while ((read = await body.ReadAsync(buffer, cancellation)) > 0)
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
    }

    private DockerTaskException TooLarge(Uri url) =>
        new($"docker_image_url {url} is larger than this runner's limit of {ByteSize.Format(options.MaxImageBytes)} (RUNNER_DOCKER_MAX_IMAGE_SIZE)");
}
