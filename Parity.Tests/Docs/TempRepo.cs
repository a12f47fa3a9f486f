namespace Parity.Tests.Docs;

/// <summary>A throw-away folder standing in for a repository, removed on dispose.</summary>
internal sealed class TempRepo : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("parity-doclinks-").FullName;

    public void Write(string path, string text)
    {
        var full = Path.Combine(Root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
