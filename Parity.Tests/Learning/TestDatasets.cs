using Parity.Tests.Support;

namespace Parity.Tests.Learning;

/// <summary>
/// The public datasets the tests use (iris, digits, diabetes), read from the repository's own <c>datasets/</c>: a
/// clone alone must pass its tests, so nothing is looked up beside or above the checkout.
/// </summary>
internal static class TestDatasets
{
    public static string Folder => Path.Combine(TestEngines.RepoRoot, "datasets");

    public static string PathOf(string fileName)
    {
        var path = Path.Combine(Folder, fileName);
        return File.Exists(path) ? path : throw new FileNotFoundException($"no dataset {fileName} in {Folder}", path);
    }
}
