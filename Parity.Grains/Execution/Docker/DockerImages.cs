using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Parity.Execution.Docker;

/// <summary>
/// Makes a task's image present in the engine: the local one when it has it, else loaded from the task's
/// <c>docker_image_url</c> tar, else pulled. Progress goes to the task's stderr as <c>[parity]</c> lines.
/// </summary>
internal sealed class DockerImages(DockerEngine engine, DockerExecutorOptions options)
{
    /// <summary>How often a long pull or download reports its progress.</summary>
    public static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(1);

    private readonly ImageTarDownload _download = new(options);

    public async Task<ImageInspectResponse> PrepareAsync(DockerTaskConfig config, ExecutionOutput output, CancellationToken cancellation)
    {
        if (await InspectAsync(config.ImageName, cancellation) is { } local) return local;

        if (config.ImageUrl is { } url)
        {
            var loaded = await LoadFromUrlAsync(url, output, cancellation);
            return await InspectAsync(config.ImageName, cancellation)
                   ?? throw new DockerTaskException(
                       $"the tar at docker_image_url {url} holds no image named '{config.ImageName}' (it loaded: {(loaded.Count == 0 ? "nothing" : string.Join(", ", loaded))})");
        }

        await PullAsync(config, output, cancellation);
        return await InspectAsync(config.ImageName, cancellation)
               ?? throw new DockerTaskException($"image '{config.ImageName}' is missing after the pull reported success");
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

    private async Task<List<string>> LoadFromUrlAsync(Uri url, ExecutionOutput output, CancellationToken cancellation)
    {
        Note(output, $"downloading image tar from {url}");
        var file = Path.Combine(Path.GetTempPath(), $"parity-image-{Guid.NewGuid():N}.tar");
        try
        {
            var bytes = await EngineCalls.BoundedAsync(options.EngineTimeout, $"downloading docker_image_url {url}",
                ct => _download.ToFileAsync(url, file, output, ct), cancellation);
            Note(output, $"loading image tar ({ByteSize.Format(bytes)})");
            var loaded = new List<string>();
            string? error = null;
            var progress = new SynchronousProgress<JSONMessage>(message =>
            {
                if (message.Error is { } failure) error = failure.Message ?? message.ErrorMessage;
                else if (message.Stream?.Trim() is { Length: > 0 } line)
                {
                    Note(output, line);
                    foreach (var prefix in new[] { "Loaded image: ", "Loaded image ID: " })
                        if (line.StartsWith(prefix, StringComparison.Ordinal)) loaded.Add(line[prefix.Length..]);
                }
            });
            await using (var tar = File.OpenRead(file))
            {
                error = await StreamAsync("loading the image tar", ct => engine.Client.Images.LoadImageAsync(
                    new ImageLoadParameters { Quiet = false }, tar, progress, ct), cancellation) ?? error;
            }
            if (error is not null)
                throw new DockerTaskException($"the engine could not load the image tar from docker_image_url {url}: {error}");
            return loaded;
        }
        finally
        {
            File.Delete(file);
        }
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
