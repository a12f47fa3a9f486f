using System.Text.RegularExpressions;
using Parity.Tests.Support;

namespace Parity.Tests.Docs;

/// <summary>
/// The README, the pages under docs/ and the strings users read in help output refer only to what a clone of the
/// repository has: no link to a missing file or heading, no path into a <c>shared</c> folder beside the checkout.
/// </summary>
public class DocLinkTests
{
    [Fact]
    public void Readme_and_docs_refer_only_to_what_the_repository_has()
    {
        var root = TestEngines.RepoRoot;
        // The pages the README sends readers to must be there, or the checks below would pass over nothing.
        Assert.True(File.Exists(Path.Combine(root, "docs", "ARCHITECTURE.md")), "docs/ARCHITECTURE.md is missing");
        Assert.True(File.Exists(Path.Combine(root, "docs", "PROTOCOL.md")), "docs/PROTOCOL.md is missing");
        var files = Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Prepend(Path.Combine(root, "README.md"));

        var problems = files.SelectMany(f => DocLinkChecker.CheckMarkdown(root, f)).ToList();

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Help_and_error_strings_refer_only_to_what_the_repository_has()
    {
        var root = TestEngines.RepoRoot;
        // The tests are left out: they spell broken references on purpose (below).
        var files = Directory.GetDirectories(root, "Parity.*")
            .Where(d => Path.GetFileName(d) != "Parity.Tests")
            .SelectMany(d => Directory.GetFiles(d, "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .ToList();
        Assert.Contains(files, f => f.EndsWith("TrainCommand.cs", StringComparison.Ordinal));

        var problems = files.SelectMany(f => DocLinkChecker.CheckCode(root, f)).ToList();

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Train_help_points_at_the_config_section_of_the_protocol_page()
    {
        var root = TestEngines.RepoRoot;
        var source = File.ReadAllText(Path.Combine(root, "Parity.Silo", "TrainCommand.cs"));
        Assert.Contains("docs/PROTOCOL.md#federated-learning-task-config", source);
        var anchors = DocLinkChecker.Anchors(File.ReadAllText(Path.Combine(root, "docs", "PROTOCOL.md")));
        Assert.Contains("federated-learning-task-config", anchors);
    }

    [Fact]
    public void The_checker_finds_every_kind_of_broken_reference_in_markdown()
    {
        using var repo = new TempRepo();
        repo.Write("docs/A.md", "# A\n\n## Federated learning task config\n");
        repo.Write("README.md", string.Join('\n',
            "# Title",                                                                  // 1
            "[ok](docs/A.md#federated-learning-task-config) and [self](#title)",        // 2
            "[missing](docs/B.md)",                                                     // 3: no such file
            "[bad anchor](docs/A.md#nope)",                                             // 4: no such heading
            "[escape](../outside.md)",                                                  // 5: out of the repository
            "See `../shared/docs/ARCHITECTURE.md`.",                                    // 6: the shared folder
            "Read `docs/C.md` first.",                                                  // 7: a mention of a missing page
            "as UPSTREAM.md §7.2 says",                                                 // 8: a file the repository lacks
            "[web](https://example.com/UPSTREAM.md)",                                   // 9: not ours to check
            "```",                                                                      // 10
            "[not](nowhere.txt)",                                                       // 11: code, not a link
            "```",                                                                      // 12
            "`{\"a\": [1](2)}`",                                                        // 13: inline code, not a link
            "[dir](docs)"));                                                            // 14: a folder that exists

        var problems = DocLinkChecker.CheckMarkdown(repo.Root, Path.Combine(repo.Root, "README.md"));

        Assert.Equal(new[] { 3, 4, 5, 6, 7, 8 }, LinesOf(problems, "README.md"));
        Assert.Contains(problems, p => p.Contains("docs/B.md does not exist"));
        Assert.Contains(problems, p => p.Contains("has no heading with the anchor #nope"));
        Assert.Contains(problems, p => p.Contains("../outside.md leads out of the repository"));
        Assert.Contains(problems, p => p.Contains("mentions ../shared"));
        Assert.Contains(problems, p => p.Contains("docs/C.md does not exist"));
        Assert.Contains(problems, p => p.Contains("mentions UPSTREAM.md, which is not in the repository"));
    }

    [Fact]
    public void The_checker_reads_strings_in_code_and_leaves_comments_alone()
    {
        using var repo = new TempRepo();
        repo.Write("docs/A.md", "# A\n\n## Federated learning task config\n");
        repo.Write("Command.cs", string.Join('\n',
            "var a = new Option(\"--config\") { Description = \"config (UPSTREAM.md §7.2 shape)\" };", // 1
            "// UPSTREAM.md §7.2 describes the reference",                                         // 2: a comment
            "var b = \"docs/A.md#nope\";",                                                         // 3: no such heading
            "var c = $\"{dir}/../shared/datasets\";",                                              // 4: the shared folder
            "var d = \"docs/A.md#federated-learning-task-config\";",                               // 5
            "/// <summary>See UPSTREAM.md.</summary>"));                                           // 6: a comment

        var problems = DocLinkChecker.CheckCode(repo.Root, Path.Combine(repo.Root, "Command.cs"));

        Assert.Equal(new[] { 1, 3, 4 }, LinesOf(problems, "Command.cs"));
    }

    [Fact]
    public void Anchors_are_made_as_github_makes_them()
    {
        var anchors = DocLinkChecker.Anchors(string.Join('\n',
            "# Parity's wire protocol",
            "## The `federated_learning` task config",
            "## LLM prompts",
            "```",
            "## not a heading",
            "```",
            "### LLM prompts"));

        Assert.Equal(
            new[] { "llm-prompts", "llm-prompts-1", "paritys-wire-protocol", "the-federated_learning-task-config" },
            anchors.Order(StringComparer.Ordinal));
    }

    private static int[] LinesOf(IEnumerable<string> problems, string file) =>
        problems.Select(p => Regex.Match(p, "^" + Regex.Escape(file) + @":(\d+):"))
            .Select(m => m.Success ? int.Parse(m.Groups[1].Value) : -1)
            .Distinct()
            .Order()
            .ToArray();
}
