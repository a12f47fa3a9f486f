using Parity.Tests.Support;
using Xunit.Abstractions;

namespace Parity.Tests.Docs;

/// <summary>
/// Every shell example of the README, run in order against a real one-process cluster the README's own command starts
/// (see <see cref="ReadmeWorkspace"/> for what stands in for the reader). Each command must exit 0, and each curl call
/// must get the status the comment under it promises (2xx when none does). A README that drifts from the product
/// fails here; a new block must be runnable or say why it is not (<c>&lt;!-- readme-test: skip REASON --&gt;</c>).
/// </summary>
public sealed class ReadmeExamplesTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Every_readme_example_runs_verbatim()
    {
        var examples = ReadmeParser.Parse(await File.ReadAllTextAsync(Path.Combine(TestEngines.RepoRoot, "README.md")));
        Assert.Contains(examples, e => e.Kind == ReadmeExampleKind.Background);
        await using var workspace = new ReadmeWorkspace();
        string? id = null, cid = null;
        var ran = 0;
        foreach (var example in examples)
        {
            switch (example.Kind)
            {
                case ReadmeExampleKind.Skip:
                    output.WriteLine($"line {example.Line}: skipped ({example.Argument})");
                    continue;
                case ReadmeExampleKind.File:
                    await File.WriteAllTextAsync(Path.Combine(workspace.Directory, example.FileName!), example.Content);
                    continue;
                case ReadmeExampleKind.WaitFor:
                    var parts = example.Argument!.Split(' ', 2);
                    await ReadmeWorkspace.WaitForText(ReadmePlaceholders.Fill(parts[0], workspace.Ports, id, cid), parts[1],
                        TimeSpan.FromMinutes(1));
                    continue;
                case ReadmeExampleKind.Background:
                    foreach (var command in example.Commands)
                        workspace.StartBackground(ReadmePlaceholders.Fill(command.Text, workspace.Ports, id, cid));
                    await workspace.WaitUntilUp(ReadmePlaceholders.Fill(example.Argument!, workspace.Ports, id, cid),
                        TimeSpan.FromMinutes(3));
                    continue;
            }
            foreach (var command in example.Commands)
            {
                var text = ReadmePlaceholders.Fill(command.Text, workspace.Ports, id, cid);
                output.WriteLine($"line {command.Line}: {text}");
                var (code, stdout, stderr) = await workspace.RunAsync(text, CommandTimeout);
                var where = $"README line {command.Line}: {command.Text}\nexit {code}\nstdout:\n{stdout}\nstderr:\n{stderr}";
                Assert.True(code == 0, where + "\ncluster:\n" + workspace.BackgroundOutput);
                var statuses = ReadmeWorkspace.HttpStatuses(stderr);
                foreach (var status in statuses)
                {
                    if (command.ExpectedStatus is { } expected) Assert.True(status == expected, $"expected HTTP {expected}, got {status}\n{where}");
                    else Assert.True(status is >= 200 and < 300, $"expected a 2xx, got {status}\n{where}");
                }
                if (command.ExpectedText is { } promised) Assert.True(stdout.Contains(promised), $"expected the answer to say \"{promised}\"\n{where}");
                id = ReadmePlaceholders.IdIn(stdout) ?? id;
                cid = ReadmePlaceholders.CidIn(stdout) ?? cid;
                ran++;
            }
        }
        output.WriteLine($"{ran} commands ran");
    }
}
