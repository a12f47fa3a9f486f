using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Parity.Tests.Support;

namespace Parity.Tests.Learning;

/// <summary>
/// datasets/README.md pins every dataset by SHA-256: the tests' expected accuracies and shapes hold for those bytes
/// only, so a changed, added or converted file (line ends included) must come with a changed README line.
/// </summary>
public sealed partial class DatasetChecksumTests
{
    // Files in datasets/ that are about the data, not data.
    private static readonly string[] NotData = ["README.md", ".gitattributes"];

    [GeneratedRegex(@"^\|\s*`(?<file>[^`/\\]+)`\s*\|\s*(?<sha>[0-9a-f]{64})\s*\|\s*$", RegexOptions.Multiline)]
    private static partial Regex ChecksumRow();

    private static Dictionary<string, string> Listed()
    {
        var readme = File.ReadAllText(Path.Combine(TestDatasets.Folder, "README.md"));
        var rows = ChecksumRow().Matches(readme).Select(m => (File: m.Groups["file"].Value, Sha: m.Groups["sha"].Value)).ToList();
        var duplicates = rows.GroupBy(r => r.File).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, $"datasets/README.md lists {string.Join(", ", duplicates)} more than once");
        return rows.ToDictionary(r => r.File, r => r.Sha);
    }

    [Fact]
    public void Every_dataset_file_matches_the_sha256_in_the_readme()
    {
        var listed = Listed();
        Assert.NotEmpty(listed);
        foreach (var (file, expected) in listed)
        {
            var path = Path.Combine(TestDatasets.Folder, file);
            Assert.True(File.Exists(path), $"datasets/README.md lists {file}, which is not in {TestDatasets.Folder}");
            using var stream = File.OpenRead(path);
            var actual = Convert.ToHexStringLower(SHA256.HashData(stream));
            Assert.True(expected == actual, $"datasets/{file} has SHA-256 {actual}, datasets/README.md says {expected}");
        }
    }

    [Fact]
    public void The_readme_lists_every_file_in_the_datasets_folder()
    {
        var onDisk = Directory.EnumerateFiles(TestDatasets.Folder).Select(Path.GetFileName).OfType<string>()
            .Where(name => !NotData.Contains(name)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(onDisk, Listed().Keys.Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public void The_datasets_the_tests_read_are_in_the_repository()
    {
        var root = Path.GetFullPath(TestEngines.RepoRoot) + Path.DirectorySeparatorChar;
        foreach (var file in (string[])["iris.csv", "iris.json", "digits.csv", "diabetes.csv"])
            Assert.StartsWith(root, Path.GetFullPath(TestDatasets.PathOf(file)), StringComparison.Ordinal);
    }
}
