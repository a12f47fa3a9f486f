using System.Text.Json;
using Parity.Tasks;
using Parity.Tests.Llm.Ollama;
using Parity.Tests.Support;

namespace Parity.Tests.Cluster;

/// <summary>
/// Live output pushed through the task grain (<see cref="ITaskGrain.LiveOutput"/>), on the LLM cluster: the pieces of
/// a running prompt, a reader that resumes, and the streams that have nothing to give.
/// </summary>
public sealed class LlmLiveOutputTests(LlmClusterFixture fixture) : IClassFixture<LlmClusterFixture>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private ParityTestCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Pieces_arrive_in_order_without_repeats_and_make_the_final_text()
    {
        const string prompt = "push the pieces";
        var (grain, running) = await StartSlowPrompt(prompt, tokens: 12);
        using var timeout = new CancellationTokenSource(Limit);

        var pieces = new List<LiveOutputPiece>();
        Task<List<LiveOutputPiece>>? resumed = null;
        await foreach (var piece in grain.LiveOutput(running.Attempt, 0, timeout.Token))
        {
            pieces.Add(piece);
            // A second reader that joins from this piece's end gets what follows it, once.
            if (pieces.Count == 2) resumed = grain.LiveOutput(running.Attempt, piece.Next, timeout.Token).ToListAsync(timeout.Token).AsTask();
        }
        var finished = await Cluster.WaitFinished(running.Id);
        var result = (await grain.GetResult())!;

        Assert.Equal(TaskState.Completed, finished.Status);
        Assert.Equal(Expected(prompt, 12), result.Stdout);
        Assert.Equal(result.Stdout, string.Concat(pieces.Select(p => p.Text)));
        Assert.All(pieces, p => Assert.Equal(running.Attempt, p.Attempt));
        Assert.Equal(0, pieces[0].Offset);
        for (var i = 1; i < pieces.Count; i++) Assert.Equal(pieces[i - 1].Next, pieces[i].Offset);
        Assert.True(pieces.Count >= 6, $"{pieces.Count} pieces"); // pushed as produced, not in one piece at the end
        Assert.NotNull(resumed);
        Assert.Equal(string.Concat(pieces.Skip(2).Select(p => p.Text)), string.Concat((await resumed).Select(p => p.Text)));
    }

    [Fact]
    public async Task A_stream_for_an_unknown_task_or_attempt_ends_at_once_and_empty()
    {
        using var timeout = new CancellationTokenSource(Limit);
        Assert.Empty(await Cluster.TaskGrain("no-such-prompt-" + Guid.NewGuid().ToString("N")).LiveOutput(1, 0, timeout.Token).ToListAsync(timeout.Token));

        var (grain, running) = await StartSlowPrompt("ask for the wrong attempt", tokens: 12);
        Assert.Empty(await grain.LiveOutput(running.Attempt + 1, 0, timeout.Token).ToListAsync(timeout.Token));
        Assert.Empty(await grain.LiveOutput(running.Attempt - 1, 0, timeout.Token).ToListAsync(timeout.Token));

        await Cluster.WaitFinished(running.Id);
        Assert.Empty(await grain.LiveOutput(running.Attempt, 0, timeout.Token).ToListAsync(timeout.Token));
    }

    /// <summary>Submits a prompt whose tokens come 100 ms apart and waits until it runs.</summary>
    private async Task<(ITaskGrain Grain, ParityTask Running)> StartSlowPrompt(string prompt, int tokens)
    {
        fixture.OllamaOne.TokenDelay = fixture.OllamaTwo.TokenDelay = TimeSpan.FromMilliseconds(100);
        var id = "live-" + Guid.NewGuid().ToString("N")[..8];
        var grain = Cluster.TaskGrain(id);
        await grain.Submit(new ParityTask
        {
            Id = id,
            Type = TaskType.Llm,
            Config = JsonSerializer.Serialize(new { model = LlmClusterFixture.Qwen, prompt, max_tokens = tokens, temperature = 0 }),
            CreatedAt = DateTimeOffset.UtcNow,
        });
        var running = await Cluster.WaitFor(id, t => t.Status == TaskState.Running, Limit, $"prompt {id} running");
        return (grain, running);
    }

    private static string Expected(string prompt, int tokens) => string.Concat(OllamaTestServer.TokensFor(prompt, 0, tokens));
}
