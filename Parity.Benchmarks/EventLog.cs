using System.Net.Http.Headers;
using System.Text.Json;
using Parity.Federation;
using Parity.Json;

/// <summary>
/// A session's server-sent events (GET …/sessions/{id}/events), read as they come and kept, so the benchmark can wait
/// for one and read the session's own timestamp of it.
/// </summary>
public sealed class EventLog
{
    private readonly List<FlSessionEvent> _events = [];
    private long _last;

    /// <summary>Reads the stream until the session ends or <paramref name="cancellation"/>; reconnects after the last event seen.</summary>
    public async Task Follow(HttpClient http, string sessionId, CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/federated-learning/sessions/{sessionId}/events");
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
                if (_last > 0) request.Headers.Add("Last-Event-ID", _last.ToString(System.Globalization.CultureInfo.InvariantCulture));
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation);
                if (!response.IsSuccessStatusCode)
                {
                    await Task.Delay(200, cancellation);
                    continue;
                }
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellation));
                while (await reader.ReadLineAsync(cancellation) is { } line)
                {
                    if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
                    var entry = JsonSerializer.Deserialize<FlSessionEvent>(line["data: ".Length..], ParityJson.Options)!;
                    lock (_events)
                    {
                        _events.Add(entry);
                        _last = entry.Sequence;
                    }
                    if (entry.Type is "session_completed" or "session_failed" or "session_cancelled") return;
                }
            }
            catch (HttpRequestException)
            {
                // The gateway lost its way to the session's silo for a moment: the stream resumes after the last event.
                await Task.Delay(200, cancellation);
            }
            catch (Exception e) when (e is IOException or TaskCanceledException && !cancellation.IsCancellationRequested)
            {
                await Task.Delay(200, cancellation);
            }
        }
    }

    public async Task<FlSessionEvent> WaitFor(Func<FlSessionEvent, bool> match, TimeSpan timeout, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            lock (_events)
                if (_events.FirstOrDefault(match) is { } found) return found;
            if (clock.Elapsed > timeout) throw new TimeoutException($"no {what} within {timeout.TotalSeconds:N0} s");
            await Task.Delay(20);
        }
    }
}
