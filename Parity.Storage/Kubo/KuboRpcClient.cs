using System.Text.Json;

namespace Parity.Storage;

/// <summary>
/// The few calls of Kubo's RPC API (/api/v0, always POST) the storage room makes to an operator's IPFS node: importing
/// a DAG as a CAR, which keeps the exact CID the cluster computed whatever the node's own import settings, and pinning.
/// </summary>
public sealed class KuboRpcClient(HttpClient http, Uri apiUrl)
{
    public Uri ApiUrl { get; } = apiUrl;

    /// <summary>Sends the DAG under <paramref name="root"/> to the node as a CAR and pins its root there.</summary>
    public async Task ImportAsync(Cid root, IBlockSource blocks, CancellationToken cancellation)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new CarContent(root, blocks), "file", "dag.car");
        await CallAsync($"dag/import?pin-roots=true", form, cancellation);
    }

    public Task PinAsync(Cid cid, CancellationToken cancellation) => CallAsync($"pin/add?arg={cid}", null, cancellation);

    public async Task<string> VersionAsync(CancellationToken cancellation)
    {
        using var document = await CallAsync("version", null, cancellation);
        return document?.RootElement.TryGetProperty("Version", out var v) == true ? v.GetString() ?? "?" : "?";
    }

    private async Task<JsonDocument?> CallAsync(string call, HttpContent? body, CancellationToken cancellation)
    {
        var uri = new Uri(ApiUrl, "/api/v0/" + call);
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync(uri, body, cancellation);
        }
        catch (HttpRequestException e)
        {
            throw new IpfsNodeException($"IPFS node at {ApiUrl} (IPFS_API_URL) cannot be reached for {call.Split('?')[0]}: {e.Message}", e);
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellation);
            if (!response.IsSuccessStatusCode)
                throw new IpfsNodeException($"IPFS node at {ApiUrl} (IPFS_API_URL) refused {call.Split('?')[0]}: " +
                                            $"{(int)response.StatusCode} {Message(text)}");
            // dag/import answers newline-delimited JSON objects; the last one is enough to know it went through.
            var last = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
            try
            {
                return last is null ? null : JsonDocument.Parse(last);
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    private static string Message(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.TryGetProperty("Message", out var message)) return message.GetString() ?? body;
        }
        catch (JsonException)
        {
        }
        return body.Length > 300 ? body[..300] : body;
    }
}
