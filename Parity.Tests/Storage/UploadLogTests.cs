using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Parity.Configuration;
using Parity.Gateway.Storage;

namespace Parity.Tests.Storage;

/// <summary>
/// The upload log behind /api/v1/storage/files: a page is read backwards from a position, so every entry is listed
/// once across pages of the largest size, and a line cut off by a crash mid-append is neither listed nor glued to the
/// next entry.
/// </summary>
public sealed class UploadLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("parity-upload-log-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private UploadLog Log() => new(new StorageOptions { Directory = _dir }, TimeProvider.System, NullLogger<UploadLog>.Instance);

    private static StoredContent Stored(int i) => new($"bafk-{i}", i, 1, "legacy", ["cluster"]);

    [Fact]
    public async Task Pages_of_the_largest_size_list_every_entry_once_newest_first()
    {
        var log = Log();
        // Names of every length up to the longest, escaped as JSON at their widest, so lines differ in size.
        for (var i = 0; i < 450; i++) await log.RecordAsync(Stored(i), new string('\u00e9', i % (UploadLog.MaxNameLength + 1)));

        var seen = new List<string>();
        long? cursor = null;
        var pages = 0;
        do
        {
            var page = await log.PageAsync(cursor, UploadLog.MaxPageSize, CancellationToken.None);
            seen.AddRange(page.Files.Select(f => f.Cid));
            cursor = page.Next is null ? null : UploadLog.ParseCursor(page.Next, out _);
            pages++;
        } while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 450).Reverse().Select(i => $"bafk-{i}"), seen);
        // A fresh reader of the same file (a restarted gateway) sees the same.
        Assert.Equal("bafk-449", (await Log().PageAsync(null, 1, CancellationToken.None)).Files.Single().Cid);
    }

    [Fact]
    public async Task A_line_cut_off_by_a_crash_is_not_listed_and_the_next_entry_starts_clean()
    {
        var log = Log();
        await log.RecordAsync(Stored(1), "one");
        await log.RecordAsync(Stored(2), null);
        // The gateway died in the middle of the third append.
        await File.AppendAllTextAsync(Path.Combine(_dir, UploadLog.FileName), """{"cid":"bafk-3","na""", Encoding.UTF8);

        var restarted = Log();
        Assert.Equal(["bafk-2", "bafk-1"], (await restarted.PageAsync(null, 10, CancellationToken.None)).Files.Select(f => f.Cid));
        await restarted.RecordAsync(Stored(4), "four");
        var page = await restarted.PageAsync(null, 10, CancellationToken.None);
        Assert.Equal(["bafk-4", "bafk-2", "bafk-1"], page.Files.Select(f => f.Cid));
        Assert.Equal(["four", null, "one"], page.Files.Select(f => f.Name));
        Assert.Null(page.Next);
        Assert.EndsWith("}\n", await File.ReadAllTextAsync(Path.Combine(_dir, UploadLog.FileName)));
    }

    [Fact]
    public async Task Concurrent_uploads_each_get_a_whole_line()
    {
        var log = Log();
        await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(() => log.RecordAsync(Stored(i), $"n{i}"))));
        var page = await Log().PageAsync(null, 100, CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, 64).Select(i => $"bafk-{i}").Order(), page.Files.Select(f => f.Cid).Order());
        Assert.All(page.Files, f => Assert.Equal($"n{f.Cid[5..]}", f.Name));
    }
}
