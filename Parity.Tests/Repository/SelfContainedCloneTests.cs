using System.Diagnostics;
using System.Text.RegularExpressions;
using Parity.Tests.Support;

namespace Parity.Tests.Repository;

/// <summary>
/// A clone alone passes its tests and its README holds: no tracked file may reach for the <c>shared</c> folder that
/// sat beside the original checkout (its datasets and docs now live in the repository).
/// </summary>
public sealed partial class SelfContainedCloneTests
{
    // The separators cover a path written out (a/b, a\b) and one built from parts ("a", "b"). The patterns are spelled
    // so that their own source text does not match them.
    [GeneratedRegex(@"\.\.(?:[/\\]|[""']\s*,\s*[""'])shared\b")]
    private static partial Regex SharedBesideTheClone();

    [GeneratedRegex(@"\bshared(?:[/\\]|[""']\s*,\s*[""'])datasets\b")]
    private static partial Regex SharedDatasetsFolder();

    [Fact]
    public void No_tracked_file_refers_to_a_shared_folder_outside_the_repository()
    {
        var root = TestEngines.RepoRoot;
        var files = TrackedFiles(root);
        Assert.Contains("Parity.sln", files);

        var hits = new List<string>();
        foreach (var file in files)
        {
            // Their examples are hits by design: this test's own, and those of the documentation link checker's tests.
            if (file.EndsWith($"/{nameof(SelfContainedCloneTests)}.cs", StringComparison.Ordinal) ||
                file.EndsWith("/Docs/DocLinkTests.cs", StringComparison.Ordinal)) continue;
            var path = Path.Combine(root, file);
            if (!File.Exists(path) || IsBinary(path)) continue; // deleted in the working tree, or not text
            var lines = File.ReadAllLines(path);
            for (var i = 0; i < lines.Length; i++)
                if (SharedBesideTheClone().IsMatch(lines[i]) || SharedDatasetsFolder().IsMatch(lines[i]))
                    hits.Add($"{file}:{i + 1}: {lines[i].Trim()}");
        }
        Assert.True(hits.Count == 0, "tracked files refer to a folder outside the repository:\n" + string.Join('\n', hits));
    }

    [Theory]
    [InlineData("see ../shared/docs/ARCHITECTURE.md")]
    [InlineData(@"..\shared\datasets")]
    [InlineData("Path.Combine(dir, \"..\", \"shared\", \"datasets\")")]
    [InlineData("Path.Combine(repo, \"shared\", \"datasets\")")]
    [InlineData("make-data \"$work\" \"$root/../shared/datasets\"")]
    public void The_scan_catches_every_spelling_of_the_outside_folder(string line) =>
        Assert.True(SharedBesideTheClone().IsMatch(line) || SharedDatasetsFolder().IsMatch(line), line);

    [Theory]
    [InlineData("Weights load on first use and stay loaded, shared by concurrent prompts")]
    [InlineData("the shared datasets of a session")]
    [InlineData("Path.Combine(root, \"datasets\")")]
    public void The_scan_leaves_ordinary_uses_of_the_word_alone(string line) =>
        Assert.False(SharedBesideTheClone().IsMatch(line) || SharedDatasetsFolder().IsMatch(line), line);

    private static List<string> TrackedFiles(string root)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["ls-files", "-z"]) start.ArgumentList.Add(arg);
        using var git = Process.Start(start) ?? throw new InvalidOperationException("git did not start");
        var stderr = git.StandardError.ReadToEndAsync();
        var output = git.StandardOutput.ReadToEnd();
        git.WaitForExit();
        if (git.ExitCode != 0)
            throw new InvalidOperationException($"git ls-files in {root} exited {git.ExitCode}: {stderr.Result.Trim()} (the test reads the tracked files of a git checkout)");
        return output.Split('\0', StringSplitOptions.RemoveEmptyEntries).ToList();
    }

    private static bool IsBinary(string path)
    {
        using var stream = File.OpenRead(path);
        var head = new byte[8192];
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return head.AsSpan(0, read).Contains((byte)0);
    }
}
