using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Parity.Gateway.OpenApi;
using Parity.Gateway.Security;
using Parity.Tests.Support;
using Xunit.Abstractions;

namespace Parity.Tests.Gateway;

/// <summary>
/// Issue 19 §7: the served OpenAPI document describes every Parity route (schemas, status codes, the security schemes),
/// leaves the Orleans dashboard out, passes a real OpenAPI linter, and /docs serves an interactive reference offline.
/// </summary>
public sealed partial class OpenApiDocumentTests(DashboardGateway host, ITestOutputHelper output) : IClassFixture<DashboardGateway>
{
    private static readonly string[] HttpVerbs = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    private async Task<(string Text, JsonElement Root)> Document()
    {
        using var response = await host.Http.GetAsync(ApiDocs.DocumentPath);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        return (text, JsonDocument.Parse(text).RootElement.Clone());
    }

    private IEnumerable<RouteEndpoint> Endpoints() =>
        host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();

    [Fact]
    public async Task The_document_passes_redocly_lint_with_the_recommended_rules()
    {
        var (text, _) = await Document();
        var dir = Directory.CreateTempSubdirectory("parity-openapi-").FullName;
        try
        {
            var file = Path.Combine(dir, "openapi.json");
            await File.WriteAllTextAsync(file, text);
            var lint = new ProcessStartInfo(TestEngines.Redocly)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = dir,
                ArgumentList = { "lint", "--config", Path.Combine(TestEngines.RepoRoot, "deploy", "redocly", "redocly.yaml"), "--format", "stylish", file },
            };
            // The linter may not phone home from a test run (and cannot: tests run offline).
            lint.Environment["REDOCLY_TELEMETRY"] = "off";
            lint.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
            using var process = Process.Start(lint)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            var report = stdout + await stderr;
            output.WriteLine(report);
            Assert.True(process.ExitCode == 0, $"redocly lint exited {process.ExitCode}:\n{report}");
            // Warnings do not fail redocly's exit code; the document is meant to have none either.
            Assert.False(LintWarning().IsMatch(stdout), $"redocly lint warned:\n{report}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task The_dashboard_is_mapped_but_none_of_its_paths_is_in_the_document()
    {
        var dashboard = Endpoints().Where(e => e.Metadata.GetMetadata<DashboardEndpoint>() is not null).ToList();
        Assert.True(dashboard.Count >= 10, $"expected the dashboard's routes to be mapped, found {dashboard.Count}");
        var (text, root) = await Document();
        var paths = root.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.DoesNotContain(paths, p => p.StartsWith("/dashboard", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("dashboard", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Every_mapped_parity_endpoint_is_in_the_document_with_its_methods()
    {
        var (_, root) = await Document();
        var paths = root.GetProperty("paths");
        var checkedCount = 0;
        foreach (var endpoint in Endpoints())
        {
            var pattern = "/" + (endpoint.RoutePattern.RawText ?? "").TrimStart('/');
            var excluded = endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is { ExcludeFromDescription: true };
            if (endpoint.Metadata.GetMetadata<DashboardEndpoint>() is not null || pattern == ApiDocs.DocumentPath
                || pattern.StartsWith(ApiDocs.ReferencePath + "/", StringComparison.Ordinal) || pattern == ApiDocs.ReferencePath
                // The web console is static files (a page, not an API), like the reference above.
                || pattern == Parity.Gateway.WebConsole.ConsoleEndpoints.Prefix
                || pattern.StartsWith(Parity.Gateway.WebConsole.ConsoleEndpoints.Prefix + "/", StringComparison.Ordinal))
            {
                Assert.True(excluded, $"{pattern} should be left out of the document");
                continue;
            }
            Assert.False(excluded, $"{pattern} is a Parity route but is excluded from the document");
            // The document spells a catch-all {**path} as {path}.
            var documented = CatchAll().Replace(pattern, "{$1}");
            Assert.True(paths.TryGetProperty(documented, out var item), $"{documented} is mapped but not in the document");
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
            Assert.NotEmpty(methods);
            foreach (var method in methods)
            {
                Assert.True(item.TryGetProperty(method.ToLowerInvariant(), out var operation), $"{method} {documented} is not documented");
                Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()), $"{method} {documented} has no summary");
                Assert.NotEmpty(operation.GetProperty("tags").EnumerateArray());
                var statuses = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
                // The linter's 2xx and 4xx rules are off (deploy/redocly/redocly.yaml) so that these exemptions are the only ones.
                if (documented != "/ipfs/{cid}/{path}") Assert.Contains(statuses, s => s.StartsWith('2'));
                if (documented is not ("/health" or "/api/status")) Assert.Contains(statuses, s => s.StartsWith('4'));
                checkedCount++;
            }
        }
        Assert.True(checkedCount >= 30, $"only {checkedCount} operations checked");
    }

    [Fact]
    public async Task The_bearer_scheme_is_declared_and_required_exactly_where_the_key_is_checked()
    {
        var (_, root) = await Document();
        var schemes = root.GetProperty("components").GetProperty("securitySchemes");
        var bearer = schemes.GetProperty(ApiDocs.ApiKeyScheme);
        Assert.Equal("http", bearer.GetProperty("type").GetString());
        Assert.Equal("bearer", bearer.GetProperty("scheme").GetString());
        var signature = schemes.GetProperty(ApiDocs.SignatureScheme);
        Assert.Equal("apiKey", signature.GetProperty("type").GetString());
        Assert.Equal("header", signature.GetProperty("in").GetString());
        Assert.Equal(WebhookSignature.HeaderName, signature.GetProperty("name").GetString());

        var keyed = 0;
        foreach (var (path, method, operation) in Operations(root))
        {
            var required = operation.GetProperty("security").EnumerateArray().SelectMany(r => r.EnumerateObject().Select(p => p.Name)).ToList();
            var expected = path.StartsWith("/api/v1/", StringComparison.Ordinal) ? ApiDocs.ApiKeyScheme
                : path == "/webhook" ? ApiDocs.SignatureScheme
                : null;
            Assert.True(expected is null ? required.Count == 0 : required.SequenceEqual([expected]),
                $"{method} {path}: security [{string.Join(", ", required)}], expected [{expected}]");
            if (expected != ApiDocs.ApiKeyScheme) continue;
            var statuses = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name);
            Assert.Contains("401", statuses);

            // The document's claim checked against the gateway: without the key, the route answers 401.
            var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), PathParameter().Replace(path, "x"));
            using var response = await host.Http.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} without the key: {(int)response.StatusCode}");
            keyed++;
        }
        Assert.True(keyed >= 20, $"only {keyed} keyed operations");
        // An open route answers without the key.
        using var open = await host.Http.GetAsync("/ipfs/not-a-cid");
        Assert.Equal(HttpStatusCode.BadRequest, open.StatusCode);
    }

