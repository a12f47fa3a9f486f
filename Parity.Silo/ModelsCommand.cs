using System.CommandLine;
using Parity.Configuration;
using Parity.Hosting;
using Parity.Llm;
using Parity.Llm.Embedded;
using Parity.Llm.Ollama;
using Spectre.Console;

namespace Parity.Silo;

/// <summary>
/// <c>parity-runner models list|pull</c>: the models this machine's backends serve (what its runner reports), and
/// pulling one into Ollama with a progress bar.
/// </summary>
public static class ModelsCommand
{
    public static Command Create(Option<string?> configPath)
    {
        var json = new Option<bool>("--json") { Description = "print a JSON array instead of a table" };
        var list = new Command("list", "List the models this machine serves (GGUF files in RUNNER_MODELS_DIR and Ollama's)") { json };
        list.SetAction((parse, cancellation) =>
            ParityCommandLine.GuardAsync(() => ListAsync(Load(parse.GetValue(configPath)), parse.GetValue(json), cancellation)));

        var name = new Argument<string>("name") { Description = "the model to pull, e.g. qwen2.5:0.5b" };
        var pull = new Command("pull", "Pull a model into this machine's Ollama (OLLAMA_URL), showing progress") { name };
        pull.SetAction((parse, cancellation) =>
            ParityCommandLine.GuardAsync(() => PullAsync(Load(parse.GetValue(configPath)), parse.GetValue(name)!, cancellation)));

        return new Command("models", "The LLM models of this machine") { list, pull };
    }

    private static LlmOptions Load(string? configPath) =>
        new ConfigurationBuilder().AddParitySources(configPath).Build().ReadRunnerOptions<LlmOptions>();

    public static async Task<int> ListAsync(LlmOptions settings, bool json, CancellationToken cancellation)
    {
        var models = new List<LlmModelInfo>();
        var problems = new List<string>();
        foreach (var backend in Backends(settings))
        {
            await using (backend)
            {
                try
                {
                    models.AddRange(await backend.ListModelsAsync(cancellation));
                }
                catch (LlmException e)
                {
                    problems.Add($"{backend.Name}: {e.Message}");
                }
            }
        }
        if (json)
        {
            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(models, Parity.Json.ParityJson.Options));
        }
        else
        {
            var table = new Table().AddColumns("name", "backend", "loaded", "context", "size", "quantisation", "digest");
            foreach (var model in models)
                table.AddRow(Markup.Escape(model.Name), model.Backend, model.Loaded ? "yes" : "no",
                    model.ContextLength?.ToString() ?? "-", model.SizeBytes is { } size ? ByteSize.Format(size) : "-",
                    Markup.Escape(model.Quantization ?? "-"), Markup.Escape(Short(model.Digest)));
            AnsiConsole.Write(table);
        }
        foreach (var problem in problems) await Console.Error.WriteLineAsync(problem);
        return 0;
    }

    public static async Task<int> PullAsync(LlmOptions settings, string model, CancellationToken cancellation)
    {
        if (settings.Ollama is null)
        {
            await Console.Error.WriteLineAsync(
                "models pull: OLLAMA_URL is off; the embedded backend serves GGUF files copied into RUNNER_MODELS_DIR");
            return 2;
        }
        await using var ollama = new OllamaLlmBackend(settings.Ollama);
        try
        {
            await AnsiConsole.Progress().StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape($"pulling {model}"), maxValue: 1);
                await ollama.PullAsync(model, new SynchronousProgress<LlmPullProgress>(report =>
                {
                    task.Description = Markup.Escape($"{model}: {report.Status}");
                    if (report.Total is > 0 && report.Completed is { } done)
                    {
                        task.MaxValue = report.Total.Value;
                        task.Value = done;
                    }
                }), cancellation);
                task.Value = task.MaxValue;
            });
            Console.WriteLine($"pulled {model}");
            return 0;
        }
        catch (LlmException e)
        {
            await Console.Error.WriteLineAsync($"models pull: {e.Message}");
            return 1;
        }
    }

    private static IEnumerable<ILlmBackend> Backends(LlmOptions settings)
    {
        yield return new EmbeddedLlmBackend(settings.Embedded);
        if (settings.Ollama is { } ollama) yield return new OllamaLlmBackend(ollama);
    }

    private static string Short(string? digest) => digest is null ? "-" : digest.Length > 19 ? digest[..19] : digest;
}
