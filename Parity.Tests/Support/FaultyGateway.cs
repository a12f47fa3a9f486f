using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Parity.Storage;

namespace Parity.Tests.Support;

/// <summary>
/// A trustless gateway (raw blocks at <c>/ipfs/{cid}?format=raw</c>) over real blocks that can be told to lie, stall or
/// fail: a real Kestrel server on a loopback port, for the fetcher's attack tests.
/// </summary>
public sealed class FaultyGateway : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IBlockSource _blocks;
    private int _hits;
    private int _aborted;
    private int _served;

    private FaultyGateway(WebApplication app, IBlockSource blocks)
    {
        _app = app;
        _blocks = blocks;
    }

    public Uri Url { get; private set; } = null!;
    public GatewayFault Fault { get; set; }
    /// <summary>Answer honestly this many requests before the fault starts.</summary>
    public int HonestFirst { get; set; }
    /// <summary>Fail only this many requests with the fault, then answer honestly again (0: fault forever).</summary>
    public int FaultCount { get; set; }
    public int Hits => _hits;
    /// <summary>What this gateway does to CARs (<c>?format=car</c>): None, FlipBit, Truncate, Stall or ServerError.</summary>
    public GatewayFault CarFault { get; set; }
    public int CarHits => _carHits;
    private int _carHits;
    /// <summary>Requests the client gave up on while this gateway was stalling.</summary>
    public int Aborted => _aborted;

    public static async Task<FaultyGateway> StartAsync(IBlockSource blocks, GatewayFault fault = GatewayFault.None)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var gateway = new FaultyGateway(app, blocks) { Fault = fault };
        app.MapGet("/ipfs/{cid}", (HttpContext context, string cid) => gateway.Serve(context, cid));
        await app.StartAsync();
        gateway.Url = new Uri(app.Urls.First() + "/");
        return gateway;
    }

    private async Task Serve(HttpContext context, string text)
    {
        if (context.Request.Query["format"] == "car")
        {
            await ServeCar(context, Cid.Parse(text));
            return;
        }
        var hit = Interlocked.Increment(ref _hits);
        var cid = Cid.Parse(text);
        byte[] block;
        try
        {
            block = await _blocks.GetAsync(cid, context.RequestAborted);
        }
        catch (BlockNotFoundException)
        {
            context.Response.StatusCode = 404;
            return;
        }
        var faulty = Fault != GatewayFault.None && hit > HonestFirst && (FaultCount == 0 || hit - HonestFirst <= FaultCount);
        var response = context.Response;
        response.ContentType = "application/vnd.ipld.raw";
        switch (faulty ? Fault : GatewayFault.None)
        {
            case GatewayFault.FlipBit:
                block = (byte[])block.Clone();
                block[block.Length / 2] ^= 0x10;
                break;
            case GatewayFault.OtherBlock:
                block = System.Text.Encoding.UTF8.GetBytes($"another block than {cid}");
                break;
            case GatewayFault.Truncate:
                response.ContentLength = block.Length;
                await response.Body.WriteAsync(block.AsMemory(0, block.Length / 2));
                await response.Body.FlushAsync();
                context.Abort();
                return;
            case GatewayFault.Oversized:
            case GatewayFault.OversizedAnnounced:
                if (Fault == GatewayFault.OversizedAnnounced) response.ContentLength = 3 << 20;
                var chunk = new byte[64 * 1024];
                try
                {
                    for (var sent = 0; sent < 3 << 20; sent += chunk.Length) await response.Body.WriteAsync(chunk, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }
                return;
            case GatewayFault.Stall:
                await StallAsync(context);
                return;
            case GatewayFault.ServerError:
                response.StatusCode = 500;
                return;
            case GatewayFault.TooManyRequests:
                response.StatusCode = 429;
                return;
            case GatewayFault.NotFound:
                response.StatusCode = 404;
                return;
        }
        Interlocked.Increment(ref _served);
        response.ContentLength = block.Length;
        await response.Body.WriteAsync(block);
    }

    private async Task ServeCar(HttpContext context, Cid root)
    {
        Interlocked.Increment(ref _carHits);
        switch (CarFault)
        {
            case GatewayFault.ServerError:
                context.Response.StatusCode = 500;
                return;
            case GatewayFault.Stall:
                await StallAsync(context);
                return;
        }
        var car = new MemoryStream();
        await CarWriter.WriteAsync(root, _blocks, car, context.RequestAborted);
        var bytes = car.ToArray();
        context.Response.ContentType = "application/vnd.ipld.car";
        switch (CarFault)
        {
            case GatewayFault.FlipBit:
                bytes[bytes.Length / 2] ^= 0x01;
                break;
            case GatewayFault.Truncate:
                await context.Response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
                await context.Response.Body.FlushAsync();
                context.Abort();
                return;
        }
        await context.Response.Body.WriteAsync(bytes);
    }

    /// <summary>Headers, then nothing until the client gives up (counted in <see cref="Aborted"/>).</summary>
    private async Task StallAsync(HttpContext context)
    {
        await context.Response.Body.FlushAsync();
        try
        {
            await Task.Delay(TimeSpan.FromMinutes(5), context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Increment(ref _aborted);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
