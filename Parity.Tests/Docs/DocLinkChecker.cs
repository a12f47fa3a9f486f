using System.Text.RegularExpressions;

namespace Parity.Tests.Docs;

/// <summary>
/// Finds references in the user-facing documents (and in help strings) that a reader of a fresh clone could not
/// follow: a relative link to a path that is not in the repository, an anchor that no heading makes, a file name that
/// exists nowhere in the repository, or a path into the <c>shared</c> folder that sits beside a development checkout.
/// </summary>
public static partial class DocLinkChecker
{
    // Spelt in two parts so that this file is no hit of the repository-wide scan for the same folder.
    private const string OutsideFolder = ".." + "/shared";

    /// <summary>Every problem of one markdown file, each naming the file, the line and the reference.</summary>
    public static IReadOnlyList<string> CheckMarkdown(string root, string file)
    {
        var problems = new List<string>();
        var text = File.ReadAllText(file);
        var name = Path.GetRelativePath(root, file);
        var lines = text.Split('\n');
        var inFence = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var where = $"{name}:{i + 1}";
            if (line.Contains(OutsideFolder, StringComparison.Ordinal))
                problems.Add($"{where}: mentions {OutsideFolder}, which a clone does not have");
            foreach (Match mention in DocsMention().Matches(line))
                CheckTarget(root, root, mention.Value, where, problems);
            foreach (Match bare in BareMarkdownName().Matches(line))
                if (!new[] { Path.GetDirectoryName(file)!, root, Path.Combine(root, "docs") }.Any(d => File.Exists(Path.Combine(d, bare.Groups[1].Value))))
                    problems.Add($"{where}: mentions {bare.Groups[1].Value}, which is not in the repository");

            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal)) inFence = !inFence;
            if (inFence) continue;
            // Code spans hold JSON and shell, whose brackets are not links.
            foreach (Match link in Link().Matches(InlineCode().Replace(line, "")))
            {
                var target = link.Groups[1].Value;
                if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
                    || target.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
                    || target.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase))
                    continue;
                CheckTarget(root, Path.GetDirectoryName(file)!, target, where, problems, self: file);
            }
        }
        return problems;
    }

    /// <summary>
    /// Problems of the string literals of one C# file (what a user sees in help and errors): a <c>docs/X.md</c> mention
    /// that does not resolve, a markdown file the repository does not carry, or the folder beside the clone. Comments are left
    /// alone: they may cite design notes kept outside the repository.
    /// </summary>
    public static IReadOnlyList<string> CheckCode(string root, string file)
    {
        var problems = new List<string>();
        var name = Path.GetRelativePath(root, file);
        var lines = File.ReadAllLines(file);
        for (var i = 0; i < lines.Length; i++)
        {
            var where = $"{name}:{i + 1}";
            var trimmed = lines[i].TrimStart();
            if (trimmed.StartsWith("//", StringComparison.Ordinal) || trimmed.StartsWith('*')) continue;
            foreach (Match literal in StringLiteral().Matches(lines[i]))
            {
                if (literal.Value.Contains(OutsideFolder, StringComparison.Ordinal))
                    problems.Add($"{where}: a string mentions {OutsideFolder}, which a clone does not have");
                foreach (Match mention in DocsMention().Matches(literal.Value))
                    CheckTarget(root, root, mention.Value, where, problems);
                foreach (Match bare in BareMarkdownName().Matches(literal.Value))
                    if (!File.Exists(Path.Combine(root, bare.Groups[1].Value)) && !File.Exists(Path.Combine(root, "docs", bare.Groups[1].Value)))
                        problems.Add($"{where}: a string mentions {bare.Groups[1].Value}, which is not in the repository");
            }
        }
        return problems;
    }

    /// <summary>GitHub's anchors for the headings of a markdown text (outside code fences), duplicates numbered.</summary>
    public static IReadOnlySet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var inFence = false;
        foreach (var line in markdown.Split('\n'))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal)) inFence = !inFence;
            if (inFence) continue;
            var heading = Heading().Match(line);
            if (!heading.Success) continue;
            var slug = SlugDrop().Replace(heading.Groups[1].Value.Trim().ToLowerInvariant(), "").Replace(' ', '-');
            var count = seen.GetValueOrDefault(slug);
            seen[slug] = count + 1;
            anchors.Add(count == 0 ? slug : $"{slug}-{count}");
        }
        return anchors;
    }

    private static void CheckTarget(string root, string baseDir, string target, string where, List<string> problems,
        string? self = null)
    {
        var hash = target.IndexOf('#');
        var path = hash < 0 ? target : target[..hash];
        var anchor = hash < 0 ? null : target[(hash + 1)..];
        string file;
        if (path.Length == 0)
        {
            if (self is null) return;
            file = self;
        }
        else
        {
            file = Path.GetFullPath(Path.Combine(baseDir, Uri.UnescapeDataString(path)));
            var inside = file == root || file.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
            if (!inside)
            {
                problems.Add($"{where}: {target} leads out of the repository");
                return;
            }
            if (!File.Exists(file) && !Directory.Exists(file))
            {
                problems.Add($"{where}: {target} does not exist ({Path.GetRelativePath(root, file)})");
                return;
            }
        }
        if (anchor is { Length: > 0 } && file.EndsWith(".md", StringComparison.OrdinalIgnoreCase)
            && !Anchors(File.ReadAllText(file)).Contains(anchor))
            problems.Add($"{where}: {target}: {Path.GetRelativePath(root, file)} has no heading with the anchor #{anchor}");
    }

    /// <summary>[text](target) and ![alt](target), an optional "title" after the target.</summary>
    [GeneratedRegex("""!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)""")]
    private static partial Regex Link();

    /// <summary>docs/NAME.md with an optional anchor, not preceded by a path (that is a link's business).</summary>
    [GeneratedRegex(@"(?<![\w./-])docs/[\w.-]+\.md(?:#[\w-]+)?")]
    private static partial Regex DocsMention();

    /// <summary>A markdown file named without a folder: NAME.md.</summary>
    [GeneratedRegex(@"(?<![\w./-])([\w-]+\.md)(?![\w])")]
    private static partial Regex BareMarkdownName();

    [GeneratedRegex("`[^`]*`")]
    private static partial Regex InlineCode();

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"^#{1,6}\s+(.+?)\s*#*\s*$")]
    private static partial Regex Heading();

    /// <summary>What GitHub drops from a heading to make its anchor: everything but letters, digits, spaces, '-' and '_'.</summary>
    [GeneratedRegex(@"[^\p{L}\p{Nd}\s_-]")]
    private static partial Regex SlugDrop();
}
