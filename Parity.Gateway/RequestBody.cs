using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;

namespace Parity.Gateway;

/// <summary>Reads a request body as raw bytes under a limit, and parses it as JSON with messages a caller can act on.</summary>
public static class RequestBody
{
    public sealed class TooLargeException(int limit) : Exception($"request body exceeds the limit of {limit} bytes (GATEWAY_MAX_BODY_BYTES)");

    public static async Task<byte[]> ReadAsync(HttpRequest request, int limit, CancellationToken cancellation)
    {
        if (request.ContentLength > limit) throw new TooLargeException(limit);
        var buffer = new ArrayBufferWriter<byte>(4096);
        var stream = request.Body;
        while (true)
        {
            var memory = buffer.GetMemory(8192);
            var read = await stream.ReadAsync(memory, cancellation);
            if (read == 0) return buffer.WrittenSpan.ToArray();
            buffer.Advance(read);
            if (buffer.WrittenCount > limit) throw new TooLargeException(limit);
        }
    }

    /// <summary>
    /// Reads the body under <paramref name="limit"/> and parses it as a JSON object; otherwise the problem to answer
    /// (413 over the limit, 400 naming what is wrong). The caller disposes the document.
    /// </summary>
    public static async Task<(JsonDocument? Object, IResult? Problem)> ReadObjectAsync(HttpRequest request, int limit,
        CancellationToken cancellation)
    {
        byte[] body;
        try
        {
            body = await ReadAsync(request, limit, cancellation);
        }
        catch (TooLargeException e)
        {
            return (null, Problems.TooLarge(e.Message));
        }
        var (document, problem) = ParseJson(body);
        if (document is null) return (null, Problems.BadRequest(problem!));
        if (document.RootElement.ValueKind == JsonValueKind.Object) return (document, null);
        document.Dispose();
        return (null, Problems.BadRequest("body must be a JSON object"));
    }

    /// <summary>Parses UTF-8 JSON, or returns the reason it is not: "body is not valid UTF-8", "invalid JSON at line 1…".</summary>
    public static (JsonDocument? Document, string? Problem) ParseJson(byte[] body)
    {
        if (body.Length == 0) return (null, "request body is empty; expected a JSON object");
        if (!Utf8.IsValid(body)) return (null, "request body is not valid UTF-8");
        try
        {
            return (JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 }), null);
        }
        catch (JsonException e)
        {
            return (null, $"invalid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {FirstSentence(e.Message)}");
        }
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" LineNumber", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd(' ', '.');
    }
}
