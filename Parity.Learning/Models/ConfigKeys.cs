using System.Text.Json;

namespace Parity.Learning.Models;

/// <summary>
/// The keys a configuration section may hold. An unknown key is refused, naming it and the nearest valid key: a
/// misspelt <c>optimiser</c> that were ignored would silently train with plain SGD instead of Adam.
/// </summary>
public static class ConfigKeys
{
    /// <summary>
    /// Throws a <see cref="ModelConfigException"/> for the first key of <paramref name="section"/> that is neither in
    /// <paramref name="known"/> nor in <paramref name="ignored"/> (keys the reference sends that change nothing here).
    /// </summary>
    public static void RejectUnknown(JsonElement? section, string sectionName, IReadOnlyList<string> known,
        IReadOnlyList<string>? ignored = null)
    {
        if (section is not { ValueKind: JsonValueKind.Object } value) return;
        foreach (var property in value.EnumerateObject())
        {
            if (known.Contains(property.Name) || (ignored?.Contains(property.Name) ?? false)) continue;
            var name = Excerpt(property.Name);
            var hint = Nearest(property.Name, known) is { } nearest ? $" (did you mean {nearest}?)" : "";
            throw new ModelConfigException(
                $"invalid training configuration: {sectionName} has no key {name}{hint}; its keys are {string.Join(", ", known)}",
                name);
        }
    }

    /// <summary>The candidate closest to <paramref name="name"/> in edit distance, when it is close enough to be a slip.</summary>
    public static string? Nearest(string name, IEnumerable<string> candidates)
    {
        // The distance table is |name| × |candidate|: a hostile megabyte-long key gets no suggestion, not a huge table.
        if (name.Length > 64) return null;
        var lowered = name.Trim().ToLowerInvariant();
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = EditDistance(lowered, candidate);
            if (distance < bestDistance) (best, bestDistance) = (candidate, distance);
        }
        // A third of the length (at least 2) covers a slip or a British spelling, not an unrelated word.
        return best is not null && bestDistance <= Math.Max(2, best.Length / 3) ? best : null;
    }

    /// <summary>Levenshtein distance with adjacent transpositions counted as one edit (optimal string alignment).</summary>
    public static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }

    // A hostile config may carry a key of any length or content; the error quotes a bounded, printable excerpt.
    private static string Excerpt(string key)
    {
        var printable = new string(key.Take(64).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return key.Length > 64 ? printable + "…" : printable;
    }
}
