using Parity.Storage;

namespace Parity.Llm;

/// <summary>
/// The argument of <c>models pull</c>. Anything with a scheme is a URL and must be http(s) (a <c>file:</c> or
/// <c>ftp:</c> reference is refused rather than read as an Ollama name); a valid CID is a CID; anything else is an
/// Ollama name, as before. Ollama names never parse as CIDs: a CIDv0 is 46 base58 characters starting <c>Qm</c>, a
/// CIDv1 a multibase string whose bytes must decode to a known codec and hash.
/// </summary>
public sealed record ModelReference(ModelReferenceKind Kind, string Text, Uri? Url = null, Cid? Cid = null)
{
    /// <summary>Parses <paramref name="text"/>; <see cref="ModelDownloadException"/> names it when it is unusable.</summary>
    public static ModelReference Parse(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0) throw new ModelDownloadException("the model to pull is empty: give an Ollama name, an http(s) URL or a CID");
        if (trimmed.Contains("://", StringComparison.Ordinal) || trimmed.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var url))
                throw new ModelDownloadException($"'{trimmed}' is not a valid URL");
            if (url.Scheme is not ("http" or "https"))
                throw new ModelDownloadException($"'{trimmed}' is a {url.Scheme}: URL; only http and https URLs are pulled");
            if (url.UserInfo.Length > 0)
                throw new ModelDownloadException($"'{url.GetLeftPart(UriPartial.Scheme)}…' carries a user name or password; pass no credentials in a model URL");
            return new ModelReference(ModelReferenceKind.Url, trimmed, Url: url);
        }
        if (!trimmed.Contains(':') && !trimmed.Contains('/') && Cid.TryParse(trimmed, out var cid, out _))
            return new ModelReference(ModelReferenceKind.Cid, trimmed, Cid: cid);
        return new ModelReference(ModelReferenceKind.Ollama, trimmed);
    }
}
