using System.Text.RegularExpressions;

namespace Parity.Tests.Docs;

/// <summary>
/// What a reader fills in when following the README, done the same way for the test: the well-known ports the README
/// uses (gateway 5080/5081, Redis 6379, silo ports 11111/11112/30000/30001) become the test's own (free ports, and the
/// suite's Redis), so the examples never meet a cluster a developer runs on the defaults; the id the previous command
/// printed (<c>&lt;id&gt;</c>, <c>ID</c> as a word or path segment); the CID the last <c>storage add</c> printed
/// (<c>&lt;cid&gt;</c>, <c>Qm…</c>). Any other <c>&lt;…&gt;</c> left in a command is an error: the README must not need
/// the reader to invent a value.
/// </summary>
public static partial class ReadmePlaceholders
{
    public static readonly int[] WellKnownPorts = [5080, 5081, 6379, 11111, 11112, 30000, 30001];

    public static string Fill(string command, IReadOnlyDictionary<int, int> ports, string? id, string? cid)
    {
        var text = Port().Replace(command, m => ports.TryGetValue(int.Parse(m.Value), out var mapped) ? mapped.ToString() : m.Value);
        text = text.Replace("localhost:", "127.0.0.1:", StringComparison.Ordinal);
        if (IdPlaceholder().IsMatch(text))
            text = IdPlaceholder().Replace(text, id ?? throw new InvalidOperationException($"'{command}' needs an id, and no command before it printed one"));
        if (CidPlaceholder().IsMatch(text))
            text = CidPlaceholder().Replace(text, cid ?? throw new InvalidOperationException($"'{command}' needs a CID, and no command before it printed one"));
        if (Unfilled().Match(text) is { Success: true } left)
            throw new InvalidOperationException($"'{command}' has a placeholder the reader must invent: {left.Value}");
        return text;
    }

    /// <summary>The <c>id</c> of the JSON object a command printed, if any.</summary>
    public static string? IdIn(string stdout) => JsonId().Match(stdout) is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>The first CID (v0 <c>Qm…</c> or v1 base32 <c>b…</c>) a command printed, if any.</summary>
    public static string? CidIn(string stdout) => Cid().Match(stdout) is { Success: true } m ? m.Value : null;

    // A port after ':' (an address), '=' (a key) or "--port ".
    [GeneratedRegex(@"(?<=:|=|--port )(?:5080|5081|6379|11111|11112|30000|30001)\b")]
    private static partial Regex Port();

    [GeneratedRegex(@"<id>|(?<=[/\s])ID(?=[/\s'""]|$)")]
    private static partial Regex IdPlaceholder();

    [GeneratedRegex(@"<cid>|Qm…")]
    private static partial Regex CidPlaceholder();

    [GeneratedRegex(@"<[A-Za-z0-9][^<>\n]*>")]
    private static partial Regex Unfilled();

    [GeneratedRegex(@"^\s*\{.*?""id""\s*:\s*""([^""]+)""", RegexOptions.Singleline)]
    private static partial Regex JsonId();

    [GeneratedRegex(@"\b(?:Qm[1-9A-HJ-NP-Za-km-z]{44}|baf[a-z2-7]{56,})\b")]
    private static partial Regex Cid();
}
