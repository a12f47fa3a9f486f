namespace Parity.Llm;

/// <summary>
/// How a requested model name picks one of the names a backend serves. Names are <c>base</c> or <c>base:tag</c>
/// (Ollama style: <c>qwen2.5</c>, <c>qwen2.5:0.5b</c>); the tag is what follows the last ':' when no '/' comes
/// after it, so a registry host with a port (<c>host:5000/library/qwen2.5</c>) is not mistaken for a tag.
/// All comparisons ignore case. The rules, in order:
/// <list type="number">
/// <item>An exact match wins (<c>qwen2.5:0.5b</c> → <c>qwen2.5:0.5b</c>).</item>
/// <item>A missing tag means <c>latest</c>, both ways: <c>qwen2.5</c> matches <c>qwen2.5:latest</c>, and
/// <c>qwen2.5:latest</c> matches <c>qwen2.5</c>.</item>
/// <item>A request without a tag matches the only tagged variant of that base when there is exactly one
/// (<c>qwen2.5</c> → <c>qwen2.5:0.5b</c>). With several and none <c>latest</c> the request is ambiguous: no match,
/// and <see cref="Ambiguity"/> lists the candidates for the error message.</item>
/// <item>A request with a tag never matches a different tag (<c>qwen2.5:7b</c> does not match <c>qwen2.5:0.5b</c>).</item>
/// </list>
/// Embedded models are GGUF file names without <c>.gguf</c> and follow the same rules: a file <c>tiny.gguf</c> is served
/// as <c>tiny</c> and <c>tiny:latest</c>.
/// </summary>
public static class ModelNames
{
    private const string Latest = "latest";

    /// <summary>
    /// Whether <paramref name="requested"/> names <paramref name="available"/> without looking at the other available
    /// names: exactly, or through the implicit <c>latest</c> tag (rules 1, 2 and 4). Rule 3 depends on the whole set
    /// and is applied by <see cref="Resolve"/> only.
    /// </summary>
    public static bool Matches(string requested, string available)
    {
        var (requestedBase, requestedTag) = Split(requested);
        var (availableBase, availableTag) = Split(available);
        return Same(requestedBase, availableBase) && Same(requestedTag ?? Latest, availableTag ?? Latest);
    }

    /// <summary>The available name that <paramref name="requested"/> selects, or null (unknown or ambiguous).</summary>
    public static string? Resolve(string requested, IEnumerable<string> available)
    {
        var names = available.ToList();
        var exact = names.FirstOrDefault(n => string.Equals(n, requested, StringComparison.Ordinal))
                    ?? names.FirstOrDefault(n => Same(n, requested));
        if (exact is not null) return exact;

        var equivalent = names.FirstOrDefault(n => Matches(requested, n));
        if (equivalent is not null) return equivalent;

        var variants = TaggedVariants(requested, names);
        return variants.Count == 1 ? variants[0] : null;
    }

    /// <summary>
    /// The candidates when <paramref name="requested"/> has no tag and several tagged variants of its base exist, none
    /// of them <c>latest</c>; empty otherwise (including when <see cref="Resolve"/> finds a match).
    /// </summary>
    public static IReadOnlyList<string> Ambiguity(string requested, IEnumerable<string> available)
    {
        var names = available.ToList();
        if (Resolve(requested, names) is not null) return [];
        var variants = TaggedVariants(requested, names);
        return variants.Count > 1 ? variants : [];
    }

    /// <summary>Splits <c>base:tag</c>; the tag is null when the name has none.</summary>
    public static (string Base, string? Tag) Split(string name)
    {
        var colon = name.LastIndexOf(':');
        return colon > name.LastIndexOf('/') && colon < name.Length - 1
            ? (name[..colon], name[(colon + 1)..])
            : (name.TrimEnd(':'), null);
    }

    private static List<string> TaggedVariants(string requested, List<string> names)
    {
        var (requestedBase, requestedTag) = Split(requested);
        if (requestedTag is not null) return [];
        return names.Where(n => Split(n) is var (b, t) && t is not null && Same(b, requestedBase)).ToList();
    }

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
