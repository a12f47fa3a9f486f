using System.Net;
using System.Text.Json;
using OllamaSharp;
using OllamaSharp.Models;

namespace Parity.Llm.Ollama;

/// <summary>
/// OllamaSharp's client with two changes to how requests are sent: a failed request throws
/// <see cref="OllamaServerError"/> carrying Ollama's own error text (OllamaSharp keeps it only for 400s), and a streamed
/// response is disposed when the call's token is cancelled. The latter is needed because OllamaSharp reads stream lines
/// without the token, so a read waiting for the next line would otherwise outlive the cancellation and keep the
/// connection, and Ollama's generation, going.
/// </summary>
/// <remarks>
/// The cancellation registration lives as long as the token's source: callers pass a token from a per-call
/// <see cref="CancellationTokenSource"/> and dispose it when the call ends. Parity sets no custom request headers, so
/// OllamaSharp's header handling is not repeated here.
/// </remarks>
internal sealed class OllamaClient : OllamaApiClient
{
    private readonly HttpClient _http;

    public OllamaClient(HttpClient http) : base(http) => _http = http;

    protected override async Task<HttpResponseMessage> SendToOllamaAsync(HttpRequestMessage requestMessage,
        OllamaRequest? ollamaRequest, HttpCompletionOption completionOption, CancellationToken cancellationToken)
    {
        var response = await _http.SendAsync(requestMessage, completionOption, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                throw new OllamaServerError(response.StatusCode, ErrorText(body, response.ReasonPhrase));
            }
        }
        if (completionOption == HttpCompletionOption.ResponseHeadersRead)
            cancellationToken.Register(static r => ((HttpResponseMessage)r!).Dispose(), response);
        return response;
    }

    /// <summary>Ollama answers errors as <c>{"error":"..."}</c>; anything else is passed on as it came.</summary>
    private static string ErrorText(string body, string? reason)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
                return error.GetString()!;
        }
        catch (JsonException)
        {
        }
        return string.IsNullOrWhiteSpace(body) ? reason ?? "no error text" : body.Trim();
    }
}

/// <summary>Ollama answered a request with an error status.</summary>
internal sealed class OllamaServerError(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}
