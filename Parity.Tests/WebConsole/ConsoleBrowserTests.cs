using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Tests.Federation;
using Parity.Tests.Support;

namespace Parity.Tests.WebConsole;

/// <summary>
/// The web console (issue 18 §2) in headless Chromium against a real three-silo cluster and its gateway: it signs in
/// with the API key through its form, every view renders what the API says without a console error, a running task's
/// status and output change on screen without a reload, a session's charts gain a point per round as the rounds
/// close, a file uploaded in the storage view is listed there by the gateway's list route, and a hostile title is shown
/// as text. One screenshot per view is kept under TestResults/console.
/// </summary>
public sealed class ConsoleBrowserTests(SharedFlCluster fixture) : IClassFixture<SharedFlCluster>
{
    private const string Hostile = "<img src=x onerror=alert(1)>";
    private FlSessionCluster Fl => fixture.Fl;
    private Uri Gateway => Fl.Gateway.Http.BaseAddress!;

    private static string Js(string value) => JsonSerializer.Serialize(value);

    private async Task<string> SubmitTask(string title, string command)
    {
        var body = new JsonObject { ["title"] = title, ["type"] = "command", ["config"] = new JsonObject { ["command"] = command } };
        var (status, created) = await Fl.Send(HttpMethod.Post, "/api/v1/tasks", body);
        Assert.True(status == HttpStatusCode.Created, $"submit: {(int)status} {created}");
        return created.GetProperty("id").GetString()!;
    }

    /// <summary>The status badge of a task's row in the list, or undefined while the row is not there.</summary>
    private static string RowStatus(string id) =>
        $"[...document.querySelectorAll('#tasks tr')].find(r => r.dataset.task === {Js(id)})?.querySelector('.status .badge')?.dataset.status";

    [Fact]
    public async Task Every_view_renders_what_the_api_says_without_a_console_error()
    {
        var done = await SubmitTask("console listing", "echo listed");
        await Fl.Cluster.WaitFor(done, t => t.Status == Parity.Tasks.TaskState.Completed, TimeSpan.FromSeconds(60), "completed");
        await using var browser = await ConsoleBrowser.OpenAsync(Gateway);
        await browser.WaitAsync("!document.getElementById('login').hidden", "the key form");
        await browser.ScreenshotAsync("login");
        await browser.SignInAsync(GatewayHost.ApiKey);

        // Runners: one row per runner the API lists, with its slots.
        var (_, runners) = await Fl.Send(HttpMethod.Get, "/api/v1/runners");
        var names = runners.EnumerateArray().Select(r => r.GetProperty("name").GetString()!).Order().ToList();
        await browser.GoAsync("#/runners", "runners");
        await browser.WaitAsync($"document.querySelectorAll('#runners tr[data-runner]').length === {names.Count}", "every runner");
        var shown = await browser.EvalAsync<string[]>("[...document.querySelectorAll('#runners tr[data-runner] td.name')].map(td => td.textContent)");
        Assert.Equal(names, shown.Order());
        Assert.Equal(3, names.Count);
        var slots = await browser.EvalAsync<string[]>("[...document.querySelectorAll('#runners tr[data-runner] td.slots')].map(td => td.textContent)");
        Assert.All(slots, s => Assert.Matches(@"^\d+/2 used$", s));
        await browser.ScreenshotAsync("runners");

        await browser.GoAsync("#/tasks", "tasks");
        await browser.WaitAsync($"{RowStatus(done)} === 'completed'", "the finished task in the list");
        await browser.ScreenshotAsync("tasks");

        await browser.GoAsync("#/models", "models");
        await browser.WaitAsync("document.querySelector('#models table') && document.querySelector('#usage table')", "models and usage");
        await browser.ScreenshotAsync("models");

        await browser.GoAsync("#/sessions", "sessions");
        await browser.WaitAsync("document.querySelector('#sessions table')", "the sessions");
        await browser.ScreenshotAsync("sessions");

        // Storage: a CID looked up shows what /api/v1/storage/info answers.
        await browser.GoAsync("#/storage", "storage");
        await browser.WaitAsync("document.querySelector('#uploads table')", "the storage view");
        await browser.Page.TypeAsync("#lookup-cid", Fl.IrisCid);
        await browser.Page.ClickAsync("#lookup button[type=submit]");
        await browser.WaitAsync($"document.querySelector('#lookup-result')?.textContent.includes({Js(Fl.IrisCid)})", "the CID's info");
        var (_, info) = await Fl.Send(HttpMethod.Get, $"/api/v1/storage/info/{Fl.IrisCid}");
        Assert.Contains($"blocks{info.GetProperty("blocks").GetInt32()}", await browser.EvalAsync<string>("document.querySelector('#lookup-result').textContent"));
        await browser.ScreenshotAsync("storage");

        Assert.Empty(browser.Problems);
        Assert.True(await browser.EvalAsync<bool>("document.getElementById('page-errors').hidden"));
        // The key went only into this tab's storage and the Authorization header, never into the address.
        Assert.DoesNotContain(GatewayHost.ApiKey, await browser.EvalAsync<string>("location.href"));
    }

