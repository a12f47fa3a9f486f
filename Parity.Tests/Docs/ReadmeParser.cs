using System.Text;
using System.Text.RegularExpressions;

namespace Parity.Tests.Docs;

/// <summary>
/// Reads the README's fenced blocks. A block with no language, or sh/bash/shell/console, is a shell example; a line
/// <c>&lt;!-- readme-test: skip|background|file ... --&gt;</c> right above a fence says otherwise. Commands are logical
/// lines: a trailing backslash or an open single quote continues one; a comment line <c># 202 …</c> under a command
/// states the HTTP status its curl must get.
/// </summary>
public static partial class ReadmeParser
{
    private static readonly string[] ShellLanguages = ["", "sh", "bash", "shell", "console"];

    public static IReadOnlyList<ReadmeExample> Parse(string markdown)
    {
        var lines = markdown.Replace("\r\n", "\n").Split('\n');
        var examples = new List<ReadmeExample>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (Marker().Match(lines[i]) is { Success: true } wait && wait.Groups[1].Value == "wait-for")
            {
                examples.Add(new ReadmeExample(i + 1, ReadmeExampleKind.WaitFor, [], null, "", wait.Groups[2].Value.Trim()));
                continue;
            }
            var fence = Fence().Match(lines[i]);
            if (!fence.Success) continue;
            var language = fence.Groups[1].Value.Trim().ToLowerInvariant();
            var start = i;
            var body = new List<string>();
            for (i++; i < lines.Length && !Fence().IsMatch(lines[i]); i++) body.Add(lines[i]);
            if (i == lines.Length) throw new FormatException($"README line {start + 1}: a fenced block is never closed");

            var marker = start > 0 && Marker().Match(lines[start - 1]) is { Success: true } above && above.Groups[1].Value != "wait-for"
                ? above
                : Match.Empty;
            var content = string.Join("\n", body) + "\n";
            if (marker.Success)
            {
                var (verb, argument) = (marker.Groups[1].Value, marker.Groups[2].Value.Trim());
                examples.Add(verb switch
                {
                    "skip" => new ReadmeExample(start + 1, ReadmeExampleKind.Skip, [], null, content,
                        argument.Length > 0 ? argument : throw new FormatException($"README line {start}: skip needs a reason")),
                    "file" => new ReadmeExample(start + 1, ReadmeExampleKind.File, [], argument, content, null),
                    "background" => new ReadmeExample(start + 1, ReadmeExampleKind.Background, Commands(body, start + 2), null, content,
                        argument.Length > 0 ? argument : throw new FormatException($"README line {start}: background needs the URL to wait for")),
                    _ => throw new FormatException($"README line {start}: unknown readme-test marker '{verb}'"),
                });
            }
            else if (ShellLanguages.Contains(language))
            {
                examples.Add(new ReadmeExample(start + 1, ReadmeExampleKind.Run, Commands(body, start + 2), null, content, null));
            }
        }
        return examples;
    }

    /// <summary>Logical commands of a block whose first line is README line <paramref name="firstLine"/>.</summary>
    public static IReadOnlyList<ReadmeCommand> Commands(IReadOnlyList<string> body, int firstLine)
    {
        var commands = new List<ReadmeCommand>();
        var text = new StringBuilder();
        var startLine = 0;
        for (var k = 0; k < body.Count; k++)
        {
            var line = body[k];
            if (text.Length == 0)
            {
                var trimmed = line.Trim();
                if (trimmed.Length == 0) continue;
                if (trimmed.StartsWith('#'))
                {
                    // A status promised for the command above it: "# 202 {...}" or "# 400, the detail ...".
                    var status = Status().Match(trimmed);
                    if (status.Success && commands.Count > 0 && commands[^1].ExpectedStatus is null)
                    {
                        var code = int.Parse(status.Groups[1].Value);
                        var quoted = code >= 400 && Quoted().Match(trimmed) is { Success: true } q ? q.Groups[1].Value : null;
                        commands[^1] = commands[^1] with { ExpectedStatus = code, ExpectedText = quoted };
                    }
                    continue;
                }
                startLine = firstLine + k;
            }
            text.Append(line).Append('\n');
            var joined = text.ToString();
            if (line.TrimEnd().EndsWith('\\') || OpenSingleQuote(joined)) continue;
            commands.Add(new ReadmeCommand(startLine, joined.TrimEnd('\n'), null));
            text.Clear();
        }
        if (text.Length > 0) throw new FormatException($"README line {startLine}: a command is never finished (open quote or trailing \\)");
        return commands;
    }

    /// <summary>Whether a single-quoted string is still open (shell rules: no escapes inside single quotes).</summary>
    private static bool OpenSingleQuote(string text)
    {
        var open = false;
        var inDouble = false;
        for (var c = 0; c < text.Length; c++)
        {
            var ch = text[c];
            if (!open && ch == '\\') { c++; continue; }
            if (!open && ch == '"') inDouble = !inDouble;
            else if (!inDouble && ch == '\'') open = !open;
            else if (!open && !inDouble && ch == '#' && (c == 0 || char.IsWhiteSpace(text[c - 1])))
            {
                // A comment runs to the end of its line; its quotes do not count.
                var end = text.IndexOf('\n', c);
                if (end < 0) break;
                c = end;
            }
        }
        return open;
    }

    [GeneratedRegex(@"^\s*```(.*)$")]
    private static partial Regex Fence();

    [GeneratedRegex(@"^\s*<!--\s*readme-test:\s*([\w-]+)\s*(.*?)\s*-->\s*$")]
    private static partial Regex Marker();

    [GeneratedRegex("\"([^\"]+)\"")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"^#\s*([1-5]\d\d)\b")]
    private static partial Regex Status();
}
