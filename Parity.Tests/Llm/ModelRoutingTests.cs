using Parity.Llm;
using Parity.Runners;
using Parity.Tasks;

namespace Parity.Tests.Llm;

public sealed class ModelRoutingTests
{
    private static RunnerInfo Runner(string name, int used, int total, params (string Name, bool Loaded)[] models) => new()
    {
        Name = name,
        Status = RunnerStatus.Online,
        SlotsTotal = total,
        SlotsUsed = used,
        SlotsFree = total - used,
        Capabilities = new RunnerCapabilities
        {
            TaskTypes = [TaskType.Llm],
            Models = models.Select(m => new LlmModelInfo { Name = m.Name, Backend = "ollama", Loaded = m.Loaded }).ToList(),
        },
    };

    private static IReadOnlyList<string> Route(string model, params RunnerInfo[] runners) =>
        ModelRouting.Candidates(runners, model, r => r.SlotsFree);

    [Fact]
    public void Warm_runners_come_first_even_when_busier()
    {
        var cold = Runner("cold", used: 0, total: 4, ("qwen2.5:0.5b", false));
        var warm = Runner("warm", used: 3, total: 4, ("qwen2.5:0.5b", true));
        Assert.Equal(["warm", "cold"], Route("qwen2.5:0.5b", cold, warm));
    }

    [Fact]
    public void Among_equally_warm_runners_the_least_loaded_share_comes_first()
    {
        var half = Runner("half", used: 2, total: 4, ("m", true));
        var quarter = Runner("quarter", used: 2, total: 8, ("m", true));
        var idle = Runner("idle", used: 0, total: 1, ("m", true));
        Assert.Equal(["idle", "quarter", "half"], Route("m", half, quarter, idle));
    }

    [Fact]
    public void Full_offline_and_other_model_runners_are_left_out()
    {
        var full = Runner("full", used: 2, total: 2, ("m", true));
        var offline = Runner("offline", used: 0, total: 2, ("m", true)) with { Status = RunnerStatus.Offline };
        var other = Runner("other", used: 0, total: 2, ("n", true));
        var free = Runner("free", used: 1, total: 2, ("m", false));
        Assert.Equal(["free"], Route("m", full, offline, other, free));
        Assert.Equal(["full", "free"], ModelRouting.Serving([full, offline, other, free], "m").Select(r => r.Name));
    }

    [Fact]
    public void The_callers_count_of_free_slots_decides()
    {
        var a = Runner("a", used: 0, total: 2, ("m", true));
        var b = Runner("b", used: 0, total: 2, ("m", true));
        Assert.Equal(["b"], ModelRouting.Candidates([a, b], "m", r => r.Name == "a" ? 0 : 2));
    }

    [Fact]
    public void Names_resolve_through_tags()
    {
        var tagged = Runner("tagged", used: 0, total: 1, ("qwen2.5:0.5b", false));
        var latest = Runner("latest", used: 0, total: 1, ("llama3:latest", false));
        Assert.Equal(["tagged"], Route("qwen2.5", tagged, latest));
        Assert.Equal(["tagged"], Route("QWEN2.5:0.5B", tagged, latest));
        Assert.Empty(Route("qwen2.5:7b", tagged, latest));
        Assert.Equal(["latest"], Route("llama3", tagged, latest));
    }

    [Fact]
    public void A_bare_name_with_several_tags_and_no_latest_is_ambiguous()
    {
        var small = Runner("small", used: 0, total: 1, ("qwen2.5:0.5b", false));
        var big = Runner("big", used: 0, total: 1, ("qwen2.5:7b", false));
        Assert.Empty(Route("qwen2.5", small, big));
        Assert.Equal("model 'qwen2.5' is ambiguous: runners serve qwen2.5:0.5b, qwen2.5:7b; name one with its tag",
            ModelRouting.Ambiguity([small, big], "qwen2.5"));
        Assert.Null(ModelRouting.Ambiguity([small, big], "qwen2.5:7b"));
    }

    [Fact]
    public void Pullers_are_online_runners_that_can_pull_least_loaded_first()
    {
        RunnerInfo Puller(string name, int used, bool canPull, RunnerStatus status = RunnerStatus.Online) =>
            Runner(name, used, total: 4) with { Status = status, Capabilities = new RunnerCapabilities { CanPullModels = canPull } };
        Assert.Equal(["idle", "busy"], ModelRouting.Pullers([
            Puller("busy", 3, true), Puller("none", 0, false), Puller("gone", 0, true, RunnerStatus.Offline), Puller("idle", 0, true),
        ]));
    }
}