    [Fact]
    public async Task A_file_uploaded_in_the_storage_view_is_listed_there_with_its_cid_and_name()
    {
        var name = $"console-upload-{Guid.NewGuid():N}.csv";
        var content = System.Text.Encoding.UTF8.GetBytes($"x,y\n1,{Guid.NewGuid()}\n");
        var path = Path.Combine(Path.GetTempPath(), name);
        await File.WriteAllBytesAsync(path, content);
        // The CID the upload must get, computed here as `ipfs add` would (the legacy profile, the form's default).
        var expected = (await Parity.Storage.UnixFsImporter.ImportAsync(new MemoryStream(content), Parity.Storage.ImportProfile.Legacy,
            new Parity.Storage.MemoryBlockstore())).Root.ToString();
        try
        {
            await using var browser = await ConsoleBrowser.OpenAsync(Gateway);
            await browser.SignInAsync(GatewayHost.ApiKey);
            await browser.GoAsync("#/storage", "storage");
            // What the list route holds already (the fixture's datasets) is on screen before the upload.
            await browser.WaitAsync($"[...document.querySelectorAll('#uploads tr')].some(r => r.dataset.cid === {Js(Fl.IrisCid)})", "the fixture's dataset");
            Assert.False(await browser.EvalAsync<bool>($"[...document.querySelectorAll('#uploads tr')].some(r => r.dataset.cid === {Js(expected)})"));

            var input = await browser.Page.QuerySelectorAsync("#upload-file");
            await input.UploadFileAsync(path);
            await browser.Page.ClickAsync("#upload button[type=submit]");
            await browser.WaitAsync($"document.querySelector('#upload .note').textContent === {Js("stored as " + expected)}", "the upload's answer");
            await browser.WaitAsync($"document.querySelector('#uploads tbody tr')?.dataset.cid === {Js(expected)}", "the new file first in the list");
            Assert.Equal(name, await browser.EvalAsync<string>("document.querySelector('#uploads tbody tr td.name').textContent"));
            Assert.Equal($"/ipfs/{expected}", await browser.EvalAsync<string>("document.querySelector('#uploads tbody tr td.id a').getAttribute('href')"));
            await browser.ScreenshotAsync("storage-files");

            // What the page shows is what the route says.
            var (_, listed) = await Fl.Send(HttpMethod.Get, "/api/v1/storage/files?limit=1");
            var first = listed.GetProperty("files")[0];
            Assert.Equal(expected, first.GetProperty("cid").GetString());
            Assert.Equal(name, first.GetProperty("name").GetString());
            Assert.Equal(content.Length, first.GetProperty("size").GetInt64());
            Assert.Empty(browser.Problems);
            Assert.True(await browser.EvalAsync<bool>("document.getElementById('page-errors').hidden"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_wrong_key_is_refused_and_kept_nowhere_and_forgetting_the_key_closes_the_console()
    {
        await using var browser = await ConsoleBrowser.OpenAsync(Gateway);
        await browser.WaitAsync("!document.getElementById('login').hidden", "the key form");
        await browser.Page.TypeAsync("#key", GatewayHost.ApiKey + "-wrong");
        await browser.Page.ClickAsync("#login button[type=submit]");
        await browser.WaitAsync("document.getElementById('login-error').textContent.includes('refused')", "the refusal");
        Assert.True(await browser.EvalAsync<bool>("document.getElementById('nav').hidden"));
        Assert.True(await browser.EvalAsync<bool>("sessionStorage.length === 0"));
        Assert.Equal("", await browser.EvalAsync<string>("document.getElementById('main').textContent"));
        // The only problem is the gateway's 401 itself, which the browser logs.
        Assert.All(browser.Problems, p => Assert.Contains("401", p));

        await browser.SignInAsync(GatewayHost.ApiKey);
        Assert.Equal(GatewayHost.ApiKey, await browser.EvalAsync<string>("sessionStorage.getItem('parity.apiKey')"));
        await browser.GoAsync("#/runners", "runners");
        await browser.WaitAsync("document.querySelectorAll('#runners tr[data-runner]').length > 0", "the runners");
        await browser.Page.ClickAsync("#sign-out");
        await browser.WaitAsync("!document.getElementById('login').hidden", "the key form again");
        Assert.True(await browser.EvalAsync<bool>("sessionStorage.getItem('parity.apiKey') === null"));
        Assert.Equal(0, await browser.EvalAsync<int>("document.querySelectorAll('#runners').length"));
    }

    [Fact]
    public async Task An_unknown_task_or_session_shows_the_gateways_answer()
    {
        await using var browser = await ConsoleBrowser.OpenAsync(Gateway);
        await browser.SignInAsync(GatewayHost.ApiKey);
        foreach (var (hash, view) in new[] { ("#/tasks/no-such-task", "task"), ("#/sessions/no-such-session", "session") })
        {
            await browser.GoAsync(hash, view);
            await browser.WaitAsync("document.querySelector('main .error')?.textContent.startsWith('404')", $"the 404 of {hash}");
            Assert.Contains(hash.Split('/')[^1], await browser.EvalAsync<string>("document.querySelector('main .error').textContent"));
        }
        // The browser logs each 404 it was answered; nothing else went wrong.
        Assert.NotEmpty(browser.Problems);
        Assert.All(browser.Problems, p => Assert.Contains("404", p));
    }

    [Fact]
    public async Task A_running_tasks_status_and_output_change_on_screen_without_a_reload()
    {
        await using var browser = await ConsoleBrowser.OpenAsync(Gateway);
        await browser.SignInAsync(GatewayHost.ApiKey);
        await browser.GoAsync("#/tasks", "tasks");
        // Set once in this document: a reload or a navigation to another page would lose it.
        await browser.EvalAsync<bool>("(window.sameDocument = true)");

        var id = await SubmitTask("console live", "echo started; sleep 60");
        await browser.WaitAsync($"{RowStatus(id)} === 'running'", "the task running in the list");

        await browser.GoAsync($"#/tasks/{id}", "task");
        await browser.WaitAsync("document.querySelector('[data-field=status] .badge')?.dataset.status === 'running' && " +
                                "document.getElementById('task-stdout').textContent.includes('started')", "the running task's output so far");
        await browser.ScreenshotAsync("task");

        var (cancelled, _) = await Fl.Send(HttpMethod.Post, $"/api/v1/tasks/{id}/cancel");
        Assert.Equal(HttpStatusCode.OK, cancelled);
        await browser.WaitAsync("document.querySelector('[data-field=status] .badge')?.dataset.status === 'cancelled'", "the cancelled status on the task's view");
        await browser.GoAsync("#/tasks", "tasks");
        await browser.WaitAsync($"{RowStatus(id)} === 'cancelled'", "the cancelled status in the list");

        Assert.True(await browser.EvalAsync<bool>("window.sameDocument === true"));
        Assert.Empty(browser.Problems);
    }

    [Fact]
    public async Task A_hostile_title_or_name_is_shown_as_text_and_never_runs()
    {
        var id = await SubmitTask(Hostile, "true");
        var session = Fl.IrisSession(rounds: 1);
        session["name"] = Hostile;
        var sessionId = await Fl.CreateAsync(session);

        await using var browser = await ConsoleBrowser.OpenAsync(Gateway);
        await browser.SignInAsync(GatewayHost.ApiKey);
        await browser.GoAsync("#/tasks", "tasks");
        await browser.WaitAsync($"{RowStatus(id)} !== undefined", "the task's row");
        Assert.Equal(Hostile, await browser.EvalAsync<string>(
            $"[...document.querySelectorAll('#tasks tr')].find(r => r.dataset.task === {Js(id)}).querySelector('.title').textContent"));
        Assert.Equal(0, await browser.EvalAsync<int>("document.querySelectorAll('img').length"));
        await browser.ScreenshotAsync("xss-tasks");

        await browser.GoAsync($"#/tasks/{id}", "task");
        await browser.WaitAsync("document.querySelector('[data-field=title]')?.textContent.length > 0", "the task's title");
        Assert.Equal(Hostile, await browser.EvalAsync<string>("document.querySelector('[data-field=title]').textContent"));

        await browser.GoAsync("#/sessions", "sessions");
        await browser.WaitAsync($"[...document.querySelectorAll('#sessions tr')].some(r => r.dataset.session === {Js(sessionId)})", "the session's row");
        Assert.Equal(Hostile, await browser.EvalAsync<string>(
            $"[...document.querySelectorAll('#sessions tr')].find(r => r.dataset.session === {Js(sessionId)}).querySelector('td.name').textContent"));
        Assert.Equal(0, await browser.EvalAsync<int>("document.querySelectorAll('img').length"));

        // No alert opened (a dialog would be among the problems), and nothing else went wrong.
        Assert.Empty(browser.Problems);
    }

    [Fact]
    public async Task A_sessions_charts_gain_a_point_per_round_as_the_rounds_close()
    {
        const int rounds = 3;
        var body = Fl.IrisSession(rounds);
        body["name"] = "console chart";
        var id = await Fl.CreateAsync(body);

        await using var browser = await ConsoleBrowser.OpenAsync(Gateway);
        await browser.SignInAsync(GatewayHost.ApiKey);
        await browser.GoAsync($"#/sessions/{id}", "session");
        await browser.WaitAsync("document.querySelector('#charts svg[aria-label=\"loss per round\"]')", "the empty charts");
        Assert.Equal("0", await browser.EvalAsync<string>("document.querySelector('#charts svg[aria-label=\"loss per round\"]').dataset.points"));
        // Every loss chart the page draws, in order, with the number of points it was drawn with.
        await browser.EvalAsync<bool>("""
            (() => {
              window.drawnPoints = [];
              new MutationObserver((records) => {
                for (const record of records)
                  for (const node of record.addedNodes)
                    if (node.getAttribute?.('aria-label') === 'loss per round') window.drawnPoints.push(Number(node.dataset.points));
              }).observe(document.getElementById('charts'), { childList: true });
              return true;
            })()
            """);

        await Fl.StartSessionAsync(id);
        await browser.WaitAsync("document.querySelector('[data-field=status] .badge')?.dataset.status === 'completed' && " +
                                $"document.querySelector('#charts svg[aria-label=\"loss per round\"]').dataset.points === '{rounds}'",
            "the completed session with all its rounds charted");

        // One point more per round, each drawn as its round closed: never two at once, never a reload.
        var drawn = await browser.EvalAsync<int[]>("window.drawnPoints");
        var charted = drawn.Where(n => n > 0).ToList();
        var steps = charted.Where((n, i) => i == 0 || n != charted[i - 1]);
        Assert.Equal(Enumerable.Range(1, rounds), steps);

        // The points are the session's own figures.
        var session = await Fl.Session(id);
        foreach (var (series, read) in new (string, Func<Parity.Federation.FlRoundMetrics, double?>)[]
                 {
                     ("train loss", m => m.TrainLoss), ("test loss", m => m.TestLoss),
                     ("train accuracy", m => m.TrainAccuracy), ("test accuracy", m => m.TestAccuracy),
                 })
        {
            var values = await browser.EvalAsync<double[]>(
                $"[...document.querySelectorAll('#charts circle')].filter(c => c.dataset.series === {Js(series)}).sort((a, b) => a.dataset.round - b.dataset.round).map(c => Number(c.dataset.value))");
            Assert.Equal(session.Rounds.Select(r => read(r.Metrics!)!.Value), values, (a, b) => Math.Abs(a - b) < 1e-9);
        }

        // Each participant with the state the session reports.
        var (_, raw) = await Fl.Send(HttpMethod.Get, $"/api/v1/federated-learning/sessions/{id}");
        foreach (var participant in raw.GetProperty("participants").EnumerateArray())
        {
            var runner = participant.GetProperty("runner").GetString()!;
            Assert.Equal(participant.GetProperty("state").GetString(), await browser.EvalAsync<string>(
                $"[...document.querySelectorAll('#participants tr')].find(r => r.dataset.participant === {Js(runner)}).querySelector('.badge').dataset.status"));
        }
        Assert.Equal(rounds, await browser.EvalAsync<int>("document.querySelectorAll('#rounds tr[data-round]').length"));
        await browser.ScreenshotAsync("session");
        Assert.Empty(browser.Problems);
    }
}
