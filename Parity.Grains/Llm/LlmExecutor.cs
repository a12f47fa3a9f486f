using System.Text;
using Parity.Execution;
using Parity.Tasks;

namespace Parity.Llm;

/// <summary>
/// Runs <c>llm</c> tasks on the backend of this runner that serves the requested model. The generated text streams
/// into the task's stdout, so its logs show it while it runs; the result carries the exact token counts.
/// Every generation is bounded by RUNNER_LLM_MAX_TOKENS: a task asking for more fails naming it (whether or not it
/// came through the gateway, which checks the same key), and a task that names no max_tokens gets the cap.
/// </summary>
public sealed class LlmExecutor(IEnumerable<ILlmBackend> backends, RunnerModels models, LlmOptions settings)
    : TaskExecutor<LlmRequest>
{
    public override TaskType Type => TaskType.Llm;

    public override bool Available => models.Current.Count > 0 || models.Puller is not null;

    protected override async Task<ExecutionOutcome> ExecuteAsync(TaskRun run, LlmRequest request, ExecutionOutput output,
        CancellationToken cancellation)
    {
        if (request.MaxTokens > settings.MaxTokens)
            return new ExecutionOutcome
            {
                ExitCode = -1,
                Error = LlmLimits.AboveLimit("config.max_tokens", request.MaxTokens.Value, settings.MaxTokens),
            };
        request = request with { MaxTokens = request.MaxTokens ?? settings.MaxTokens };

        var serving = Serving(request.Model);
        if (serving is null)
        {
            await models.RefreshAsync(cancellation);
            serving = Serving(request.Model);
        }
        if (serving is not var (backend, resolved))
        {
            var available = models.Current.Select(m => m.Name).ToList();
            return new ExecutionOutcome
            {
                ExitCode = -1,
                Error = $"model '{request.Model}' is not available on this runner (models: {(available.Count == 0 ? "none" : string.Join(", ", available))})",
            };
        }

        try
        {
            LlmUsage? usage = null;
            await foreach (var item in backend.GenerateAsync(request, cancellation))
            {
                if (item is LlmToken token) output.Stdout.Append(Encoding.UTF8.GetBytes(token.Text));
                else if (item is LlmCompletion completion) usage = completion.Usage;
            }
            usage = (usage ?? new LlmUsage()) with { Model = resolved };
            return new ExecutionOutcome
            {
                Usage = usage,
                ExitCode = 0,
                Elapsed = TimeSpan.FromMilliseconds(usage.TotalMs),
                PromptTokens = usage.PromptTokens,
                ResponseTokens = usage.CompletionTokens,
                InferenceTimeMs = (long)Math.Round(usage.PrefillMs + usage.DecodeMs),
            };
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return new ExecutionOutcome { ExitCode = -1, Cancelled = true, Error = "task was cancelled" };
        }
        catch (LlmException e)
        {
            return new ExecutionOutcome { ExitCode = -1, Error = e.Message };
        }
    }

    private (ILlmBackend Backend, string Model)? Serving(string model)
    {
        var current = models.Current;
        foreach (var backend in backends)
        {
            var names = current.Where(m => m.Backend == backend.Name).Select(m => m.Name);
            if (ModelNames.Resolve(model, names) is { } resolved) return (backend, resolved);
        }
        return null;
    }
}
