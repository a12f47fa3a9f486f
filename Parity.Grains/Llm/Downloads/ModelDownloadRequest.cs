using System.Globalization;

namespace Parity.Llm;

/// <summary>Where a pulled model goes and what it must satisfy before it is kept.</summary>
public sealed record ModelDownloadRequest
{
    /// <summary>RUNNER_MODELS_DIR; created when missing.</summary>
    public required string Directory { get; init; }
    /// <summary>Validated by <see cref="ModelFileNames"/>.</summary>
    public required string Name { get; init; }
    /// <summary>The cap on the file's size, and the option or key that set it (for the error message).</summary>
    public required long MaxBytes { get; init; }
    public string MaxBytesSource { get; init; } = "RUNNER_MODEL_MAX_SIZE";
    /// <summary>Lowercase hex, or null when no digest was given.</summary>
    public string? Sha256 { get; init; }
    /// <summary>How long the source may send nothing (RUNNER_MODEL_DOWNLOAD_STALL_TIMEOUT).</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Replace a model file of the same name; otherwise one is refused before the download starts.</summary>
    public bool Replace { get; init; }

    public string TargetPath => System.IO.Path.Combine(Directory, Name + ModelFileNames.Extension);

    /// <summary>64 hex digits, optionally prefixed <c>sha256:</c>; <see cref="ModelDownloadException"/> names a bad one.</summary>
    public static string ParseSha256(string text)
    {
        var hex = text.Trim();
        if (hex.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase)) hex = hex["sha256:".Length..];
        if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit))
            throw new ModelDownloadException($"--sha256 must be 64 hexadecimal digits (optionally prefixed sha256:), got '{text}'");
        return hex.ToLower(CultureInfo.InvariantCulture);
    }
}
