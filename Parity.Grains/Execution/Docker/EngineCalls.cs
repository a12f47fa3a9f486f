using System.Globalization;
using System.Text.Json;
using Docker.DotNet;

namespace Parity.Execution.Docker;

/// <summary>How a docker task talks to the engine: each operation bounded, and the engine's own words for its errors.</summary>
internal static class EngineCalls
{
    /// <summary>Runs one engine operation under RUNNER_DOCKER_TIMEOUT; exceeding it is a task error naming the limit.</summary>
    public static async Task<T> BoundedAsync<T>(TimeSpan engineTimeout, string what, Func<CancellationToken, Task<T>> operation,
        CancellationToken cancellation)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        bounded.CancelAfter(engineTimeout);
        try
        {
            return await operation(bounded.Token);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            var seconds = engineTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            throw new DockerTaskException($"{what} exceeded the engine timeout of {seconds} s (RUNNER_DOCKER_TIMEOUT)");
        }
    }

    /// <summary>The engine's own message from an API error body (<c>{"message": "..."}</c>), else the exception's.</summary>
    public static string Message(Exception e)
    {
        if (e is DockerApiException { ResponseBody: { Length: > 0 } body })
        {
            try
            {
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.TryGetProperty("message", out var message) && message.GetString() is { Length: > 0 } text)
                    return text;
            }
            catch (JsonException)
            {
            }
            return body.Trim();
        }
        return e.Message;
    }
}
