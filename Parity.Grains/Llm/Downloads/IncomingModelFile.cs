using System.Security.Cryptography;
using Parity.Llm.Embedded;

namespace Parity.Llm;

/// <summary>
/// A model file on its way into the models directory. Bytes go to a hidden temporary file beside the target
/// (<c>.name.*.part</c>: not <c>*.gguf</c>, so never served half-written), hashed as they arrive; the first four must
/// be the GGUF magic and no more than the cap are accepted. <see cref="KeepAsync"/> checks the digest and the header
/// and renames the file into place in one step; anything else (a failure, a cancellation) deletes it on dispose.
/// </summary>
public sealed class IncomingModelFile : IAsyncDisposable
{
    private static readonly byte[] Magic = "GGUF"u8.ToArray();

    private readonly ModelDownloadRequest _request;
    private readonly string _source;
    private readonly string _temporary;
    private readonly FileStream _file;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _head = new byte[Magic.Length];
    private int _headLength;
    private bool _kept;

    private IncomingModelFile(ModelDownloadRequest request, string source)
    {
        _request = request;
        _source = source;
        _temporary = Path.Combine(request.Directory, $".{request.Name}.{Guid.NewGuid():N}.part");
        _file = new FileStream(_temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous);
    }

    /// <summary>Bytes accepted so far.</summary>
    public long Received { get; private set; }

    /// <summary>
    /// Creates the directory when missing and the temporary file; refuses at once a name that is taken (unless
    /// <see cref="ModelDownloadRequest.Replace"/>), so a long download does not end in that refusal.
    /// </summary>
    public static IncomingModelFile Create(ModelDownloadRequest request, string source)
    {
        try
        {
            Directory.CreateDirectory(request.Directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelDownloadException($"cannot create the models directory {request.Directory} (RUNNER_MODELS_DIR): {e.Message}", e);
        }
        if (!request.Replace && File.Exists(request.TargetPath))
            throw new ModelDownloadException($"{request.TargetPath} exists already: give another --name, or --force to replace it");
        return new IncomingModelFile(request, source);
    }

    /// <summary>The announced size, checked before any byte is read.</summary>
    public void CheckAnnouncedSize(long? total)
    {
        if (total > _request.MaxBytes)
            throw new ModelDownloadException(
                $"{_source} announces {total} bytes, over the cap of {_request.MaxBytes} bytes ({_request.MaxBytesSource}); nothing was downloaded");
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> chunk, CancellationToken cancellation)
    {
        if (Received + chunk.Length > _request.MaxBytes)
            throw new ModelDownloadException(
                $"{_source} sent more than the cap of {_request.MaxBytes} bytes ({_request.MaxBytesSource}); the download was stopped and nothing kept");
        if (Received < Magic.Length)
        {
            var take = (int)Math.Min(Magic.Length - Received, chunk.Length);
            chunk.Span[..take].CopyTo(_head.AsSpan(_headLength));
            _headLength += take;
            if (_headLength == Magic.Length && !_head.AsSpan().SequenceEqual(Magic)) throw NotGguf();
        }
        _hash.AppendData(chunk.Span);
        await _file.WriteAsync(chunk, cancellation);
        Received += chunk.Length;
    }

    /// <summary>Checks the file and renames it into place; returns what was kept.</summary>
    public async Task<ModelDownloadResult> KeepAsync(CancellationToken cancellation)
    {
        await _file.FlushAsync(cancellation);
        _file.Flush(flushToDisk: true);
        await _file.DisposeAsync();
        if (_headLength < Magic.Length) throw NotGguf();
        var sha256 = Convert.ToHexStringLower(_hash.GetHashAndReset());
        if (_request.Sha256 is { } expected && expected != sha256)
            throw new ModelDownloadException(
                $"{_source} has SHA-256 {sha256}, not the {expected} given with --sha256; nothing was kept");
        try
        {
            GgufHeader.Read(_temporary);
        }
        catch (InvalidDataException e)
        {
            throw new ModelDownloadException($"{_source} is not a usable GGUF file: {e.Message}; nothing was kept", e);
        }
        try
        {
            File.Move(_temporary, _request.TargetPath, _request.Replace);
        }
        catch (IOException e) when (File.Exists(_request.TargetPath) && !_request.Replace)
        {
            throw new ModelDownloadException($"{_request.TargetPath} appeared during the download: give another --name, or --force to replace it", e);
        }
        _kept = true;
        return new ModelDownloadResult(_request.Name, _request.TargetPath, Received, sha256);
    }

    private ModelDownloadException NotGguf()
    {
        var head = new string(_head.AsSpan(0, _headLength).ToArray().Select(b => b is >= 0x20 and < 0x7f ? (char)b : '.').ToArray());
        return new ModelDownloadException(
            $"{_source} is not a GGUF file: it {(_headLength == 0 ? "is empty" : $"starts with \"{head}\"")}, not \"GGUF\"; nothing was kept");
    }

    public async ValueTask DisposeAsync()
    {
        _hash.Dispose();
        await _file.DisposeAsync();
        if (!_kept)
        {
            try
            {
                File.Delete(_temporary);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Best effort: a leftover .part file is hidden and never served.
            }
        }
    }
}
