using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Parity.Gateway.Telemetry;
using Parity.Tasks;
using Parity.Tests.Support;

namespace Parity.Tests.Gateway;

/// <summary>
/// A call to the API and the task it creates are one trace: the request's W3C trace context (the caller's
/// <c>traceparent</c>) reaches the task grain through Orleans' activity propagation, is kept in the task's state for its
/// dispatch (which runs from a timer, with no caller), and travels with the dispatch call to the runner that executes it.
/// The listener here subscribes to what the OTLP exporter subscribes to (<see cref="ParityTelemetry.Sources"/> and
/// ASP.NET Core), so it sees what an operator's collector would.
/// </summary>
public sealed class TaskTraceTests(SharedCluster shared) : IClassFixture<SharedCluster>
{
    [Fact]
    public async Task The_api_call_the_task_grain_the_dispatch_and_the_run_share_the_callers_trace()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore" || ParityTelemetry.Sources.Any(pattern =>
                pattern.EndsWith('*') ? source.Name.StartsWith(pattern[..^1], StringComparison.Ordinal) : source.Name == pattern),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);

        await using var gateway = await GatewayHost.StartAsync(shared.Cluster.Client);
        var trace = ActivityTraceId.CreateRandom();
        using var request = gateway.Api(HttpMethod.Post, "/api/v1/tasks", """{"type":"command","config":{"command":"echo traced"}}""");
        request.Headers.Add("traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom()}-01");
        using var response = await gateway.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        Assert.Equal(TaskState.Completed, (await shared.Cluster.WaitFinished(id)).Status);

        // Other tests' tasks run in this process too: only this task's spans count.
        List<Activity> Mine(string name) => spans.Where(s => s.OperationName == name && (string?)s.GetTagItem("task.id") == id).ToList();
        await Eventually.True(() => Task.FromResult(Mine("task execute").Count == 1), TimeSpan.FromSeconds(30), "the run's span ended");
        var submit = Assert.Single(Mine("task submit"));
        var dispatch = Assert.Single(Mine("task dispatch"));
        var execute = Assert.Single(Mine("task execute"));
        Assert.Equal(trace, submit.TraceId);
        Assert.Equal(trace, dispatch.TraceId);
        Assert.Equal(trace, execute.TraceId);
        // The dispatch hangs under the submission (its parent is the persisted context), and the run under the dispatch
        // (through the runner grain's call).
        Assert.Equal(submit.SpanId, dispatch.ParentSpanId);
        Assert.Contains(spans, s => s.TraceId == trace && s.SpanId == execute.ParentSpanId);
        Assert.Equal("1", dispatch.GetTagItem("task.attempt")?.ToString());
    }
}
