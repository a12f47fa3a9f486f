using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Parity.Network.Tunnel;

/// <summary>
/// The bore protocol's framing: one JSON value per message, each followed by a NUL byte, both ways. Messages are
/// serde's externally tagged enums: <c>{"Hello":0}</c>, <c>{"Connection":"&lt;uuid&gt;"}</c>, and the bare string
/// <c>"Heartbeat"</c> for a variant with no data.
/// </summary>
public sealed class BoreFrames(Stream stream)
{
    /// <summary>bore itself caps frames at 256 bytes; a longer one from a server is refused rather than buffered without end.</summary>
    public const int MaxFrameBytes = 4096;

    private readonly byte[] _buffer = new byte[MaxFrameBytes + 1];
    private int _start;
    private int _end;

    /// <summary>Sends <c>{"<paramref name="tag"/>": value}</c>, or the bare tag for a null value.</summary>
    public async Task SendAsync(string tag, JsonNode? value, CancellationToken cancellation)
    {
        var json = value is null ? JsonSerializer.Serialize(tag) : new JsonObject { [tag] = value }.ToJsonString();
        var bytes = Encoding.UTF8.GetBytes(json + "\0");
        await stream.WriteAsync(bytes, cancellation);
        await stream.FlushAsync(cancellation);
    }

    /// <summary>The next message as (tag, value); null when the peer closed the stream between messages.</summary>
    public async Task<(string Tag, JsonNode? Value)?> ReceiveAsync(CancellationToken cancellation)
    {
        while (true)
        {
            var nul = Array.IndexOf(_buffer, (byte)0, _start, _end - _start);
            if (nul >= 0)
            {
                var frame = _buffer.AsSpan(_start, nul - _start);
                _start = nul + 1;
                return Parse(frame);
            }
            if (_end - _start >= MaxFrameBytes)
                throw new BoreProtocolException($"the server sent a message longer than {MaxFrameBytes} bytes");
            if (_start > 0)
            {
                Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            var read = await stream.ReadAsync(_buffer.AsMemory(_end, _buffer.Length - _end), cancellation);
            if (read == 0)
                return _end == _start ? null : throw new BoreProtocolException("the server closed the connection in the middle of a message");
            _end += read;
        }
    }

    /// <summary>Bytes read past the last message (the start of the forwarded stream, if the peer sent it early).</summary>
    public ReadOnlyMemory<byte> Leftover => _buffer.AsMemory(_start, _end - _start);

    private static (string, JsonNode?) Parse(ReadOnlySpan<byte> frame)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(frame);
        }
        catch (JsonException)
        {
            throw new BoreProtocolException("the server sent a message that is not JSON");
        }
        return node switch
        {
            JsonValue value when value.TryGetValue<string>(out var tag) => (tag, null),
            JsonObject { Count: 1 } single => (single.First().Key, single.First().Value),
            _ => throw new BoreProtocolException("the server sent a message that is not a bore message"),
        };
    }
}

/// <summary>A peer that does not speak the bore protocol as specified.</summary>
public sealed class BoreProtocolException(string message) : Exception(message);
