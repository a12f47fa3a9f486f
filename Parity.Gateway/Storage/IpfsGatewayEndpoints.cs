using Parity.Gateway.OpenApi;
using Parity.Storage;

namespace Parity.Gateway.Storage;

/// <summary>
/// GET/HEAD /ipfs/{cid}: the cluster as a trustless gateway (the IPFS trustless gateway spec's raw and CAR responses)
/// and, for a browser, the plain file. Open without the API key, like any IPFS gateway: what it serves can be checked
/// against the CID by whoever fetches it, and it serves only what was uploaded or pinned here.
/// </summary>
public static class IpfsGatewayEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapMethods("/ipfs/{cid}", [HttpMethods.Get, HttpMethods.Head], Serve).WithName("ipfsGateway").WithTags(ApiDocs.StorageTag)
            .WithSummary("Trustless gateway: ?format=raw|car or Accept: application/vnd.ipld.raw|car; otherwise the file (Range supported)")
            .WithDescription("Open without the API key, like any IPFS gateway: what it serves is checked against the CID by " +
                             "whoever fetches it. raw: the block; car: the DAG as a CAR v1 (a cut connection means incomplete); " +
                             "otherwise the file's bytes, one range per request. 400 for a bad CID or format; 404 when the " +
                             "cluster does not hold it; 416 for a range outside the file; 422 when the file is not UnixFS.")
            .Produces<Stream>(StatusCodes.Status200OK, "application/octet-stream", ContentResponses.RawType, ContentResponses.CarType)
            .Produces<Stream>(StatusCodes.Status206PartialContent, "application/octet-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status416RangeNotSatisfiable)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        app.MapMethods("/ipfs/{cid}/{**path}", [HttpMethods.Get, HttpMethods.Head], (string cid, string path) =>
                Problems.BadRequest($"paths inside a CID are not served (only files by their own CID), got /ipfs/{cid}/{path}"))
            .WithName("ipfsPathRefused").WithTags(ApiDocs.StorageTag)
            .WithSummary("Always 400: paths inside a CID are not served, only files by their own CID")
            .ProducesProblem(StatusCodes.Status400BadRequest);
    }

    private static async Task Serve(HttpContext context, string cid, string? format, ContentStore store, CancellationToken cancellation)
    {
        if (!Cid.TryParse(cid, out var parsed, out var error))
        {
            await Problems.BadRequest($"'{cid}' is not a CID: {error}").ExecuteAsync(context);
            return;
        }
        var accept = context.Request.Headers.Accept.ToString();
        var wanted = format?.ToLowerInvariant() switch
        {
            null or "" => accept.Contains(ContentResponses.RawType, StringComparison.OrdinalIgnoreCase) ? "raw"
                : accept.Contains(ContentResponses.CarType, StringComparison.OrdinalIgnoreCase) ? "car" : "file",
            "raw" => "raw",
            "car" => "car",
            _ => null,
        };
        switch (wanted)
        {
            case "raw":
                await ContentResponses.WriteRawAsync(context, parsed!, store, cancellation);
                break;
            case "car":
                await ContentResponses.WriteCarAsync(context, parsed!, store, cancellation);
                break;
            case "file":
                await ContentResponses.WriteFileAsync(context, parsed!, store, cancellation);
                break;
            default:
                await Problems.BadRequest($"format must be raw or car, got '{format}'").ExecuteAsync(context);
                break;
        }
    }
}
