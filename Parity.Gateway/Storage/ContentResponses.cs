using Microsoft.Net.Http.Headers;
using Parity.Storage;

namespace Parity.Gateway.Storage;

/// <summary>
/// Writes stored content as the trustless gateway formats (a raw block, a CAR) or as the plain file with Range. Shared
/// by /ipfs/{cid} and /api/v1/storage/download/{cid}.
/// </summary>
public static class ContentResponses
{
    public const string RawType = "application/vnd.ipld.raw";
    public const string CarType = "application/vnd.ipld.car";

    /// <summary>A block of our own store: the store re-hashes it as it reads.</summary>
    public static async Task WriteRawAsync(HttpContext context, Cid cid, ContentStore store, CancellationToken cancellation)
    {
        if (!store.Blocks.Has(cid))
        {
            await Problems.NotFound($"block {cid} is not in this cluster's storage").ExecuteAsync(context);
            return;
        }
        byte[] block;
        try
        {
            block = await store.Blocks.GetAsync(cid, cancellation);
        }
        catch (BlockNotFoundException e)
        {
            // The store found the file on disk damaged (it re-hashes every read): gone, and said so.
            await Problems.NotFound(e.Message).ExecuteAsync(context);
            return;
        }
        Immutable(context, cid, RawType, "raw");
        context.Response.ContentLength = block.Length;
        if (HttpMethods.IsHead(context.Request.Method)) return;
        await context.Response.Body.WriteAsync(block, cancellation);
    }

    public static async Task WriteCarAsync(HttpContext context, Cid cid, ContentStore store, CancellationToken cancellation)
    {
        if (!store.Blocks.Has(cid))
        {
            await Problems.NotFound($"{cid} is not in this cluster's storage").ExecuteAsync(context);
            return;
        }
        Immutable(context, cid, CarType + "; version=1", "car");
        if (HttpMethods.IsHead(context.Request.Method)) return;
        try
        {
            await CarWriter.WriteAsync(cid, store.Blocks, context.Response.Body, cancellation);
        }
        catch (BlockNotFoundException)
        {
            // The status is sent already: cutting the connection is how a gateway says the CAR is incomplete.
            context.Abort();
        }
    }

    /// <summary>The file's bytes, or the one range asked for (206), or 416 for a range past the end.</summary>
    public static async Task WriteFileAsync(HttpContext context, Cid cid, ContentStore store, CancellationToken cancellation)
    {
        if (!store.Blocks.Has(cid))
        {
            await Problems.NotFound($"{cid} is not in this cluster's storage").ExecuteAsync(context);
            return;
        }
        UnixFsStat stat;
        try
        {
            stat = await UnixFsReader.StatAsync(cid, store.Blocks, cancellation);
        }
        catch (DagPbFormatException e)
        {
            await Problems.Unprocessable($"{cid} is not a UnixFS file: {e.Message}").ExecuteAsync(context);
            return;
        }
        var size = stat.FileSize;
        var (offset, length) = (0L, size);
        var response = context.Response;
        response.Headers.AcceptRanges = "bytes";
        if (RangeHeaderValue.TryParse(context.Request.Headers.Range.ToString(), out var range)
            && range.Unit == "bytes" && range.Ranges.Count == 1)
        {
            var r = range.Ranges.First();
            (offset, length) = r switch
            {
                { From: { } from, To: { } to } => (from, Math.Min(to, size - 1) - from + 1),
                { From: { } from } => (from, size - from),
                { To: { } suffix } => (Math.Max(0, size - suffix), Math.Min(suffix, size)),
                _ => (0, size),
            };
            if (offset >= size || length <= 0)
            {
                response.Headers.ContentRange = $"bytes */{size}";
                await Results.Problem(statusCode: StatusCodes.Status416RangeNotSatisfiable, title: "Range not satisfiable",
                    detail: $"the range {range} is outside the file's {size} bytes").ExecuteAsync(context);
                return;
            }
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = $"bytes {offset}-{offset + length - 1}/{size}";
        }
        Immutable(context, cid, "application/octet-stream", null);
        response.ContentLength = length;
        if (HttpMethods.IsHead(context.Request.Method)) return;
        try
        {
            await foreach (var chunk in UnixFsReader.ReadAsync(cid, store.Blocks, offset, length, cancellation))
                await response.Body.WriteAsync(chunk, cancellation);
        }
        catch (Exception e) when (e is BlockNotFoundException or DagPbFormatException)
        {
            context.Abort();
        }
    }

    private static void Immutable(HttpContext context, Cid cid, string contentType, string? format)
    {
        var headers = context.Response.Headers;
        headers.ContentType = contentType;
        headers.ETag = format is null ? $"\"{cid}\"" : $"\"{cid}.{format}\"";
        headers.CacheControl = "public, max-age=29030400, immutable";
        headers.XContentTypeOptions = "nosniff";
        headers["X-Ipfs-Roots"] = cid.ToString();
    }
}
