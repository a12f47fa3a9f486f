using System.Net;
using System.Text.Json;
using Parity.Tasks;
using Parity.Tests.Support;

namespace Parity.Tests.Gateway;

/// <summary>
/// Task ids that look valid to a careless pattern: a trailing newline ("abc\n", which "$" lets through as an id distinct
/// from "abc") and the URL dot segments "." and "..", which no client can address under /api/v1/tasks/{id}.
/// </summary>
public sealed class TaskIdTests(SharedCluster shared) : IClassFixture<SharedCluster>, IAsyncLifetime
{
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayHost.StartAsync(shared.Cluster.Client);
    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    public static TheoryData<string> BadIds => new() { "abc\n", "abc\r\n", "\nabc", ".", "..", "abc\u0000" };

    [Theory]
    [MemberData(nameof(BadIds))]
    public void The_validator_refuses_the_id_naming_it(string id)
    {
        Assert.False(TaskValidator.IsValidId(id));
        var json = JsonSerializer.Serialize(new { id, title = "t", type = "command", config = new { command = "true" } });
        using var document = JsonDocument.Parse(json);
        var error = Assert.Throws<TaskConfigException>(() => TaskValidator.Parse(document.RootElement, "task", DateTimeOffset.UtcNow, TaskSource.Api));
        Assert.StartsWith("task.id must", error.Message);
        // The message stays one line whatever the id holds.
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("a.b")]
    [InlineData("...")]
    [InlineData("x:1_2-3")]
    public void Ids_with_dots_that_are_not_dot_segments_stay_valid(string id) => Assert.True(TaskValidator.IsValidId(id));

    [Theory]
    [MemberData(nameof(BadIds))]
    public async Task The_api_refuses_the_id_with_a_400_naming_it(string id)
    {
        var json = JsonSerializer.Serialize(new { id, title = "t", type = "command", config = new { command = "true" } });
        using var response = await _gateway.Http.SendAsync(_gateway.Api(HttpMethod.Post, "/api/v1/tasks", json));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("task.id must", Detail(await response.Content.ReadAsStringAsync()));
    }

    [Theory]
    [MemberData(nameof(BadIds))]
    public async Task The_webhook_refuses_the_id_with_a_400_naming_it(string id)
    {
        var task = JsonSerializer.Serialize(new { id, title = "t", type = "command", config = new { command = "true" } });
        using var response = await _gateway.Http.SendAsync(GatewayHost.SignedWebhook(GatewayHost.Push(task)));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("payload.id must", Detail(await response.Content.ReadAsStringAsync()));
    }

    [Theory]
    [MemberData(nameof(BadIds))]
    public async Task A_prompt_with_such_an_id_is_refused_naming_it(string id)
    {
        var json = JsonSerializer.Serialize(new { id, model_name = "tiny", prompt = "hi" });
        using var response = await _gateway.Http.SendAsync(_gateway.Api(HttpMethod.Post, "/api/v1/llm/prompts", json));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = Detail(await response.Content.ReadAsStringAsync());
        Assert.StartsWith("id must", detail);
        Assert.DoesNotContain('\n', detail);
    }

    [Fact]
    public async Task Abc_with_a_newline_is_not_a_second_task_beside_abc()
    {
        var id = $"t{Guid.NewGuid():N}";
        var plain = JsonSerializer.Serialize(new { id, title = "t", type = "command", config = new { command = "true" } });
        using var first = await _gateway.Http.SendAsync(_gateway.Api(HttpMethod.Post, "/api/v1/tasks", plain));
        Assert.True(first.IsSuccessStatusCode, await first.Content.ReadAsStringAsync());
        var twin = JsonSerializer.Serialize(new { id = id + "\n", title = "t", type = "command", config = new { command = "true" } });
        using var second = await _gateway.Http.SendAsync(_gateway.Api(HttpMethod.Post, "/api/v1/tasks", twin));
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
    }

    private static string Detail(string problem) => JsonDocument.Parse(problem).RootElement.GetProperty("detail").GetString()!;
}