    [Fact]
    public async Task Routes_that_read_a_raw_body_still_declare_its_schema()
    {
        var (_, root) = await Document();
        foreach (var (path, schema) in new[]
                 {
                     ("/api/v1/tasks", "TaskSubmission"), ("/webhook", "WebhookPush"), ("/api/v1/llm/prompts", "PromptSubmission"),
                     ("/api/v1/federated-learning/sessions", "FlSessionCreation"),
                     ("/api/v1/federated-learning/model-updates", "ModelUpdateSubmission"),
                 })
        {
            var body = root.GetProperty("paths").GetProperty(path).GetProperty("post").GetProperty("requestBody");
            var reference = body.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString();
            Assert.Equal($"#/components/schemas/{schema}", reference);
            Assert.True(root.GetProperty("components").GetProperty("schemas").TryGetProperty(schema, out _), schema);
        }
        var payload = root.GetProperty("components").GetProperty("schemas").GetProperty("WebhookPush").GetProperty("properties").GetProperty("payload");
        Assert.Equal(2, payload.GetProperty("oneOf").GetArrayLength());

        // Documenting the body adds no content-type matching: a body sent without Content-Type is parsed as before.
        foreach (var path in new[] { "/api/v1/tasks", "/api/v1/llm/prompts", "/api/v1/federated-learning/sessions" })
        {
            var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent("[]"u8.ToArray()) };
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", GatewayHost.ApiKey);
            using var response = await host.Http.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode}");
            Assert.Contains("body must be a JSON object", await response.Content.ReadAsStringAsync());
        }

        // A full queue's busy body and the recovering cluster's problem share the 503 of a submitting route.
        var busy = root.GetProperty("paths").GetProperty("/api/v1/tasks").GetProperty("post").GetProperty("responses").GetProperty("503");
        Assert.Equal("#/components/schemas/BusyReply",
            busy.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        Assert.True(busy.GetProperty("content").TryGetProperty("application/problem+json", out _));
        Assert.True(busy.GetProperty("headers").TryGetProperty("Retry-After", out _));
        var upload = root.GetProperty("paths").GetProperty("/api/v1/storage/upload").GetProperty("post").GetProperty("requestBody").GetProperty("content");
        Assert.True(upload.TryGetProperty("multipart/form-data", out _));
        Assert.True(upload.TryGetProperty("application/octet-stream", out _));
    }

    [Fact]
    public async Task The_storage_list_documents_its_paging_and_its_page()
    {
        var (_, root) = await Document();
        var get = root.GetProperty("paths").GetProperty("/api/v1/storage/files").GetProperty("get");
        var parameters = get.GetProperty("parameters").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        // Read as text so a 400 can name it, but an integer with its bounds in the document.
        var limit = parameters["limit"].GetProperty("schema");
        Assert.Equal("integer", limit.GetProperty("type").GetString());
        Assert.Equal(1, limit.GetProperty("minimum").GetInt32());
        Assert.Equal(Parity.Gateway.Storage.UploadLog.MaxPageSize, limit.GetProperty("maximum").GetInt32());
        Assert.Equal("query", parameters["cursor"].GetProperty("in").GetString());
        Assert.Equal("#/components/schemas/StoredFilePage", get.GetProperty("responses").GetProperty("200").GetProperty("content")
            .GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        Assert.True(get.GetProperty("responses").TryGetProperty("400", out _));
        Assert.Contains(get.GetProperty("security").EnumerateArray(), s => s.TryGetProperty("apiKey", out _));
    }

    [Fact]
    public async Task Docs_serve_the_interactive_reference_without_the_key_and_from_the_gateway_alone()
    {
        using var page = await host.Http.GetAsync(ApiDocs.ReferencePath + "/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        var scripts = ScriptSource().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(scripts);
        foreach (var src in scripts)
        {
            Assert.False(src.Contains("://", StringComparison.Ordinal) || src.StartsWith("//", StringComparison.Ordinal),
                $"the reference loads {src} from outside the gateway");
            using var script = await host.Http.GetAsync(new Uri(new Uri(host.BaseAddress, ApiDocs.ReferencePath + "/"), src));
            Assert.Equal(HttpStatusCode.OK, script.StatusCode);
            Assert.Contains("javascript", script.Content.Headers.ContentType?.MediaType ?? "");
        }

        // A browser with no way out of this machine renders the reference from the gateway's own script and document:
        // the operations' summaries are on the page only if both loaded.
        var dom = await HeadlessChromium.DumpDomAsync(new Uri(host.BaseAddress, ApiDocs.ReferencePath + "/").ToString());
        Assert.Contains("Create a task (id optional)", dom);
        Assert.Contains("A finished task", dom);
    }

    private static IEnumerable<(string Path, string Method, JsonElement Operation)> Operations(JsonElement root)
    {
        foreach (var path in root.GetProperty("paths").EnumerateObject())
        foreach (var item in path.Value.EnumerateObject())
            if (HttpVerbs.Contains(item.Name))
                yield return (path.Name, item.Name, item.Value);
    }

    [GeneratedRegex(@"\{\*\*?([^}]+)\}")]
    private static partial Regex CatchAll();

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex PathParameter();

    /// <summary>A problem line of redocly's stylish format: "  120:9    warning  rule-name  message".</summary>
    [GeneratedRegex(@"^\s*\d+:\d+\s+warning\s", RegexOptions.Multiline)]
    private static partial Regex LintWarning();

    [GeneratedRegex("<script[^>]*\\ssrc=\"([^\"]+)\"")]
    private static partial Regex ScriptSource();
}
