using System.Collections.Concurrent;
using System.Net;
using Parity.Tests.Support;

namespace Parity.Tests.Execution.Docker;

/// <summary>
/// An HTTP server on 127.0.0.1 that records every request it gets: routes map a path to a body (200) or a redirect
/// target (302); anything else is 404. Tests use <see cref="Hits"/> to prove a refused fetch never reached it.
/// </summary>
public sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly ConcurrentDictionary<string, byte[]> _files = new();
    private readonly ConcurrentDictionary<string, string> _redirects = new();

    public LoopbackHttpServer()
    {
        Url = $"http://127.0.0.1:{TestEngines.FreeTcpPort()}/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Url { get; }

    public ConcurrentQueue<string> Hits { get; } = new();

    public LoopbackHttpServer Serve(string path, byte[] body)
    {
        _files[path] = body;
        return this;
    }

    public LoopbackHttpServer Redirect(string path, string location)
    {
        _redirects[path] = location;
        return this;
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            var path = context.Request.Url!.AbsolutePath;
            Hits.Enqueue(path);
            try
            {
                if (_files.TryGetValue(path, out var body))
                {
                    context.Response.ContentLength64 = body.Length;
                    await context.Response.OutputStream.WriteAsync(body);
                }
                else if (_redirects.TryGetValue(path, out var location))
                {
                    context.Response.StatusCode = 302;
                    context.Response.RedirectLocation = location;
                }
                else context.Response.StatusCode = 404;
                context.Response.Close();
            }
            catch (HttpListenerException)
            {
                // The client went away.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Close alone: Stop then Close registers the prefix again to remove it, which fails when the port was taken meanwhile.
        _listener.Close();
        await _loop;
    }
}
