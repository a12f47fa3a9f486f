using System.Collections.Frozen;
using System.Security.Cryptography;

namespace Parity.Gateway.WebConsole;

/// <summary>
/// The web console at /console: static files (one page, one style sheet, plain ES modules) compiled into this assembly.
/// The files hold nothing secret and are served without the API key, so the page can show its key form; everything it
/// shows comes from the /api/v1 routes with <c>Authorization: Bearer</c>, exactly as a script would read it.
/// </summary>
public static class ConsoleEndpoints
{
    public const string Prefix = "/console";

    /// <summary>
    /// Only this origin's own files and requests: no inline script or style (values are put into the page as text,
    /// and were one to slip through as markup it could still not run), no framing, no form posting elsewhere.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary();

    private static readonly Lazy<FrozenDictionary<string, ConsoleFile>> Files = new(Load);

    public static void Map(IEndpointRouteBuilder app)
    {
        // /console → /console/ so the page's relative module paths resolve under the prefix. Routing matches both
        // spellings here, so the slash is told apart by the request's own path.
        app.MapMethods(Prefix, ["GET", "HEAD"], (HttpContext context) =>
        {
            if (context.Request.Path.Value?.EndsWith('/') == true) return Serve(context, null);
            Secure(context.Response);
            return Results.Redirect(Prefix + "/");
        }).ExcludeFromDescription();
        app.MapMethods(Prefix + "/{**file}", ["GET", "HEAD"], Serve).ExcludeFromDescription();
    }

    private static IResult Serve(HttpContext context, string? file)
    {
        Secure(context.Response);
        var name = string.IsNullOrEmpty(file) ? "index.html" : file;
        if (!Files.Value.TryGetValue(name, out var content))
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not Found",
                detail: $"the console has no file {name}; open {Prefix}/");
        // Revalidated every time (an upgraded gateway serves new files at once), answered 304 when unchanged.
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.ETag = content.ETag;
        if (context.Request.Headers.IfNoneMatch.ToString() == content.ETag) return Results.StatusCode(StatusCodes.Status304NotModified);
        return Results.Bytes(content.Bytes, content.ContentType);
    }

    private static void Secure(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.XFrameOptions = "DENY";
    }

    private static FrozenDictionary<string, ConsoleFile> Load()
    {
        var assembly = typeof(ConsoleEndpoints).Assembly;
        const string root = "console/";
        var files = new Dictionary<string, ConsoleFile>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(root, StringComparison.Ordinal)))
        {
            var name = resource[root.Length..].Replace('\\', '/');
            if (!ContentTypes.TryGetValue(Path.GetExtension(name), out var type)) continue;
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.ToArray();
            files[name] = new ConsoleFile(bytes, type, $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..32]}\"");
        }
        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
