using System.Security.Cryptography;
using Parity.Llm;
using Parity.Llm.Embedded;

namespace Parity.Tests.Llm;

/// <summary>Real inference with llama.cpp on the generated tiny model (random weights: gibberish, but real tokens).</summary>
public sealed class EmbeddedLlmBackendTests(TinyModelFixture model) : IClassFixture<TinyModelFixture>
{
    private readonly EmbeddedLlmBackend _backend = model.Backend;

    private static LlmRequest Greedy(int? maxTokens = 32, string prompt = TinyModel.Prompt) =>
        new() { Model = "tiny", Prompt = prompt, MaxTokens = maxTokens };

    [Fact]
    public async Task Greedy_generation_is_deterministic_and_equals_llama_cpp_driven_directly()
    {
        var (_, first) = await TinyModel.Generate(_backend, Greedy());
        var (_, second) = await TinyModel.Generate(_backend, Greedy() with { Temperature = 0, Seed = 5 });
        var direct = TinyModel.DirectGreedy(model.ModelPath, TinyModel.Prompt, 32);
        var again = TinyModel.DirectGreedy(model.ModelPath, TinyModel.Prompt, 32);

        Assert.Equal(TinyModel.PromptIds, direct.PromptIds);
        Assert.Equal(TinyModel.FirstGreedyIds, direct.Ids.Take(TinyModel.FirstGreedyIds.Length));
        Assert.Equal(direct.Ids, again.Ids);
        Assert.Equal(direct.Text, first.Text);
        Assert.Equal(first.Text, second.Text);
        Assert.StartsWith(" ", first.Text); // SentencePiece's word-start marker, kept as in llama.cpp's output
    }

