using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;

/// <summary>
/// One HTTP/1.1 keep-alive connection that sends requests already serialized to bytes and reads each response whole
/// (Content-Length or chunked). The ingest benchmark's load generator: it shares the server's two cores, so it does
/// as little as a client can (no headers to build, no HttpClient pipeline) and the figure is the server's work.
/// </summary>
public sealed class RawHttpConnection : IDisposable
{
    private readonly Socket _socket;
    private byte[] _buffer = new byte[16 * 1024];
    private int _start, _end;

    private RawHttpConnection(Socket socket) => _socket = socket;

    public static async Task<RawHttpConnection> OpenAsync(IPEndPoint endpoint)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endpoint);
        return new RawHttpConnection(socket);
    }

    /// <summary>Sends <paramref name="request"/> and returns the response's status and body (UTF-8, for error messages; empty for 200).</summary>
    public async Task<(int Status, string Body)> SendAsync(byte[] request)
    {
        await _socket.SendAsync(request, SocketFlags.None);
        await FillAsync(headerEnd: true, 0);
        var headerLength = IndexOf("\r\n\r\n"u8) + 4;
        var head = _buffer.AsSpan(_start, headerLength);
        // "HTTP/1.1 200 OK"
        if (!Utf8Parser.TryParse(head[9..12], out int status, out _)) throw new InvalidDataException("malformed status line");
        var (contentLength, chunked) = BodyFraming(head);
        _start += headerLength;

        var body = status == 200 ? null : new StringBuilder();
        if (chunked)
        {
            while (true)
            {
                await FillAsync(headerEnd: false, 0);
                var line = IndexOf("\r\n"u8);
                if (!Utf8Parser.TryParse(_buffer.AsSpan(_start, line), out int size, out _, 'x'))
                    throw new InvalidDataException("malformed chunk size");
                _start += line + 2;
                await FillAsync(headerEnd: false, size + 2);
                body?.Append(Encoding.UTF8.GetString(_buffer, _start, size));
                _start += size + 2;
                if (size == 0) break;
            }
        }
        else
        {
            await FillAsync(headerEnd: false, contentLength);
            body?.Append(Encoding.UTF8.GetString(_buffer, _start, contentLength));
            _start += contentLength;
        }
        return (status, body?.ToString() ?? "");
    }

    private static (int ContentLength, bool Chunked) BodyFraming(ReadOnlySpan<byte> head)
    {
        var contentLength = 0;
        var chunked = false;
        foreach (var range in head.Split("\r\n"u8))
        {
            var line = head[range];
            var colon = line.IndexOf((byte)':');
            if (colon < 0) continue;
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim((byte)' ');
            if (Ascii.EqualsIgnoreCase(name, "content-length"u8)) Utf8Parser.TryParse(value, out contentLength, out _);
            else if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8)) chunked = Ascii.EqualsIgnoreCase(value, "chunked"u8);
        }
        return (contentLength, chunked);
    }

    private int IndexOf(ReadOnlySpan<byte> marker) => _buffer.AsSpan(_start, _end - _start).IndexOf(marker);

    /// <summary>Reads until the buffer holds a header's end (or a line's end when not <paramref name="headerEnd"/> and <paramref name="count"/> is 0), or <paramref name="count"/> bytes.</summary>
    private async ValueTask FillAsync(bool headerEnd, int count)
    {
        while (true)
        {
            var held = _end - _start;
            if (count > 0 ? held >= count : IndexOf(headerEnd ? "\r\n\r\n"u8 : "\r\n"u8) >= 0) return;
            if (_start > 0)
            {
                _buffer.AsSpan(_start, held).CopyTo(_buffer);
                (_start, _end) = (0, held);
            }
            if (_end == _buffer.Length || count > _buffer.Length) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, count));
            var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None);
            if (read == 0) throw new IOException("the server closed the connection");
            _end += read;
        }
    }

    public void Dispose() => _socket.Dispose();
}
