using System.Text;

namespace Parity.Learning.Data;

/// <summary>
/// Loads a <see cref="Dataset"/> from CSV (label in the last column, header detected) or JSON
/// (<c>{"features": [[...]], "labels": [...]}</c>). Every problem is a <see cref="DatasetException"/> naming the place.
/// Values are parsed straight into float buffers: rows are never kept as strings.
/// </summary>
public static class DatasetReader
{
    /// <summary>Longest CSV line accepted, in bytes: 400,000 ten-character cells, far wider than any tabular dataset a
    /// runner trains on, and under the CSV parser's own 16 Mi-character row limit (past which it fails naming no line).</summary>
    public const int MaxCsvLineBytes = 4 << 20;

    /// <summary>Longest JSON token accepted, in bytes: a number's text, or a string's or property name's as written
    /// between its quotes. The CSV line's bound, so
    /// that a 40 MB number or label is refused after about that much is read instead of growing the read buffer to
    /// the size of the token (a float needs a few dozen characters; a class name, a few hundred).</summary>
    public const int MaxJsonTokenBytes = MaxCsvLineBytes;

    /// <summary>Deepest JSON nesting accepted. A dataset needs three levels (the object, <c>features</c>, a row); the
    /// rest leaves room for metadata properties, which are skipped, while a deeper document is refused by name rather
    /// than by the JSON reader's own depth error, which names no place.</summary>
    public const int MaxJsonDepth = 16;

    public static Dataset ReadFile(string path, DatasetFormat format = DatasetFormat.Auto)
    {
        using var stream = new FileStream(
            path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 64 * 1024, FileOptions.SequentialScan);
        return Read(stream, format);
    }

    public static Dataset Read(byte[] data, DatasetFormat format = DatasetFormat.Auto) =>
        Read(new MemoryStream(data, writable: false), format);

    public static Dataset ReadText(string text, DatasetFormat format = DatasetFormat.Auto) =>
        Read(Encoding.UTF8.GetBytes(text), format);

    public static Dataset Read(Stream stream, DatasetFormat format = DatasetFormat.Auto)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (format == DatasetFormat.Auto) (format, stream) = Detect(stream);
        return format switch
        {
            DatasetFormat.Csv => CsvDatasetParser.Parse(stream),
            DatasetFormat.Json => JsonDatasetParser.Parse(stream),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
        };
    }

    /// <summary>The upstream task config's <c>data_format</c>: "csv", "json", or empty/null to decide by content.</summary>
    public static DatasetFormat ParseFormat(string? dataFormat) => dataFormat?.Trim().ToLowerInvariant() switch
    {
        null or "" => DatasetFormat.Auto,
        "csv" => DatasetFormat.Csv,
        "json" => DatasetFormat.Json,
        _ => throw new DatasetException($"unsupported data_format: {dataFormat} (expected csv or json)"),
    };

    /// <summary>
    /// Reads up to the first byte that is not whitespace (or a UTF-8 byte-order mark): <c>{</c> means JSON.
    /// Returns a stream that replays the bytes read.
    /// </summary>
    private static (DatasetFormat, Stream) Detect(Stream stream)
    {
        var buffer = new byte[4096];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            var read = stream.Read(buffer, length, buffer.Length - length);
            if (read == 0) return (DatasetFormat.Csv, new PrefixedStream(buffer, length, stream));

            for (var i = length; i < length + read; i++)
            {
                var b = buffer[i];
                if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') continue;
                if (i < 3 && b is 0xEF or 0xBB or 0xBF) continue;
                var format = b == (byte)'{' ? DatasetFormat.Json : DatasetFormat.Csv;
                return (format, new PrefixedStream(buffer, length + read, stream));
            }
            length += read;
        }
    }
}
