using System.CommandLine;
using Parity.Configuration;
using Parity.Hosting;
using Parity.Llm;
using Parity.Llm.Embedded;
using Parity.Llm.Ollama;
using Parity.Storage;
using Spectre.Console;

namespace Parity.Silo;

/// <summary>
/// <c>parity-runner models list|pull|create-demo</c>: the models this machine's backends serve (what its runner
/// reports); pulling one into Ollama, or a GGUF file from an http(s) URL or a CID into RUNNER_MODELS_DIR, with a
/// progress bar; and a tiny demo model for trying the API offline. A running silo serves a file that lands in
/// RUNNER_MODELS_DIR at once (it watches the folder).
/// </summary>
public static class ModelsCommand
{
    public const string DemoName = "parity-demo-noise";

    public static Command Create(Option<string?> configPath)
    {
        var json = new Option<bool>("--json") { Description = "print a JSON array instead of a table" };
        var list = new Command("list", "List the models this machine serves (GGUF files in RUNNER_MODELS_DIR and Ollama's)") { json };
        list.SetAction((parse, cancellation) =>
            ParityCommandLine.GuardAsync(() => ListAsync(Load(parse.GetValue(configPath)), parse.GetValue(json), cancellation)));

        var reference = new Argument<string>("model")
        {
            Description = "an Ollama name (qwen2.5:0.5b, pulled into OLLAMA_URL), an http(s) URL of a GGUF file, or a CID " +
                          "(both saved into RUNNER_MODELS_DIR)",
        };
        var name = new Option<string?>("--name") { Description = "URL/CID pulls: the name to serve the model under (default: the URL's file name without .gguf, or the CID)" };
        var sha256 = new Option<string?>("--sha256") { Description = "URL/CID pulls: the file's expected SHA-256 (hex); a mismatch keeps nothing" };
        var maxSize = new Option<string?>("--max-size") { Description = "URL/CID pulls: the largest file to accept, like 8g (default: RUNNER_MODEL_MAX_SIZE, 64g)" };
        var force = new Option<bool>("--force") { Description = "URL/CID pulls: replace a model file of the same name" };
        var pull = new Command("pull", "Pull a model: into Ollama by name, or a GGUF file by URL or CID into RUNNER_MODELS_DIR")
        {
            reference, name, sha256, maxSize, force,
        };
        pull.SetAction((parse, cancellation) => ParityCommandLine.GuardAsync(() =>
        {
            var configuration = Configuration(parse.GetValue(configPath));
            return PullAsync(configuration.ReadRunnerOptions<LlmOptions>(), () => configuration.ReadParityOptions<StorageOptions>(),
                new PullArguments(parse.GetValue(reference)!, parse.GetValue(name), parse.GetValue(sha256), parse.GetValue(maxSize),
                    parse.GetValue(force)), cancellation);
        }));

        var demoName = new Option<string>("--name") { Description = "the demo model's name", DefaultValueFactory = _ => DemoName };
        var demoForce = new Option<bool>("--force") { Description = "replace a model file of the same name" };
        var demo = new Command("create-demo",
            "Write a tiny demo GGUF model (random weights: it produces noise, not language) into RUNNER_MODELS_DIR, to try the LLM API offline")
        {
            demoName, demoForce,
        };
        demo.SetAction((parse, _) => ParityCommandLine.GuardAsync(() =>
            CreateDemoAsync(Load(parse.GetValue(configPath)), parse.GetValue(demoName)!, parse.GetValue(demoForce))));

        return new Command("models", "The LLM models of this machine") { list, pull, demo };
    }

    /// <summary>What <c>models pull</c> was given.</summary>
    public sealed record PullArguments(string Model, string? Name = null, string? Sha256 = null, string? MaxSize = null, bool Force = false);

    private static IConfiguration Configuration(string? configPath) => new ConfigurationBuilder().AddParitySources(configPath).Build();

    private static LlmOptions Load(string? configPath) => Configuration(configPath).ReadRunnerOptions<LlmOptions>();