    [Fact]
    public async Task Seeded_sampling_is_reproducible_and_the_seed_matters()
    {
        var request = Greedy() with { Temperature = 0.8f, Seed = 1234 };

        var (_, first) = await TinyModel.Generate(_backend, request);
        var (_, second) = await TinyModel.Generate(_backend, request);
        var (_, otherSeed) = await TinyModel.Generate(_backend, request with { Seed = 99 });
        var (_, greedy) = await TinyModel.Generate(_backend, Greedy());

        Assert.Equal(first.Text, second.Text);
        Assert.NotEqual(first.Text, otherSeed.Text);
        Assert.NotEqual(greedy.Text, first.Text);
        Assert.Equal(32, first.Usage.CompletionTokens);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(32)]
    public async Task Counts_prompt_and_completion_tokens_exactly(int maxTokens)
    {
        var (pieces, completion) = await TinyModel.Generate(_backend, Greedy(maxTokens));
        var usage = completion.Usage;

        Assert.Equal(11, usage.PromptTokens);
        Assert.Null(usage.CachedPromptTokens);
        Assert.Equal(maxTokens, usage.CompletionTokens);
        Assert.Equal(maxTokens, pieces.Count); // this model's tokens are all printable: one piece each
        Assert.Equal("length", usage.FinishReason);
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(model.ModelPath))), usage.ModelDigest);
        Assert.True(usage.PrefillMs > 0 && usage.DecodeMs > 0);
        Assert.True(usage.TotalMs >= usage.LoadMs + usage.PrefillMs + usage.DecodeMs - 0.01);
    }

    [Fact]
    public async Task Max_tokens_zero_evaluates_the_prompt_only()
    {
        var (pieces, completion) = await TinyModel.Generate(_backend, Greedy(0));

        Assert.Empty(pieces);
        Assert.Equal("", completion.Text);
        Assert.Equal(11, completion.Usage.PromptTokens);
        Assert.Equal(0, completion.Usage.CompletionTokens);
        Assert.Equal("length", completion.Usage.FinishReason);
    }

    [Fact]
    public async Task Without_max_tokens_generation_fills_the_context()
    {
        var (_, completion) = await TinyModel.Generate(_backend, Greedy(maxTokens: null));

        Assert.Equal(256 - 11, completion.Usage.CompletionTokens);
        Assert.Equal("length", completion.Usage.FinishReason);
    }

    [Fact]
    public async Task Streams_pieces_that_add_up_to_the_final_text()
    {
        var items = new List<LlmStreamItem>();
        await foreach (var item in _backend.GenerateAsync(Greedy(), CancellationToken.None)) items.Add(item);

        var pieces = items.OfType<LlmToken>().Select(t => t.Text).ToList();
        var completion = Assert.IsType<LlmCompletion>(items[^1]);
        Assert.Single(items.OfType<LlmCompletion>());
        Assert.Equal(32, pieces.Count);
        Assert.All(pieces, piece => Assert.NotEmpty(piece));
        Assert.Equal(completion.Text, string.Concat(pieces));
    }

    [Fact]
    public async Task A_stop_string_ends_generation_and_is_neither_streamed_nor_returned()
    {
        var (fullPieces, full) = await TinyModel.Generate(_backend, Greedy());
        // A stop spanning two tokens from the middle: the last character of piece 14 and the whole of piece 15.
        var stop = fullPieces[14][^1..] + fullPieces[15];
        var cut = full.Text.IndexOf(stop, StringComparison.Ordinal);
        // The tokens it takes until the text first contains the stop string.
        var needed = Enumerable.Range(1, 32).First(k => string.Concat(fullPieces.Take(k)).Contains(stop, StringComparison.Ordinal));

        var (pieces, stopped) = await TinyModel.Generate(_backend, Greedy() with { Stop = ["\u0001never", stop] });

        Assert.Equal(full.Text[..cut], stopped.Text);
        Assert.Equal(stopped.Text, string.Concat(pieces));
        Assert.DoesNotContain(stop, stopped.Text);
        Assert.Equal("stop", stopped.Usage.FinishReason);
        Assert.Equal(needed, stopped.Usage.CompletionTokens);
        Assert.True(stopped.Usage.CompletionTokens < 32);
    }

    [Fact]
    public async Task Cancelling_mid_stream_throws_and_frees_the_generation()
    {
        using var cancellation = new CancellationTokenSource();
        var received = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var item in _backend.GenerateAsync(Greedy(maxTokens: null), cancellation.Token))
            {
                Assert.IsType<LlmToken>(item);
                if (++received == 1) await cancellation.CancelAsync();
            }
        });

        Assert.Equal(1, received);
        Assert.Equal(0, _backend.ActiveGenerations);
        var (_, next) = await TinyModel.Generate(_backend, Greedy(8));
        Assert.Equal(8, next.Usage.CompletionTokens);
    }

    [Fact]
    public async Task A_cancelled_token_stops_the_request_before_it_starts()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TinyModel.Generate(_backend, Greedy(), cancellation.Token));
        Assert.Equal(0, _backend.ActiveGenerations);
    }

    [Fact]
    public async Task Leaving_a_stream_early_frees_the_generation()
    {
        await foreach (var item in _backend.GenerateAsync(Greedy(maxTokens: null), CancellationToken.None))
        {
            Assert.IsType<LlmToken>(item);
            break;
        }

        Assert.Equal(0, _backend.ActiveGenerations);
    }

    [Fact]
    public async Task Chat_messages_go_through_the_model_template()
    {
        LlmMessage[] messages = [new("system", "Answer briefly."), new("user", "Hello world")];
        var request = new LlmRequest { Model = "tiny", Messages = messages, MaxTokens = 16 };
        var templated = "<|im_start|>system\nAnswer briefly.<|im_end|>\n<|im_start|>user\nHello world<|im_end|>\n<|im_start|>assistant\n";

        var (_, first) = await TinyModel.Generate(_backend, request);
        var (_, second) = await TinyModel.Generate(_backend, request);

        Assert.Equal(TinyModel.CountTokens(model.ModelPath, templated, special: true), first.Usage.PromptTokens);
        Assert.True(first.Usage.PromptTokens > TinyModel.CountTokens(model.ModelPath, "Answer briefly. Hello world", special: false));
        Assert.Equal(16, first.Usage.CompletionTokens);
        Assert.Equal(first.Text, second.Text);
    }

    [Fact]
    public async Task Concurrent_generations_on_one_model_all_complete_exactly()
    {
        var (_, alone) = await TinyModel.Generate(_backend, Greedy(16));

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => TinyModel.Generate(_backend, Greedy(16)))));

        Assert.All(results, r =>
        {
            Assert.Equal(11, r.Completion.Usage.PromptTokens);
            Assert.Equal(16, r.Completion.Usage.CompletionTokens);
            Assert.Equal(alone.Text, r.Completion.Text);
            Assert.Equal(0, r.Completion.Usage.LoadMs);
        });
    }

    [Fact]
    public async Task Lists_the_model_with_its_metadata()
    {
        await TinyModel.Generate(_backend, Greedy(1));

        var listed = Assert.Single(await _backend.ListModelsAsync(CancellationToken.None));

        Assert.Equal("tiny", listed.Name);
        Assert.Equal("embedded", listed.Backend);
        Assert.True(listed.Loaded);
        Assert.Equal(731_456, listed.SizeBytes);
        Assert.Equal(256, listed.ContextLength);
        Assert.Equal("F32", listed.Quantization);
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(model.ModelPath))), listed.Digest);
    }

    [Theory]
    [InlineData("tiny:latest")]
    [InlineData("TINY")]
    public async Task Serves_the_file_under_its_name_with_or_without_latest(string name)
    {
        var (_, completion) = await TinyModel.Generate(_backend, Greedy(2) with { Model = name });

        Assert.Equal(2, completion.Usage.CompletionTokens);
    }

    [Fact]
    public async Task An_unknown_model_is_reported_with_the_available_ones()
    {
        var error = await Assert.ThrowsAsync<LlmException>(() => TinyModel.Generate(_backend, Greedy() with { Model = "qwen2.5:0.5b" }));

        Assert.Equal("model 'qwen2.5:0.5b' is not available on this runner (embedded models: tiny)", error.Message);
    }

    [Fact]
    public async Task A_tag_other_than_latest_does_not_match_the_file()
    {
        var error = await Assert.ThrowsAsync<LlmException>(() => TinyModel.Generate(_backend, Greedy() with { Model = "tiny:q4" }));

        Assert.Contains("'tiny:q4' is not available", error.Message);
    }

    [Fact]
    public async Task A_prompt_longer_than_the_context_is_refused()
    {
        var prompt = string.Concat(Enumerable.Repeat(" the", 300));

        var error = await Assert.ThrowsAsync<LlmException>(() => TinyModel.Generate(_backend, Greedy(prompt: prompt)));

        Assert.Contains("context of 256", error.Message);
    }

    [Fact]
    public async Task A_request_needs_a_prompt_or_messages()
    {
        var error = await Assert.ThrowsAsync<LlmException>(() => TinyModel.Generate(_backend, new LlmRequest { Model = "tiny" }));

        Assert.Contains("neither a prompt nor messages", error.Message);
    }

    [Fact]
    public async Task Pulling_is_refused_with_the_way_to_add_a_model()
    {
        var error = await Assert.ThrowsAsync<LlmException>(() =>
            _backend.PullAsync("qwen2.5", new Progress<LlmPullProgress>(), CancellationToken.None));

        Assert.Contains("copy qwen2.5.gguf there", error.Message);
    }
}
