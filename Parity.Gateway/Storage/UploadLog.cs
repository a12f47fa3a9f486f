using System.Globalization;
using System.Text;
using System.Text.Json;
using Parity.Configuration;
using Parity.Json;

namespace Parity.Gateway.Storage;

/// <summary>
/// What was added to the cluster's storage, for GET /api/v1/storage/files: one JSON line per upload or pin, appended to
/// STORAGE_DIR/uploads.jsonl next to the blocks it describes (so it lives and dies with them, and needs no grain and no
/// IPFS node: the one-command cluster has neither a node nor a pin list). It only grows at its end, and a page is read
/// backwards from a byte position: asking for a page costs at most <see cref="MaxPageSize"/> lines' worth of reading
/// however long the file has become, and a cursor stays valid while newer entries are appended.
/// </summary>
public sealed class UploadLog
{
    public const string FileName = "uploads.jsonl";
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;
    /// <summary>The longest file name kept, in characters (a common file system's limit).</summary>
    public const int MaxNameLength = 255;

    /// <summary>
    /// No line is longer (a name of <see cref="MaxNameLength"/> characters, each escaped as \uXXXX at worst, is 1,530
    /// bytes): so the last N lines before a position lie within N times this many bytes of it.
    /// </summary>
    private const int MaxLineBytes = 4096;

    private readonly string _path;
    private readonly TimeProvider _clock;
    private readonly ILogger<UploadLog> _logger;
    private readonly SemaphoreSlim _writer = new(1, 1);
    /// <summary>Bytes of whole lines in the file (-1 until first looked at): readers never see a line being written.</summary>
    private long _committed = -1;

    public UploadLog(StorageOptions options, TimeProvider clock, ILogger<UploadLog> logger)
    {
        _path = Path.Combine(options.Directory, FileName);
        _clock = clock;
        _logger = logger;
    }

    /// <summary>A name a client gave the file, checked: null when it gave none; an error naming the limit otherwise.</summary>
    public static string? CheckName(string? name, out string? error)
    {
        error = null;
        if (string.IsNullOrEmpty(name)) return null;
        if (name.Length > MaxNameLength)
            error = $"file name: at most {MaxNameLength} characters, got {name.Length}";
        else if (name.Any(char.IsControl))
            error = "file name: must not contain control characters";
        return error is null ? name : null;
    }

    /// <summary>Appends what was just stored; a failure to record is logged, not thrown: the content is stored either way.</summary>
    public async Task RecordAsync(StoredContent stored, string? name)
    {
        var entry = new StoredFile(stored.Cid, name, stored.Size, stored.Blocks, stored.Profile, stored.PinnedAt, _clock.GetUtcNow());
        var line = JsonSerializer.SerializeToUtf8Bytes(entry, ParityJson.Options);
        if (line.Length + 1 > MaxLineBytes)
        {
            _logger.LogWarning("{Cid} is stored but not listed: its entry is {Bytes} bytes, over {Max}", stored.Cid, line.Length, MaxLineBytes);
            return;
        }
        await _writer.WaitAsync(CancellationToken.None);
        try
        {
            var committed = await CommittedAsync();
            await using var file = new FileStream(_path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read);
            // A line cut off by a crash mid-append is dropped, so the next one starts on a line of its own.
            if (file.Length != committed) file.SetLength(committed);
            file.Position = committed;
            await file.WriteAsync(line, CancellationToken.None);
            file.WriteByte((byte)'\n');
            await file.FlushAsync(CancellationToken.None);
            file.Flush(flushToDisk: true);
            Volatile.Write(ref _committed, committed + line.Length + 1);
        }
        catch (IOException e)
        {
            _logger.LogWarning("{Cid} is stored but not listed: {File} could not be appended to: {Reason}", stored.Cid, _path, e.Message);
        }
        finally
        {
            _writer.Release();
        }
    }

    /// <summary>Parses a cursor that <see cref="PageAsync"/> gave; null and an error when it is not one.</summary>
    public static long? ParseCursor(string? cursor, out string? error)
    {
        error = null;
        if (cursor is null) return null;
        if (long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var position)) return position;
        error = $"cursor must be the 'next' of an earlier page, got '{cursor}'";
        return null;
    }

    /// <summary>Up to <paramref name="limit"/> entries, newest first, older than <paramref name="before"/> (a cursor) if given.</summary>
    /// <exception cref="ArgumentException">The cursor is not a position this log gave.</exception>
    public async Task<StoredFilePage> PageAsync(long? before, int limit, CancellationToken cancellation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxPageSize);
        var committed = await CommittedAsync();
        var end = before ?? committed;
        if (end > committed) throw new ArgumentException($"cursor must be the 'next' of an earlier page, got '{end}'");
        if (end == 0) return new StoredFilePage([], limit, null);

        var start = Math.Max(0, end - ((long)limit * MaxLineBytes + 1));
        var window = new byte[end - start];
        await using (var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            file.Position = start;
            await file.ReadExactlyAsync(window, cancellation);
        }
        if (window[^1] != (byte)'\n') throw new ArgumentException($"cursor must be the 'next' of an earlier page, got '{end}'");
        // The window may begin inside a line: whole lines start after its first newline, and there are enough of them.
        var first = start == 0 ? 0 : Array.IndexOf(window, (byte)'\n') + 1;
        var files = new List<StoredFile>(limit);
        var lineEnd = window.Length - 1;
        var oldest = window.Length;
        while (files.Count < limit && lineEnd > first)
        {
            var newline = Array.LastIndexOf(window, (byte)'\n', lineEnd - 1, lineEnd - first);
            var lineStart = newline < 0 ? first : newline + 1;
            if (Parse(window.AsSpan(lineStart, lineEnd - lineStart)) is { } entry) files.Add(entry);
            oldest = lineStart;
            lineEnd = lineStart - 1;
        }
        var next = start + oldest;
        return new StoredFilePage(files, limit, next > 0 ? next.ToString(CultureInfo.InvariantCulture) : null);
    }

    private StoredFile? Parse(ReadOnlySpan<byte> line)
    {
        try
        {
            return JsonSerializer.Deserialize<StoredFile>(line, ParityJson.Options);
        }
        catch (JsonException e)
        {
            // Only a damaged file holds one: skipped, so one bad line does not hide the rest.
            _logger.LogWarning("{File}: an unreadable entry is skipped: {Reason}", _path, e.Message);
            return null;
        }
    }

    /// <summary>The length of the file's whole lines: what is after its last newline was cut off by a crash mid-append.</summary>
    private async Task<long> CommittedAsync()
    {
        var known = Volatile.Read(ref _committed);
        if (known >= 0) return known;
        if (!File.Exists(_path))
        {
            Interlocked.CompareExchange(ref _committed, 0, -1);
            return Volatile.Read(ref _committed);
        }
        await using var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var length = file.Length;
        var buffer = new byte[(int)Math.Min(length, MaxLineBytes)];
        file.Position = length - buffer.Length;
        await file.ReadExactlyAsync(buffer);
        var last = Array.LastIndexOf(buffer, (byte)'\n');
        var whole = last < 0 ? length - buffer.Length : length - buffer.Length + last + 1;
        Interlocked.CompareExchange(ref _committed, whole, -1);
        return Volatile.Read(ref _committed);
    }
}
