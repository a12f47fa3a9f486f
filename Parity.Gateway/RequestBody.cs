using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;

namespace Parity.Gateway;

/// <summary>Reads a request body as raw bytes under a limit, and parses it as JSON with messages a caller can act on.</summary>
public static class RequestBody
{
    public sealed class TooLargeException(int limit) : Exception($"request body exceeds the limit of {limit} bytes (GATEWAY_MAX_BODY_BYTES)");

    public static async Task<byte[]> ReadAsync(HttpRequest request, int limit, CancellationToken cancellation)
    {
        if (request.ContentLength > limit) throw new TooLargeException(limit);
        var stream = request.Body;
        var received = 0;
        try
        {
            // A body that announces its length (every webhook) is read straight into an array of that size: no growing
            // buffer and no copy, on the path that takes every push. Kestrel ends the body at Content-Length and
            // refuses one that ends short (BadHttpRequestException, below).
            if (request.ContentLength is { } announced)
            {
                var exact = new byte[announced];
                while (received < exact.Length)
                {
                    var read = await stream.ReadAsync(exact.AsMemory(received), cancellation);
                    if (read == 0) return exact[..received];
                    received += read;
                }
                return exact;
            }
            var buffer = new ArrayBufferWriter<byte>(4096);
            while (true)
            {
                var memory = buffer.GetMemory(8192);
                var read = await stream.ReadAsync(memory, cancellation);
                if (read == 0) return buffer.WrittenSpan.ToArray();
                buffer.Advance(read);
                received = buffer.WrittenCount;
                if (received > limit) throw new TooLargeException(limit);
            }
        }
        // Kestrel's own verdict on the body: it ended before its Content-Length (400), it arrived slower than
        // MinRequestBodyDataRate (408), it outgrew MaxRequestBodySize (413). Checked first: it is an IOException too.
        catch (BadHttpRequestException e)
        {
            var detail = e.StatusCode switch
            {
                StatusCodes.Status400BadRequest when request.ContentLength is { } length =>
                    $"the request body ended after {received} of the {length} bytes its Content-Length announced",
                StatusCodes.Status408RequestTimeout =>
                    $"the request body arrived too slowly (under {MinimumRate(request)} bytes/s) and was abandoned after {received} bytes",
                _ => e.Message,
            };
            throw new UnreadableBodyException(e.StatusCode, detail, e);
        }
        // The client reset the connection or went away mid-body: nobody may read the answer, but it is still the
        // client's doing, not the gateway's.
        catch (Exception e) when (e is IOException or OperationCanceledException && request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            throw new UnreadableBodyException(StatusCodes.Status400BadRequest,
                $"the client closed the connection after {received} bytes of the request body", e);
        }
    }

    /// <summary>Reads the body under <paramref name="limit"/>; otherwise the problem to answer (413, or 400/408 for a body cut off or too slow).</summary>
    public static async Task<(byte[]? Body, IResult? Problem)> ReadBytesAsync(HttpRequest request, int limit, CancellationToken cancellation)
    {
        try
        {
            return (await ReadAsync(request, limit, cancellation), null);
        }
        catch (TooLargeException e)
        {
            return (null, Problems.TooLarge(e.Message));
        }
        catch (UnreadableBodyException e)
        {
            // The client's fault and routine on the open internet: one line for whoever debugs a client, no stack trace.
            request.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RequestBody).FullName!)
                .LogDebug("{Method} {Path}: {Status} {Reason}", request.Method, request.Path, e.StatusCode, e.Message);
            return (null, e.StatusCode == StatusCodes.Status408RequestTimeout
                ? Problems.RequestTimeout(e.Message)
                : Problems.Status(e.StatusCode, e.Message));
        }
    }

    private static double MinimumRate(HttpRequest request) =>
        request.HttpContext.Features.Get<IHttpMinRequestBodyDataRateFeature>()?.MinDataRate?.BytesPerSecond ?? 0;

    /// <summary>
    /// Reads the body under <paramref name="limit"/> and parses it as a JSON object; otherwise the problem to answer
    /// (413 over the limit, 400 naming what is wrong, 400/408 for a body cut off or sent too slowly). The caller disposes the document.
    /// </summary>
    public static async Task<(JsonDocument? Object, IResult? Problem)> ReadObjectAsync(HttpRequest request, int limit,
        CancellationToken cancellation)
    {
        var (body, unread) = await ReadBytesAsync(request, limit, cancellation);
        if (body is null) return (null, unread);
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
