using System.Net;
using System.Net.Http.Headers;

namespace Parity.Storage;

/// <summary>An HTTP body that is the CAR of a DAG, written block by block as the request is sent (never buffered whole).</summary>
public sealed class CarContent : HttpContent
{
    private readonly Cid _root;
    private readonly IBlockSource _blocks;

    public CarContent(Cid root, IBlockSource blocks)
    {
        _root = root;
        _blocks = blocks;
        Headers.ContentType = new MediaTypeHeaderValue("application/vnd.ipld.car");
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        CarWriter.WriteAsync(_root, _blocks, stream, cancellationToken);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