    public static async Task<int> ListAsync(LlmOptions settings, bool json, CancellationToken cancellation)
    {
        var models = new List<LlmModelInfo>();
        var notes = new List<string>();
        var problems = new List<string>();
        var directory = Path.GetFullPath(settings.Embedded.ModelsDirectory);
        await using (var embedded = new EmbeddedLlmBackend(settings.Embedded))
        {
            var found = await embedded.ListModelsAsync(cancellation);
            models.AddRange(found);
            notes.Add(!Directory.Exists(directory)
                ? $"RUNNER_MODELS_DIR {directory}: missing (the silo creates it at start; `models pull <url|cid>` or `models create-demo` fill it)"
                : found.Count == 0
                    ? $"RUNNER_MODELS_DIR {directory}: no .gguf files (`models pull <url|cid>` or `models create-demo` add one)"
                    : $"RUNNER_MODELS_DIR {directory}: {found.Count} GGUF model(s)");
        }
        if (settings.Ollama is not { } ollamaSettings)
            notes.Add("Ollama: not asked (OLLAMA_URL=off)");
        else
        {
            await using var ollama = new OllamaLlmBackend(ollamaSettings);
            try
            {
                var found = await ollama.ListModelsAsync(cancellation);
                models.AddRange(found);
                notes.Add($"Ollama at {ollamaSettings.Url}: asked, {found.Count} model(s)");
            }
            catch (LlmException e)
            {
                notes.Add($"Ollama at {ollamaSettings.Url}: asked, no answer");
                problems.Add($"{ollama.Name}: {e.Message}");
            }
        }
        if (json)
        {
            // stdout stays one JSON document for scripts; what was scanned goes to stderr.
            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(models, Parity.Json.ParityJson.Options));
            foreach (var note in notes) await Console.Error.WriteLineAsync(note);
        }
        else
        {
            foreach (var note in notes) Console.WriteLine(note);
            if (models.Count > 0)
            {
                var table = new Table().AddColumns("name", "backend", "loaded", "context", "size", "quantisation", "digest");
                foreach (var model in models)
                    table.AddRow(Markup.Escape(model.Name), model.Backend, model.Loaded ? "yes" : "no",
                        model.ContextLength?.ToString() ?? "-", model.SizeBytes is { } size ? ByteSize.Format(size) : "-",
                        Markup.Escape(model.Quantization ?? "-"), Markup.Escape(Short(model.Digest)));
                AnsiConsole.Write(table);
            }
            else Console.WriteLine("no models");
        }
        foreach (var problem in problems) await Console.Error.WriteLineAsync(problem);
        return 0;
    }

    public static async Task<int> PullAsync(LlmOptions settings, Func<StorageOptions> storage, PullArguments arguments,
        CancellationToken cancellation)
    {
        ModelReference reference;
        ModelDownloadRequest request;
        try
        {
            reference = ModelReference.Parse(arguments.Model);
            if (reference.Kind == ModelReferenceKind.Ollama)
            {
                if (arguments is { Name: null, Sha256: null, MaxSize: null, Force: false })
                    return await PullOllamaAsync(settings, reference.Text, cancellation);
                throw new ModelDownloadException(
                    $"'{reference.Text}' is an Ollama model name; --name, --sha256, --max-size and --force apply to URL and CID pulls only");
            }
            request = Request(settings, reference, arguments);
        }
        catch (ModelDownloadException e)
        {
            await Console.Error.WriteLineAsync($"models pull: {e.Message}");
            return 2;
        }

        try
        {
            ModelDownloadResult result;
            if (reference.Kind == ModelReferenceKind.Url)
                result = await WithProgress(reference.Text, request,
                    progress => ModelDownloader.FromUrlAsync(reference.Url!, request, progress, cancellation));
            else
            {
                var gateways = storage().Gateways;
                using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
                var blocks = new PrefetchingBlockSource(RemoteBlocks.Create(http, gateways, storage()));
                result = await WithProgress($"{reference.Cid} from {string.Join(", ", gateways)}", request,
                    progress => ModelDownloader.FromCidAsync(reference.Cid!, blocks, request, progress, cancellation));
            }
            Console.WriteLine($"pulled {result.Name}: {result.Path}, {result.Bytes} bytes, sha256 {result.Sha256}");
            Console.WriteLine($"served as model \"{result.Name}\" by the embedded backend (a running silo picks it up at once)");
            return 0;
        }
        catch (ModelDownloadException e)
        {
            await Console.Error.WriteLineAsync($"models pull: {e.Message}");
            return 1;
        }
    }

    private static ModelDownloadRequest Request(LlmOptions settings, ModelReference reference, PullArguments arguments)
    {
        var maxBytes = settings.DownloadMaxBytes;
        var maxSource = "RUNNER_MODEL_MAX_SIZE";
        if (arguments.MaxSize is { } text)
        {
            maxBytes = ConfigurationReader.ParseSize(text) is { } parsed and > 0
                ? parsed
                : throw new ModelDownloadException($"--max-size must be a size like 512m or 8g, got '{text}'");
            maxSource = "--max-size";
        }
        var name = arguments.Name is { } given ? ModelFileNames.Validate(given)
            : reference.Kind == ModelReferenceKind.Url ? ModelFileNames.FromUrl(reference.Url!)
            : ModelFileNames.FromCid(reference.Cid!);
        return new ModelDownloadRequest
        {
            Directory = Path.GetFullPath(settings.Embedded.ModelsDirectory),
            Name = name,
            MaxBytes = maxBytes,
            MaxBytesSource = maxSource,
            Sha256 = arguments.Sha256 is { } sha ? ModelDownloadRequest.ParseSha256(sha) : null,
            StallTimeout = settings.DownloadStallTimeout,
            Replace = arguments.Force,
        };
    }

    /// <summary>
    /// A progress bar on a terminal; when output is redirected (a log, CI), plain lines: one per tenth of a known size,
    /// or per doubling of an unknown one, so a log gets a bounded number of lines.
    /// </summary>
    private static async Task<ModelDownloadResult> WithProgress(string source, ModelDownloadRequest request,
        Func<IProgress<ModelDownloadProgress>, Task<ModelDownloadResult>> download)
    {
        var header = $"pulling {source} into {request.TargetPath}";
        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            Console.WriteLine(header);
            long nextMark = 0;
            var lastTenth = 0L;
            return await download(new SynchronousProgress<ModelDownloadProgress>(p =>
            {
                if (p.Total is > 0 and var total)
                {
                    var tenth = p.Received * 10 / total;
                    if (tenth <= lastTenth) return;
                    lastTenth = tenth;
                    Console.WriteLine($"  {ByteSize.Format(p.Received)} of {ByteSize.Format(total)} ({tenth * 10} %)");
                }
                else if (p.Received >= nextMark && p.Received > 0)
                {
                    nextMark = Math.Max(1 << 20, p.Received * 2);
                    Console.WriteLine($"  {ByteSize.Format(p.Received)} (size not announced)");
                }
            }));
        }
        ModelDownloadResult? result = null;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(),
                new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var bar = context.AddTask(Markup.Escape(header), maxValue: 1);
                bar.IsIndeterminate = true;
                result = await download(new SynchronousProgress<ModelDownloadProgress>(p =>
                {
                    if (p.Total is > 0 and var total)
                    {
                        bar.IsIndeterminate = false;
                        bar.MaxValue = total;
                    }
                    else bar.MaxValue = Math.Max(1, p.Received);
                    bar.Value = p.Received;
                }));
                bar.Value = bar.MaxValue;
            });
        return result!;
    }

    private static async Task<int> PullOllamaAsync(LlmOptions settings, string model, CancellationToken cancellation)
    {
        if (settings.Ollama is null)
        {
            await Console.Error.WriteLineAsync(
                "models pull: OLLAMA_URL is off, so an Ollama name cannot be pulled; pull a GGUF file by http(s) URL or CID " +
                "into RUNNER_MODELS_DIR instead (or run `models create-demo`)");
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

    /// <summary>Writes the generated tiny model (the tests' one) under <paramref name="name"/>, whole or not at all.</summary>
    public static async Task<int> CreateDemoAsync(LlmOptions settings, string name, bool force)
    {
        string validName;
        try
        {
            validName = ModelFileNames.Validate(name);
        }
        catch (ModelDownloadException e)
        {
            await Console.Error.WriteLineAsync($"models create-demo: {e.Message}");
            return 2;
        }
        var directory = Path.GetFullPath(settings.Embedded.ModelsDirectory);
        var target = Path.Combine(directory, validName + ModelFileNames.Extension);
        if (File.Exists(target) && !force)
        {
            await Console.Error.WriteLineAsync($"models create-demo: {target} exists already: give another --name, or --force to replace it");
            return 1;
        }
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{validName}.{Guid.NewGuid():N}.part");
        try
        {
            TinyGgufWriter.Write(temporary, modelName: $"{validName} (random weights: produces noise, not language)");
            File.Move(temporary, target, force);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
        Console.WriteLine($"wrote {target} ({new FileInfo(target).Length} bytes)");
        Console.WriteLine($"DEMO MODEL: \"{validName}\" has random weights. It produces NOISE, not language: use it only to try the " +
                          "LLM API and its plumbing (tokens, streaming, usage) offline.");
        Console.WriteLine($"try: curl -X POST localhost:5080/api/v1/llm/prompts -H 'Content-Type: application/json' " +
                          $"-d '{{\"model_name\":\"{validName}\",\"prompt\":\"Hello\",\"max_tokens\":16}}'");
        return 0;
    }

    private static string Short(string? digest) => digest is null ? "-" : digest.Length > 19 ? digest[..19] : digest;
}
