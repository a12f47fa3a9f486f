using System.Text.RegularExpressions;
using Parity.Storage;

namespace Parity.Llm;

/// <summary>
/// The name a pulled GGUF file is served under, which is also its file name in RUNNER_MODELS_DIR (plus <c>.gguf</c>).
/// Letters, digits, '.', '_', '+' and '-', starting with a letter or digit, at most 128 characters: no separator, no
/// leading dot, so no name can leave the directory (<c>../x</c>, <c>/etc/x</c>), hide, or clash with the temporary
/// files of a download; no ':' either, which Ollama-style names read as a tag.
/// </summary>
public static partial class ModelFileNames
{
    public const string Extension = ".gguf";
    private const int MaxLength = 128;

    /// <summary>The name given with --name, a trailing <c>.gguf</c> dropped; <see cref="ModelDownloadException"/> names a bad one.</summary>
    public static string Validate(string value, string field = "--name")
    {
        var name = StripExtension(value);
        if (!Syntax().IsMatch(name))
            throw new ModelDownloadException(
                $"{field} '{value}' is not a model name: use letters, digits, '.', '_', '+' and '-', starting with a letter " +
                $"or digit, at most {MaxLength} characters (no '/', '\\', ':' or spaces)");
        return name;
    }

    /// <summary>The name a URL's last path segment gives (Hugging Face's <c>…/resolve/main/qwen2.5-0.5b-q4_k_m.gguf</c> → <c>qwen2.5-0.5b-q4_k_m</c>).</summary>
    public static string FromUrl(Uri url)
    {
        var segment = Uri.UnescapeDataString(url.AbsolutePath.TrimEnd('/').Split('/')[^1]);
        if (segment.Length == 0)
            throw new ModelDownloadException($"the URL '{url}' has no file name to name the model after: give --name");
        try
        {
            return Validate(segment, $"the URL's file name");
        }
        catch (ModelDownloadException e)
        {
            throw new ModelDownloadException($"{e.Message}; give --name");
        }
    }

    /// <summary>A CID is a valid name as it is (base58 or base32 letters and digits).</summary>
    public static string FromCid(Cid cid) => Validate(cid.ToString(), "the CID");

    private static string StripExtension(string value) =>
        value.EndsWith(Extension, StringComparison.OrdinalIgnoreCase) ? value[..^Extension.Length] : value;

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$")]
    private static partial Regex Syntax();
}
