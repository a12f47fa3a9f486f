using System.Net;
using System.Text.RegularExpressions;
using Parity.Gateway.WebConsole;
using Parity.Tests.Support;

namespace Parity.Tests.WebConsole;

/// <summary>
/// The console's files as the gateway serves them (issue 18 §2): open without the key (they hold no data), each with
/// the strict Content-Security-Policy, the right media type and no inline script or markup-writing call anywhere.
/// </summary>
public sealed partial class ConsoleFilesTests
{
    private static readonly string[] Files = ["index.html", "console.css", "app.js", "api.js", "dom.js", "chart.js",
        "runners.js", "tasks.js", "models.js", "sessions.js", "storage.js"];

    [Fact]
    public async Task Every_file_is_served_with_the_strict_policy_and_its_media_type_while_the_data_needs_the_key()
    {
        await using var gateway = await GatewayHost.StartAsync(cluster: null);
        foreach (var file in Files.Append(""))
        {
            using var response = await gateway.Http.GetAsync($"/console/{file}");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"/console/{file}: {(int)response.StatusCode}");
            Assert.Equal(ConsoleEndpoints.ContentSecurityPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
            var expected = Path.GetExtension(file.Length == 0 ? "index.html" : file) switch
            {
                ".html" => "text/html", ".css" => "text/css", ".js" => "text/javascript", var other => other,
            };
            Assert.Equal(expected, response.Content.Headers.ContentType!.MediaType);
            Assert.NotNull(response.Headers.ETag);
        }
        Assert.Contains("script-src 'self'", ConsoleEndpoints.ContentSecurityPolicy);
        Assert.DoesNotContain("unsafe-inline", ConsoleEndpoints.ContentSecurityPolicy);
        Assert.DoesNotContain("unsafe-eval", ConsoleEndpoints.ContentSecurityPolicy);

        // /console itself sends the browser to /console/, so the page's relative module paths resolve.
        using (var bare = await gateway.Http.GetAsync("/console"))
        {
            Assert.Equal(HttpStatusCode.Redirect, bare.StatusCode);
            Assert.Equal("/console/", bare.Headers.Location!.ToString());
        }
        // The data behind the page is not open: the same key as every /api/v1 route.
        using (var runners = await gateway.Http.GetAsync("/api/v1/storage/info/QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR"))
            Assert.Equal(HttpStatusCode.Unauthorized, runners.StatusCode);
    }

    [Theory]
    [InlineData("/console/missing.js")]
    [InlineData("/console/../appsettings.json")]
    [InlineData("/console/%2e%2e/Parity.Gateway.dll")]
    [InlineData("/console/api.js/x")]
    [InlineData("/console/API.JS")]
    public async Task A_path_that_is_not_one_of_its_files_is_404_naming_it(string path)
    {
        await using var gateway = await GatewayHost.StartAsync(cluster: null);
        using var response = await gateway.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("import ", body);
    }

    [Fact]
    public async Task An_unchanged_file_is_answered_304_to_its_etag()
    {
        await using var gateway = await GatewayHost.StartAsync(cluster: null);
        using var first = await gateway.Http.GetAsync("/console/app.js");
        using var again = new HttpRequestMessage(HttpMethod.Get, "/console/app.js");
        again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var second = await gateway.Http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Empty(await second.Content.ReadAsByteArrayAsync());
    }

    /// <summary>
    /// The sources themselves: no inline script or handler in the page, and no script that turns a value into markup
    /// (innerHTML, outerHTML, insertAdjacentHTML, document.write, eval); every value goes in as a text node (dom.js).
    /// </summary>
    [Fact]
    public void The_sources_have_no_inline_script_and_never_write_markup()
    {
        var folder = Path.Combine(TestEngines.RepoRoot, "Parity.Gateway", "WebConsole", "files");
        Assert.Equal(Files.Order(StringComparer.Ordinal), Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var html = File.ReadAllText(Path.Combine(folder, "index.html"));
        foreach (Match script in ScriptTag().Matches(html))
            Assert.Matches("src=\"[a-z]+\\.js\"", script.Value);
        Assert.DoesNotMatch(InlineHandler(), html);
        Assert.DoesNotContain("style=", html);
        foreach (var file in Files.Where(f => f.EndsWith(".js")))
        {
            var source = File.ReadAllText(Path.Combine(folder, file));
            foreach (var sink in new[] { "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function" })
                Assert.False(source.Contains(sink), $"{file} uses {sink}");
        }
    }

    [GeneratedRegex("<script[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptTag();

    [GeneratedRegex(@"\son[a-z]+\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex InlineHandler();
}
