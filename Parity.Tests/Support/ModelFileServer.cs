using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Parity.Tests.Support;

/// <summary>
/// A real HTTP server (Kestrel, loopback, free port) that serves model files as a model hub does, and misbehaves on
/// purpose on the other routes, as a hostile server would:
/// <list type="bullet">
/// <item><c>/files/{name}</c>: the bytes with Content-Length; <c>/chunked/{name}</c>: the same without a length.</item>
/// <item><c>/redirect/{name}</c>: 302 to <c>/files/{name}</c>; <c>/redirect-file</c>: 302 to <c>file:///etc/passwd</c>;
/// <c>/redirect-loop</c>: 302 to itself.</item>
/// <item><c>/huge</c>: announces a terabyte; <c>/endless</c>: "GGUF" then bytes forever, no length, until the client
/// hangs up (<see cref="EndlessAborted"/>).</item>
/// <item><c>/stall</c>: announces 100,000 bytes, sends 1,000 and goes quiet; <c>/stall-headers</c>: sends nothing at all;
/// <c>/short</c>: announces twice what it sends and drops the connection.</item>
/// </list>
/// </summary>
public sealed class ModelFileServer : IAsyncDisposable
{
    private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _endlessAborted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication? _app;

    public Uri Url { get; private set; } = null!;

    /// <summary>Completes when the client hung up on <c>/endless</c>: it stopped reading, not just stopped keeping.</summary>
    public Task EndlessAborted => _endlessAborted.Task;

    /// <summary>Bytes <c>/endless</c> managed to write before the client hung up.</summary>
    public long EndlessSent { get; private set; }

    public void Add(string name, byte[] content) => _files[name] = content;

    public Uri File(string name) => new(Url, $"files/{name}");

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/files/{name}", (string name, HttpContext context) => Serve(context, name, announce: true));
        app.MapGet("/chunked/{name}", (string name, HttpContext context) => Serve(context, name, announce: false));
        app.MapGet("/redirect/{name}", (string name) => Results.Redirect($"/files/{name}"));
        app.MapGet("/redirect-file", () => Results.Redirect("file:///etc/passwd"));
        app.MapGet("/redirect-loop", () => Results.Redirect("/redirect-loop"));
        app.MapGet("/huge", async context =>
        {
            context.Response.ContentLength = 1L << 40;
            await context.Response.Body.WriteAsync("GGUF"u8.ToArray(), context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });
        app.MapGet("/endless", Endless);
        app.MapGet("/stall", async context =>
        {
            context.Response.ContentLength = 100_000;
            var start = new byte[1000];
            "GGUF"u8.CopyTo(start);
            await context.Response.Body.WriteAsync(start, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });
        app.MapGet("/stall-headers", async context => await Task.Delay(Timeout.Infinite, context.RequestAborted));
        app.MapGet("/short", async context =>
        {
            var start = new byte[1000];
            "GGUF"u8.CopyTo(start);
            context.Response.ContentLength = 2 * start.Length;
            await context.Response.Body.WriteAsync(start, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            // Let the client read what was sent before the connection goes (an abort can discard unread bytes).
            await Task.Delay(300, context.RequestAborted);
            context.Abort();
        });
        await app.StartAsync();
        _app = app;
        Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }

    private async Task Serve(HttpContext context, string name, bool announce)
    {
        if (!_files.TryGetValue(name, out var content))
        {
            context.Response.StatusCode = 404;
            return;
        }
        context.Response.ContentType = "application/octet-stream";
        if (announce) context.Response.ContentLength = content.Length;
        // Pieces with flushes, so a chunked answer is really several chunks.
        for (var offset = 0; offset < content.Length; offset += 64 * 1024)
        {
            await context.Response.Body.WriteAsync(content.AsMemory(offset, Math.Min(64 * 1024, content.Length - offset)), context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    }

    private async Task Endless(HttpContext context)
    {
        var chunk = new byte[64 * 1024];
        "GGUF"u8.CopyTo(chunk);
        try
        {
            while (!context.RequestAborted.IsCancellationRequested)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                EndlessSent += chunk.Length;
                chunk.AsSpan(0, 4).Clear();
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionResetException)
        {
        }
        _endlessAborted.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is null) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
