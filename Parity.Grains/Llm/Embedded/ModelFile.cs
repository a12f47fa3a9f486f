using System.Security.Cryptography;

namespace Parity.Llm.Embedded;

/// <summary>One version of a GGUF file in the models directory: its header (or why it is unusable) and its digest.</summary>
internal sealed class ModelFile(string path, FileStamp stamp, GgufHeader? header, string? problem)
{
    private readonly Lock _gate = new();
    private string? _digest;

    public FileStamp Stamp => stamp;
    public GgufHeader? Header => header;
    /// <summary>Why the header is unusable, or null.</summary>
    public string? Problem => problem;

    /// <summary>"sha256:&lt;hex&gt;" of the whole file, computed once per version of the file.</summary>
    public string Digest()
    {
        lock (_gate)
        {
            if (_digest is not null) return _digest;
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            return _digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream));
        }
    }

    public string? TryDigest()
    {
        try
        {
            return Digest();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
