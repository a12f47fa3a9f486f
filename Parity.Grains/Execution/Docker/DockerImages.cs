using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Logging;

namespace Parity.Execution.Docker;

/// <summary>
/// Makes a task's image present in the engine: the local one when it has it, else loaded from the task's
/// <c>docker_image_url</c> tar or its <c>docker_image_cid</c> (fetched from the configured gateways, every block verified), else pulled. Nothing the task gives is trusted: the URL and the registry must resolve to
/// addresses <see cref="FetchAddressPolicy"/> allows, a tar is loaded only if every name it carries is the task's own
/// image name, and a pinned <c>config.image_digest</c> must be the image's. Progress goes to the task's stderr as
/// <c>[parity]</c> lines.
/// </summary>
/// <param name="scratch">Where tars are written while they load: the silo's work folder, which a restarted silo clears
/// of its killed predecessor's leftovers (see <see cref="Parity.Hosting.SiloWorkFolder"/>).</param>
internal sealed class DockerImages(DockerEngine engine, DockerExecutorOptions options, FetchGuard guard,
    Parity.Storage.ContentFetcher? content, ILogger logger, string scratch)
{
    /// <summary>How often a long pull or download reports its progress.</summary>
    public static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(1);

    private readonly ImageTarDownload _download = new(guard, options, logger);

    public async Task<ImageInspectResponse> PrepareAsync(DockerTaskConfig config, ExecutionOutput output, CancellationToken cancellation)
    {
        if (await InspectAsync(config.ImageName, cancellation) is { } local) return Pinned(config, local);

        if (config.ImageUrl is { } url)
        {
            await LoadFromUrlAsync(config, url, output, cancellation);
            return Pinned(config, await InspectAsync(config.ImageName, cancellation)
                ?? throw new DockerTaskException(
                    $"the tar at docker_image_url {ImageTarDownload.Display(url)} loaded no image named '{config.ImageName}'"));
        }

        if (config.ImageCid is { } cid)
        {
            await LoadFromCidAsync(config, cid, output, cancellation);
            return Pinned(config, await InspectAsync(config.ImageName, cancellation)
                ?? throw new DockerTaskException($"the tar {cid} loaded no image named '{config.ImageName}'"));
        }

        await CheckRegistryAsync(config, cancellation);
        await PullAsync(config, output, cancellation);
        return Pinned(config, await InspectAsync(config.ImageName, cancellation)
               ?? throw new DockerTaskException($"image '{config.ImageName}' is missing after the pull reported success"));
    }

    /// <summary>
    /// The image, if it is the one <c>config.image_digest</c> pins: its ID (the config digest) or one of its registry
    /// digests. A local image of that name that is another is not replaced: the task fails.
    /// </summary>
    private static ImageInspectResponse Pinned(DockerTaskConfig config, ImageInspectResponse image)
    {
        if (config.ImageDigest is not { } pin) return image;
        if (image.ID == pin || image.RepoDigests?.Any(d => d.EndsWith("@" + pin, StringComparison.Ordinal)) == true) return image;
        throw new DockerTaskException(
            $"config.image_digest {pin} does not match image '{config.ImageName}' on this runner (image ID {image.ID}); " +
            "a task's image never replaces an image of the same name");
    }

    /// <summary>Refuses, before the engine is asked to pull, a registry on an address a task may not reach.</summary>
    /// <remarks>The engine resolves the name again itself, so this does not stop a registry name that rebinds between
    /// the two lookups: limit the engine's own egress where that matters.</remarks>
    private async Task CheckRegistryAsync(DockerTaskConfig config, CancellationToken cancellation)
    {
        if (config.RegistryHost() is not { } host) return;
        try
        {
            await EngineCalls.BoundedAsync(options.EngineTimeout, $"resolving the registry of '{config.ImageName}'",
                ct => guard.CheckedAddressesAsync(host, ct), cancellation);
        }
        catch (AddressRefusedException e)
        {
            throw new DockerTaskException($"config.image_name '{config.ImageName}': registry {host} {e.Message}");
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or HttpRequestException)
        {
            throw new DockerTaskException($"config.image_name '{config.ImageName}': registry host {host} does not resolve");
        }
    }

    public static void Note(ExecutionOutput output, string line) => output.Stderr.Append(Encoding.UTF8.GetBytes($"[parity] {line}\n"));

    private async Task<ImageInspectResponse?> InspectAsync(string name, CancellationToken cancellation)
    {
        try
        {
            return await EngineCalls.BoundedAsync(options.EngineTimeout, $"inspecting image '{name}'",
                ct => engine.Client.Images.InspectImageAsync(name, ct), cancellation);
        }
        catch (DockerImageNotFoundException)
        {
            return null;
        }
    }

    private async Task PullAsync(DockerTaskConfig config, ExecutionOutput output, CancellationToken cancellation)
    {
        var (repository, tag) = config.PullReference();
        Note(output, $"pulling image {config.ImageName}");
        string? error = null;
        var lastProgress = DateTime.MinValue;
        var progress = new SynchronousProgress<JSONMessage>(message =>
        {
            if (message.Error is { } failure) error = failure.Message ?? message.ErrorMessage;
            else if (!string.IsNullOrEmpty(message.ErrorMessage)) error = message.ErrorMessage;
            else if (message.Progress is { Total: > 0 } bytes)
            {
                if (DateTime.UtcNow - lastProgress < ProgressEvery) return;
                lastProgress = DateTime.UtcNow;
                Note(output, $"{message.ID}: {message.Status} {ByteSize.Format(bytes.Current)} of {ByteSize.Format(bytes.Total)}");
            }
            else if (!string.IsNullOrEmpty(message.Status))
                Note(output, string.IsNullOrEmpty(message.ID) ? message.Status : $"{message.ID}: {message.Status}");
        });
        error = await StreamAsync($"pulling image '{config.ImageName}'", ct => engine.Client.Images.CreateImageAsync(
            new ImagesCreateParameters { FromImage = repository, Tag = tag }, null, progress, ct), cancellation) ?? error;
        if (error is not null)
            throw new DockerTaskException($"could not pull image '{config.ImageName}': {error}");
    }

    private async Task LoadFromUrlAsync(DockerTaskConfig config, Uri url, ExecutionOutput output, CancellationToken cancellation)
    {
        var shown = ImageTarDownload.Display(url);
        Note(output, $"downloading image tar from {shown}");
        var file = Path.Combine(scratch, $"parity-image-{Guid.NewGuid():N}.tar");
        try
        {
            var bytes = await EngineCalls.BoundedAsync(options.EngineTimeout, $"downloading docker_image_url {shown}",
                ct => _download.ToFileAsync(url, file, output, ct), cancellation);
            await LoadTarAsync(config, file, bytes, $"docker_image_url {shown}", output, cancellation);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private async Task LoadFromCidAsync(DockerTaskConfig config, Parity.Storage.Cid cid, ExecutionOutput output, CancellationToken cancellation)
    {
        if (content is null)
            throw new DockerTaskException($"this runner has no content fetcher for docker_image_cid {cid}");
        Note(output, $"fetching image tar {cid} (every block verified)");
        var file = Path.Combine(scratch, $"parity-image-{Guid.NewGuid():N}.tar");
        try
        {
            long bytes;
            try
            {
                var lastProgress = DateTime.UtcNow;
                var progress = new SynchronousProgress<long>(done =>
                {
                    if (DateTime.UtcNow - lastProgress < ProgressEvery) return;
                    lastProgress = DateTime.UtcNow;
                    Note(output, $"fetched {ByteSize.Format(done)}");
                });
                bytes = await EngineCalls.BoundedAsync(options.EngineTimeout, $"fetching docker_image_cid {cid}", async ct =>
                {
                    await using var target = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                    return await content.CopyToAsync(cid, target, options.MaxImageBytes, "RUNNER_DOCKER_MAX_IMAGE_SIZE", progress, ct);
                }, cancellation);
            }
            catch (Exception e) when (e is Parity.Storage.BlockNotFoundException or Parity.Storage.DagPbFormatException
                                          or Parity.Storage.ContentTooLargeException)
            {
                throw new DockerTaskException($"docker_image_cid {cid}: {e.Message}");
            }
            await LoadTarAsync(config, file, bytes, $"docker_image_cid {cid}", output, cancellation);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Loads a downloaded tar once its manifest names only the task's image.</summary>
    private async Task LoadTarAsync(DockerTaskConfig config, string file, long bytes, string source, ExecutionOutput output,
        CancellationToken cancellation)
    {
        // Read what the tar would name before the engine sees it: a load tags whatever the tar says.
        var manifest = await ImageTarManifest.ReadAsync(file, cancellation);
        manifest.Check(config.ImageName, config.ImageDigest);
        Note(output, $"loading image tar ({ByteSize.Format(bytes)}, image {manifest.ConfigDigest})");
        string? error = null;
        var progress = new SynchronousProgress<JSONMessage>(message =>
        {
            if (message.Error is { } failure) error = failure.Message ?? message.ErrorMessage;
            else if (message.Stream?.Trim() is { Length: > 0 } line) Note(output, line);
        });
        await using (var tar = File.OpenRead(file))
        {
            error = await StreamAsync("loading the image tar", ct => engine.Client.Images.LoadImageAsync(
                new ImageLoadParameters { Quiet = false }, tar, progress, ct), cancellation) ?? error;
        }
        if (error is not null)
            throw new DockerTaskException($"the engine could not load the image tar from {source}: {error}");
    }

    /// <summary>
    /// Runs an engine operation that reports through a progress stream; the engine refusing it is the error to report,
    /// in place of any the stream gave (null when it did not refuse).
    /// </summary>
    private async Task<string?> StreamAsync(string what, Func<CancellationToken, Task> operation, CancellationToken cancellation)
    {
        try
        {
            await EngineCalls.BoundedAsync(options.EngineTimeout, what, async ct =>
            {
                await operation(ct);
                return true;
            }, cancellation);
            return null;
        }
        catch (DockerApiException e)
        {
            return EngineCalls.Message(e);
        }
    }
}
