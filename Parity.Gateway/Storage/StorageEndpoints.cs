using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.OpenApi;
using Microsoft.Net.Http.Headers;
using Parity.Gateway.Contracts;
using Parity.Gateway.OpenApi;
using Parity.Json;
using Parity.Storage;

namespace Parity.Gateway.Storage;

/// <summary>/api/v1/storage: upload (streamed, multipart or raw), the list of uploads and pins, download (Range), info and pin, under the API key.</summary>
public static class StorageEndpoints
{
    /// <summary>Room for multipart boundaries and part headers on top of the file itself.</summary>
    private const long MultipartOverhead = 64 * 1024;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/storage/upload", Upload).WithName("uploadFile").WithTags(ApiDocs.StorageTag)
            .WithSummary("Add a file (multipart field 'file' or the raw body), ?profile=legacy|v1-2025; 201 with its CID")
            .WithDescription("The body is streamed into the cluster's blockstore: up to STORAGE_MAX_FILE_SIZE (413 above it). " +
                             "400 for an unknown profile, a multipart body without a 'file' part or a body cut off; 502 when " +
                             "IPFS_API_URL's node fails.")
            .DocumentsBody<FileUpload>("multipart/form-data")
            // The raw body (any content type but multipart) is the other way in.
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.RequestBody?.Content?.Add("application/octet-stream",
                    new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } });
                return Task.CompletedTask;
            })
            .Produces<StoredContent>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status502BadGateway);
        api.MapGet("/storage/files", Files).WithName("listFiles").WithTags(ApiDocs.StorageTag)
            .WithSummary("What was uploaded or pinned here, newest first; ?limit=&cursor=")
            .WithDescription($"One entry per upload or pin (the same file added twice is listed twice, each with its time): cid, " +
                             "the multipart file name when the upload had one, size, blocks, profile ('pinned' for a pin), pinned_at " +
                             $"and uploaded_at. limit from 1 to {UploadLog.MaxPageSize} (default {UploadLog.DefaultPageSize}); " +
                             "cursor: the 'next' of the page before (absent or null on the last page). 400 names a bad limit or cursor.")
            // Read as text to name it in a 400, it is an integer on the wire.
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                if (operation.Parameters?.FirstOrDefault(p => p.Name == "limit") is OpenApiParameter parameter)
                    parameter.Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1",
                        Maximum = UploadLog.MaxPageSize.ToString(CultureInfo.InvariantCulture),
                        Default = System.Text.Json.Nodes.JsonValue.Create(UploadLog.DefaultPageSize),
                    };
                return Task.CompletedTask;
            })
            .Produces<StoredFilePage>()
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapMethods("/storage/download/{cid}", [HttpMethods.Get, HttpMethods.Head], Download).WithName("downloadFile").WithTags(ApiDocs.StorageTag)
            .WithSummary("The file's bytes (Range supported)")
            .WithDescription("One byte range per request (206); 416 for a range outside the file; 400 for a string that is not " +
                             "a CID; 404 when the cluster does not hold it; 422 when the CID is not a UnixFS file.")
            .Produces<Stream>(StatusCodes.Status200OK, "application/octet-stream")
            .Produces<Stream>(StatusCodes.Status206PartialContent, "application/octet-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status416RangeNotSatisfiable)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapGet("/storage/info/{cid}", Info).WithName("fileInfo").WithTags(ApiDocs.StorageTag)
            .WithSummary("Size, type, blocks and where it is pinned")
            .Produces<ContentInfo>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        api.MapPost("/storage/pin/{cid}", Pin).WithName("pinFile").WithTags(ApiDocs.StorageTag)
            .WithSummary("Fetch a CID from IPFS_GATEWAYS, verified, and keep it here (and on IPFS_API_URL's node)")
            .WithDescription("404 when no gateway has it; 413 above STORAGE_MAX_FILE_SIZE; 422 when it is not a UnixFS file; " +
                             "502 when IPFS_API_URL's node fails.")
            .Produces<StoredContent>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status502BadGateway);
    }

    // limit is read as text: a bound int? answers a non-number with a bare 400 that names nothing.
    private static async Task<IResult> Files(UploadLog uploads, string? limit, string? cursor, CancellationToken cancellation)
    {
        var size = UploadLog.DefaultPageSize;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out size)
                                  || size is < 1 or > UploadLog.MaxPageSize))
            return Problems.BadRequest($"limit must be from 1 to {UploadLog.MaxPageSize}, got '{limit}'");
        var before = UploadLog.ParseCursor(cursor, out var error);
        if (error is not null) return Problems.BadRequest(error);
        try
        {
            return Results.Json(await uploads.PageAsync(before, size, cancellation), ParityJson.Options);
        }
        catch (ArgumentException e)
        {
            return Problems.BadRequest(e.Message);
        }
    }

    private static async Task<IResult> Upload(HttpContext context, ContentStore store, UploadLog uploads, string? profile, CancellationToken cancellation)
    {
        ImportProfile chosen;
        try
        {
            chosen = ImportProfile.Parse(profile ?? ImportProfile.Legacy.Name);
        }
        catch (ArgumentException e)
        {
            return Problems.BadRequest($"profile: {e.Message}");
        }
        var request = context.Request;
        var cap = store.MaxFileBytes + MultipartOverhead;
        if (request.ContentLength > cap)
            return TooLarge(store);
        // The body is streamed into the blockstore, so the request may be as large as the file cap, not GATEWAY_MAX_BODY_BYTES.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = cap;
        var body = new UploadBodyStream(request.Body);
        try
        {
            StoredContent stored;
            if (MediaTypeHeaderValue.TryParse(request.ContentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            {
                var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
                if (string.IsNullOrEmpty(boundary)) return Problems.BadRequest("Content-Type multipart/form-data has no boundary");
                var reader = new MultipartReader(boundary, body);
                while (await NextSectionAsync(reader, cancellation) is { } section)
                {
                    if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                        || !disposition.Name.Equals("file", StringComparison.Ordinal))
                        continue;
                    var given = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    var name = UploadLog.CheckName(given, out var nameError);
                    if (nameError is not null) return ClientFault(context, nameError);
                    // The multipart reader reports a missing closing boundary as an IOException of the part's stream.
                    stored = await store.AddAsync(new UploadBodyStream(section.Body), chosen, cancellation);
                    await uploads.RecordAsync(stored, name);
                    return Results.Json(stored, ParityJson.Options, statusCode: StatusCodes.Status201Created);
                }
                return Problems.BadRequest("multipart body has no part named 'file'");
            }
            stored = await store.AddAsync(body, chosen, cancellation);
            await uploads.RecordAsync(stored, name: null);
            return Results.Json(stored, ParityJson.Options, statusCode: StatusCodes.Status201Created);
        }
        catch (ContentTooLargeException)
        {
            return TooLarge(store);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(store);
        }
        catch (InvalidDataException e)
        {
            return ClientFault(context, $"malformed or cut-off upload body: {e.Message}");
        }
        // Kestrel aborts the request when the client closes or resets its side mid-body; nobody reads this answer.
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return ClientFault(context, "cut-off upload body: the client closed the connection before sending all of it");
        }
        catch (IpfsNodeException e)
        {
            return Results.Problem(statusCode: StatusCodes.Status502BadGateway, title: "IPFS node failed", detail: e.Message);
        }
    }

    /// <summary>A 400 for what the client did wrong, and one line at debug level for whoever debugs a client: no stack trace.</summary>
    private static IResult ClientFault(HttpContext context, string detail)
    {
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StorageEndpoints).FullName!)
            .LogDebug("{Method} {Path}: {Status} {Reason}", context.Request.Method, context.Request.Path, StatusCodes.Status400BadRequest, detail);
        return Problems.BadRequest(detail);
    }

    private static async Task<MultipartSection?> NextSectionAsync(MultipartReader reader, CancellationToken cancellation)
    {
        try
        {
            return await reader.ReadNextSectionAsync(cancellation);
        }
        catch (IOException e) when (e is not BadHttpRequestException)
        {
            throw new InvalidDataException($"the body could not be read to its end: {e.Message.TrimEnd(' ', '.')}", e);
        }
    }

    private static IResult TooLarge(ContentStore store) =>
        Problems.TooLarge($"the file exceeds {store.MaxFileBytes} bytes (STORAGE_MAX_FILE_SIZE)");

    private static async Task Download(HttpContext context, string cid, ContentStore store, CancellationToken cancellation)
    {
        if (!Cid.TryParse(cid, out var parsed, out var error))
        {
            await Problems.BadRequest($"'{cid}' is not a CID: {error}").ExecuteAsync(context);
            return;
        }
        await ContentResponses.WriteFileAsync(context, parsed!, store, cancellation);
    }

    private static async Task<IResult> Info(string cid, ContentStore store, CancellationToken cancellation)
    {
        if (!Cid.TryParse(cid, out var parsed, out var error)) return Problems.BadRequest($"'{cid}' is not a CID: {error}");
        try
        {
            var info = await store.InfoAsync(parsed!, cancellation);
            return info is null
                ? Problems.NotFound($"{cid} is not in this cluster's storage; POST /api/v1/storage/pin/{cid} fetches it from IPFS_GATEWAYS")
                : Results.Json(info, ParityJson.Options);
        }
        catch (DagPbFormatException e)
        {
            return Problems.Unprocessable($"{cid} is not a UnixFS file: {e.Message}");
        }
    }

    private static async Task<IResult> Pin(string cid, ContentPinner pinner, UploadLog uploads, CancellationToken cancellation)
    {
        if (!Cid.TryParse(cid, out var parsed, out var error)) return Problems.BadRequest($"'{cid}' is not a CID: {error}");
        try
        {
            var pinned = await pinner.PinAsync(parsed!, cancellation);
            await uploads.RecordAsync(pinned, name: null);
            return Results.Json(pinned, ParityJson.Options);
        }
        catch (BlockNotFoundException e)
        {
            return Problems.NotFound(e.Message);
        }
        catch (ContentTooLargeException e)
        {
            return Problems.TooLarge(e.Message);
        }
        catch (DagPbFormatException e)
        {
            return Problems.Unprocessable($"{cid} is not a UnixFS file: {e.Message}");
        }
        catch (IpfsNodeException e)
        {
            return Results.Problem(statusCode: StatusCodes.Status502BadGateway, title: "IPFS node failed", detail: e.Message);
        }
    }
}
