using System.Net;
using System.Text.Json;
using Parity.Tasks;
using Parity.Tests.Support;

namespace Parity.Tests.Gateway;

/// <summary>
/// Through the real gateway on a cluster: Parity's own routes refuse fields they do not take and fields the server
/// sets; the upstream-shaped webhook takes the same bodies, ignoring what it does not know and never trusting what
/// the server owns.
/// </summary>
public sealed class RequestFieldTests(SharedCluster shared) : IClassFixture<SharedCluster>, IAsyncLifetime
{
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayHost.StartAsync(shared.Cluster.Client);
    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private async Task<(HttpStatusCode Status, string Detail)> Post(string path, string json, string? client = null)
    {
        var request = _gateway.Api(HttpMethod.Post, path, json);
        if (client is not null) request.Headers.Add("X-Client-ID", client);
        var response = await _gateway.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var detail = response.StatusCode == HttpStatusCode.BadRequest
            ? JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString()!
            : text;
        return (response.StatusCode, detail);
    }

    [Theory]
    [InlineData("\"created_at\":\"0001-01-02T00:00:00Z\"", "task.created_at is set by the server")]
    [InlineData("\"client_id\":\"victim\"", "task.client_id is set by the server from the X-Client-ID header")]
    [InlineData("\"status\":\"completed\"", "task.status is set by the server")]
    [InlineData("\"attempt\":7", "task.attempt is set by the server")]
    [InlineData("\"runner\":\"silo-x\"", "task.runner is set by the server")]
    [InlineData("\"options\":{\"max_tokens\":5}", "task.options is not a known field; the valid fields are id, title, description, type, config, environment, nonce, reward, creator_address, creator_device_id")]
    [InlineData("\"titel\":\"x\"", "task.titel is not a known field (did you mean title?)")]
    [InlineData("\"environment\":{\"type\":\"docker\",\"cfg\":{}}", "task.environment.cfg is not a known field")]
    public async Task The_task_route_refuses_server_owned_and_unknown_fields_naming_them(string field, string expected)
    {
        var id = Guid.NewGuid().ToString();
        var (status, detail) = await Post("/api/v1/tasks", $$"""{"id":"{{id}}","type":"command","config":{"command":"true"},{{field}}}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith(expected, detail);
        Assert.Null(await shared.Cluster.TaskGrain(id).Get());
    }

    [Theory]
    [InlineData("command", """{"command":"true","timeout":5}""", null, "task.config.timeout is not a known field; the valid fields are command, working_dir, environment, timeout_seconds")]
    [InlineData("command", """{"comand":"true"}""", null, "task.config.comand is not a known field (did you mean command?)")]
    [InlineData("docker", """{"image_name":"busybox","resources":{"cpus":1}}""", null, "task.config.resources.cpus is not a known field (did you mean cpu?)")]
    [InlineData("docker", """{"image_name":"busybox"}""", """{"workdir":"/","cmd":["ls"]}""", "task.environment.config.cmd is not a known field")]
    [InlineData("llm", """{"model":"m","prompt":"p","options":{"max_tokens":5}}""", null, "task.config.options is not a known field; the valid fields are model, prompt, messages, max_tokens")]
    [InlineData("llm", """{"model":"m","messages":[{"role":"user","content":"hi","name":"x"}]}""", null, "task.config.messages[0].name is not a known field")]
    [InlineData("federated_learning", """{"session_id":"s","sesion":"x"}""", null, "task.config.sesion is not a known field")]
    [InlineData("federated_learning", """{"session_id":"s","partition_config":{"strategy":"random","seeed":1}}""", null, "task.config.partition_config.seeed is not a known field (did you mean seed?); the valid fields are strategy, total_parts, part_index")]
    public async Task The_task_route_refuses_unknown_config_fields_per_type(string type, string config, string? environment, string expected)
    {
        var id = Guid.NewGuid().ToString();
        var env = environment is null ? "" : $$""","environment":{"type":"docker","config":{{environment}}}""";
        var (status, detail) = await Post("/api/v1/tasks", $$"""{"id":"{{id}}","type":"{{type}}","config":{{config}}{{env}}}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith(expected, detail);
        Assert.Null(await shared.Cluster.TaskGrain(id).Get());
    }

    [Fact]
    public async Task The_task_route_bills_the_client_of_the_header_never_the_body()
    {
        var (status, body) = await Post("/api/v1/tasks", """{"type":"command","config":{"command":"true"}}""", client: "lab-7");
        Assert.Equal(HttpStatusCode.Created, status);
        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
        Assert.Equal("lab-7", (await shared.Cluster.TaskGrain(id).Get())!.ClientId);

        var (bad, detail) = await Post("/api/v1/tasks", """{"type":"command","config":{"command":"true"}}""", client: "a b");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Contains("X-Client-ID", detail);
    }

    [Fact]
    public async Task A_webhook_push_ignores_unknown_fields_and_never_takes_the_server_owned_ones()
    {
        var id = Guid.NewGuid().ToString();
        var before = DateTimeOffset.UtcNow;
        // An upstream task object: its own fields (runner_id, image_hash), the server-owned ones set to lie, and an
        // unknown config field.
        var task = $$"""
            {"id":"{{id}}","title":"t","type":"command","config":{"command":"echo pushed","comand":"x","timeout":5},
             "environment":{"type":"docker","config":{},"extra":1},"nonce":"ab","status":"completed",
             "created_at":"0001-01-02T00:00:00Z","updated_at":"0001-01-02T00:00:00Z","completed_at":"0001-01-03T00:00:00Z",
             "options":{},"runner":"silo-x","attempt":9,"error":"planted","client_id":"victim","runner_id":"r-1","image_hash":"h"}
            """;
        var response = await _gateway.Http.SendAsync(GatewayHost.SignedWebhook(GatewayHost.Push(task)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var stored = (await shared.Cluster.TaskGrain(id).Get())!;
        Assert.InRange(stored.CreatedAt, before, DateTimeOffset.UtcNow);
        Assert.Null(stored.ClientId);
        Assert.NotEqual("planted", stored.Error);
        var finished = await shared.Cluster.WaitFinished(id);
        Assert.Equal(TaskState.Completed, finished.Status);
        Assert.Equal("pushed\n", (await shared.Cluster.TaskGrain(id).GetResult())!.Stdout);
        Assert.InRange(finished.CreatedAt, before, DateTimeOffset.UtcNow);
    }

    [Theory]
    [InlineData("\"options\":{\"max_tokens\":5}", "options is not a known field; the valid fields are model_name, prompt, messages, max_tokens, temperature, seed, stop, stream, id, creator_address")]
    [InlineData("\"max_token\":5", "max_token is not a known field (did you mean max_tokens?)")]
    [InlineData("\"client_id\":\"victim\"", "client_id is set by the server: the X-Client-ID header names the client")]
    [InlineData("\"creator\":\"victim\"", "creator is not a known field")]
    [InlineData("\"created_at\":\"0001-01-02T00:00:00Z\"", "created_at is set by the server")]
    public async Task The_prompt_route_refuses_unknown_and_server_owned_fields_and_bills_nobody(string field, string expected)
    {
        var id = Guid.NewGuid().ToString();
        var (status, detail) = await Post("/api/v1/llm/prompts",
            $$"""{"id":"{{id}}","model_name":"qwen2.5","prompt":"hi","max_tokens":4,{{field}}}""", client: "payer");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith(expected, detail);
        Assert.Null(await shared.Cluster.TaskGrain(id).Get());

        var usage = JsonDocument.Parse(await (await _gateway.Http.SendAsync(
            _gateway.Api(HttpMethod.Get, "/api/v1/llm/usage?client_id=victim"))).Content.ReadAsStringAsync()).RootElement;
        Assert.All(usage.GetProperty("clients").EnumerateArray(), c => Assert.Equal(0, c.GetProperty("prompts").GetInt64()));
    }

    [Theory]
    [InlineData("""{"name":"s","nmae":"x"}""", "nmae is not a known field (did you mean name?)")]
    [InlineData("""{"name":"s","status":"completed"}""", "status is set by the server")]
    [InlineData("""{"name":"s","training_data":{"dataset_cid":"x","split":"iid"}}""", "training_data.split is not a known field")]
    [InlineData("""{"name":"s","training_data":{"metadata":{"min_sample":5}}}""", "training_data.metadata.min_sample is not a known field (did you mean min_samples?)")]
    [InlineData("""{"name":"s","training_data":{"features":["a"]}}""", "training_data.features: choosing columns is not supported")]
    [InlineData("""{"name":"s","config":{"learning_rte":0.1}}""", "config.learning_rte is not a known field (did you mean learning_rate?)")]
    [InlineData("""{"name":"s","config":{"privacy_config":{"epsilon":1}}}""", "config.privacy_config.epsilon is not a known field")]
    [InlineData("""{"name":"s","config":{"client_selection":"random"}}""", "config.client_selection is not supported")]
    public async Task The_session_route_refuses_unknown_fields_naming_them(string json, string expected)
    {
        var (status, detail) = await Post("/api/v1/federated-learning/sessions", json);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith(expected, detail);
    }

    [Fact]
    public async Task The_session_route_takes_the_upstream_clients_empty_fields()
    {
        // The upstream client's body (UPSTREAM.md §7.1) with its unused fields empty gets past the field check to the
        // first real problem: the CID.
        var (status, detail) = await Post("/api/v1/federated-learning/sessions", """
            {"name":"req","description":"","model_type":"neural_network","total_rounds":3,"min_participants":2,"creator_address":"0x1",
             "training_data":{"dataset_cid":"not-a-cid","dataset_size":0,"data_format":"csv","features":[],"labels":[],
                              "split_strategy":"iid","metadata":{"alpha":0.5,"min_samples":50,"overlap_ratio":0.0}},
             "config":{"aggregation_method":"federated_averaging","learning_rate":0.01,"batch_size":32,"local_epochs":5,
                       "client_selection":"","model_config":{"hidden_size":8},
                       "privacy_config":{"differential_privacy":false,"noise_multiplier":0,"l2_norm_clip":0,"secure_aggregation":false}}}
            """);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("training_data.dataset_cid 'not-a-cid' is not a CID", detail);
    }

    [Fact]
    public async Task The_model_update_route_refuses_unknown_fields_and_takes_the_upstream_runners()
    {
        var (status, detail) = await Post("/api/v1/federated-learning/model-updates",
            """{"session_id":"s","round_id":"r","runner_id":"x","data_sise":5}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("data_sise is not a known field (did you mean data_size?)", detail);

        // The upstream runner's body passes the field check: the session is what is missing.
        var (known, _) = await Post("/api/v1/federated-learning/model-updates", """
            {"session_id":"no-such-session","round_id":"r","runner_id":"x","gradients":{"w":[1]},"weights":{"w":[1]},
             "update_type":"gradients","data_size":5,"loss":0.5,"accuracy":0.9,"training_time":1000,"metadata":{"submission_time":1}}
            """);
        Assert.Equal(HttpStatusCode.NotFound, known);
    }
}
