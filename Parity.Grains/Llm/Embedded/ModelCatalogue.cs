using System.Collections.Concurrent;

namespace Parity.Llm.Embedded;

/// <summary>
/// The GGUF files in <see cref="EmbeddedLlmOptions.ModelsDirectory"/>, each named by its file name without
/// <c>.gguf</c>, and their headers, read once per version of a file.
/// </summary>
internal sealed class ModelCatalogue(string directory)
{
    private readonly ConcurrentDictionary<string, ModelFile> _files = new(StringComparer.Ordinal);

    /// <summary>The model files now in the directory, by name.</summary>
    public List<(string Name, string Path)> ModelFiles()
    {
        if (!Directory.Exists(directory)) return [];
        return Directory.EnumerateFiles(directory)
            .Where(path => path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
            .Select(path => (Name: Path.GetFileName(path)[..^".gguf".Length], Path: path))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The file a request names (matched by <see cref="ModelNames"/>); an <see cref="LlmException"/> when none or several.</summary>
    public (string Name, string Path) Find(string requested)
    {
        var files = ModelFiles();
        var names = files.Select(f => f.Name).ToList();
        if (ModelNames.Resolve(requested, names) is { } name) return files.First(f => f.Name == name);
        var ambiguous = ModelNames.Ambiguity(requested, names);
        if (ambiguous.Count > 0)
            throw new LlmException($"model '{requested}' is ambiguous on this runner; name one of: {string.Join(", ", ambiguous)}");
        throw new LlmException(
            $"model '{requested}' is not available on this runner (embedded models: {(names.Count == 0 ? "none" : string.Join(", ", names))})");
    }

    /// <summary>The file's header and digest, cached until its size or modification time changes; null when it is gone.</summary>
    public ModelFile? Describe(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) return null;
        var stamp = new FileStamp(info.Length, info.LastWriteTimeUtc);
        if (_files.TryGetValue(path, out var known) && known.Stamp == stamp) return known;
        GgufHeader? header = null;
        string? problem = null;
        try
        {
            header = GgufHeader.Read(path);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            problem = e.Message;
        }
        return _files[path] = new ModelFile(path, stamp, header, problem);
    }
}
