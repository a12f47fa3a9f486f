using System.Text.Json;
using PuppeteerSharp;

namespace Parity.Tests.Support;

/// <summary>
/// The gateway's web console in the system's headless Chromium (PARITY_TEST_CHROMIUM), driven over the DevTools
/// protocol: one page that signs in with the API key through the console's own form and then moves between views
/// by their hash, as a person would, without reloading. Every console error, uncaught exception and alert the page
/// raises is kept in <see cref="Problems"/>.
/// </summary>
public sealed class ConsoleBrowser : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly IBrowser _browser;
    private readonly string _profile;
    private readonly List<string> _problems = [];

    private ConsoleBrowser(IBrowser browser, IPage page, string profile)
    {
        _browser = browser;
        Page = page;
        _profile = profile;
    }

    public IPage Page { get; }

    /// <summary>What went wrong on the page: console errors, uncaught exceptions, dialogs (an alert would be one).</summary>
    public IReadOnlyList<string> Problems
    {
        get { lock (_problems) return [.. _problems]; }
    }

    /// <summary>Where the screenshots go: TestResults/console under the repository, which CI keeps.</summary>
    public static string ScreenshotFolder => Path.Combine(TestEngines.RepoRoot, "TestResults", "console");

    public static async Task<ConsoleBrowser> OpenAsync(Uri gateway)
    {
        var profile = Directory.CreateTempSubdirectory("parity-console-").FullName;
        var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = TestEngines.Chromium,
            Headless = true,
            UserDataDir = profile,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
            DefaultViewport = new PuppeteerSharp.ViewPortOptions { Width = 1280, Height = 900 },
        });
        var page = await browser.NewPageAsync();
        var console = new ConsoleBrowser(browser, page, profile);
        page.Console += (_, e) =>
        {
            if (e.Message.Type == ConsoleType.Error) console.Problem($"console error: {e.Message.Text} at {e.Message.Location?.URL}");
        };
        page.PageError += (_, e) => console.Problem($"uncaught: {e.Message}");
        page.Dialog += async (_, e) =>
        {
            console.Problem($"dialog ({e.Dialog.DialogType}): {e.Dialog.Message}");
            await e.Dialog.Dismiss();
        };
        await page.GoToAsync(new Uri(gateway, "/console/").ToString());
        return console;
    }

    private void Problem(string text)
    {
        lock (_problems) _problems.Add(text);
    }

    /// <summary>Signs in through the page's form, as a person would: the key is typed, never put in a URL.</summary>
    public async Task SignInAsync(string key)
    {
        await WaitAsync("!document.getElementById('login').hidden", "the key form");
        await Page.TypeAsync("#key", key);
        await Page.ClickAsync("#login button[type=submit]");
        await WaitAsync("!document.getElementById('nav').hidden", "the console to open after the key");
    }

    /// <summary>Moves to a view by its hash (no reload), and waits until the view has been rendered.</summary>
    public async Task GoAsync(string hash, string view)
    {
        await Page.EvaluateFunctionAsync("h => { location.hash = h; }", hash);
        await WaitAsync($"document.getElementById('main').dataset.view === {JsonSerializer.Serialize(view)}", $"the {view} view");
    }

    /// <summary>Waits until a script expression is truthy in the page.</summary>
    public async Task WaitAsync(string expression, string what)
    {
        try
        {
            await Page.WaitForExpressionAsync(expression, new WaitForFunctionOptions { Timeout = (int)Patience.TotalMilliseconds, PollingInterval = 100 });
        }
        catch (WaitTaskTimeoutException)
        {
            var text = await Page.EvaluateExpressionAsync<string>("document.body.innerText");
            throw new TimeoutException($"waiting for {what} ({expression}); the page shows:\n{text}\nproblems: {string.Join("; ", Problems)}");
        }
    }

    public Task<T> EvalAsync<T>(string expression) => Page.EvaluateExpressionAsync<T>(expression);

    /// <summary>Saves the page as TestResults/console/{name}.png and returns the path.</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        var path = Path.Combine(ScreenshotFolder, name + ".png");
        await Page.ScreenshotAsync(path, new ScreenshotOptions { FullPage = true });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.CloseAsync();
        await _browser.DisposeAsync();
        Directory.Delete(_profile, recursive: true);
    }
}
