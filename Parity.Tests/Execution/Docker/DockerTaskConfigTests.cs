using Parity.Execution;
using Parity.Execution.Docker;
using Parity.Tasks;

namespace Parity.Tests.Execution.Docker;

public class DockerTaskConfigTests
{
    private static ParityTask Task(string? config, string? environmentConfig = null) => new()
    {
        Id = "t1",
        Type = TaskType.Docker,
        Config = config,
        Environment = environmentConfig is null ? null : new TaskEnvironment { Type = "docker", Config = environmentConfig },
    };

    [Fact]
    public void Parses_the_upstream_shape()
    {
        var config = DockerTaskConfig.Parse(Task(
            """{"image_name":"localtest/busybox:1","docker_image_url":"https://example.org/img.tar"}""",
            """{"workdir":"/tmp","command":["sh","-c","echo hi"],"env":["A=1","B=x=y"]}"""));

        Assert.Equal("localtest/busybox:1", config.ImageName);
        Assert.Equal(new Uri("https://example.org/img.tar"), config.ImageUrl);
        Assert.Equal("/tmp", config.WorkingDir);
        Assert.Equal(["sh", "-c", "echo hi"], config.Command);
        Assert.Equal(["A=1", "B=x=y"], config.Env);
        Assert.Equal("none", config.Network);
        Assert.Null(config.Cpus);
        Assert.Null(config.MemoryBytes);
    }

    [Fact]
    public void Parses_resources_network_and_timeout()
    {
        var config = DockerTaskConfig.Parse(Task(
            """{"image_name":"busybox","resources":{"cpu":"0.5","memory":"64m"},"network":"bridge","timeout_seconds":9,"image_digest":"sha256:""" + new string('a', 64) + "\"}"));

        Assert.Equal(0.5, config.Cpus);
        Assert.Equal(64L << 20, config.MemoryBytes);
        Assert.Equal("bridge", config.Network);
        Assert.Equal("sha256:" + new string('a', 64), config.ImageDigest);
        Assert.Equal(9, config.TimeoutSeconds);
        Assert.Empty(config.Command);
    }

    [Theory]
    [InlineData("busybox", "busybox", "latest")]
    [InlineData("busybox:1.36", "busybox", "1.36")]
    [InlineData("registry.local:5000/team/app", "registry.local:5000/team/app", "latest")]
    [InlineData("registry.local:5000/team/app:v2", "registry.local:5000/team/app", "v2")]
    [InlineData("localhost/app:dev", "localhost/app", "dev")]
    [InlineData("Registry.Example/app", "Registry.Example/app", "latest")]
    public void Pull_reference_splits_the_tag(string image, string repository, string tag)
    {
        var config = DockerTaskConfig.Parse(Task($$"""{"image_name":"{{image}}"}"""));
        Assert.Equal((repository, tag), config.PullReference());
    }

    [Theory]
    [InlineData("busybox", null)]
    [InlineData("team/app:1", null)]
    [InlineData("registry.local:5000/team/app", "registry.local")]
    [InlineData("169.254.169.254/x:1", "169.254.169.254")]
    [InlineData("10.0.0.1:5000/x", "10.0.0.1")]
    [InlineData("localhost/app:dev", "localhost")]
    [InlineData("myreg:5000/app", "myreg")]
    public void The_registry_host_is_found_as_the_engine_finds_it(string image, string? host) =>
        Assert.Equal(host, DockerTaskConfig.Parse(Task($$"""{"image_name":"{{image}}"}""")).RegistryHost());

    [Fact]
    public void A_docker_image_url_with_credentials_is_refused_without_echoing_them()
    {
        var error = Assert.Throws<TaskConfigException>(() =>
            DockerTaskConfig.Parse(Task("""{"image_name":"b","docker_image_url":"https://user:s3cret@example.org/i.tar"}""")));
        Assert.Equal("config.docker_image_url must not carry credentials (user:password@host): the runner fetches only public URLs", error.Message);
        var scheme = Assert.Throws<TaskConfigException>(() =>
            DockerTaskConfig.Parse(Task("""{"image_name":"b","docker_image_url":"ftp://user:s3cret@example.org/i.tar"}""")));
        Assert.DoesNotContain("s3cret", scheme.Message);
    }

    [Fact]
    public void An_image_by_cid_is_read_from_docker_image_cid_or_from_an_ipfs_gateway_url()
    {
        const string cid = "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR";
        var byField = DockerTaskConfig.Parse(Task($$"""{"image_name":"b","docker_image_cid":"{{cid}}"}"""));
        Assert.Equal(cid, byField.ImageCid!.ToString());
        Assert.Null(byField.ImageUrl);
        // Upstream's shape: its gateway's URL. The CID is kept and the URL's host is never contacted.
        var byUrl = DockerTaskConfig.Parse(Task($$"""{"image_name":"b","docker_image_url":"http://169.254.169.254/ipfs/{{cid}}"}"""));
        Assert.Equal(cid, byUrl.ImageCid!.ToString());
        Assert.Null(byUrl.ImageUrl);
    }

    [Theory]
    [InlineData("""{"image_name":"b","docker_image_cid":"Qm../../x"}""", "config.docker_image_cid 'Qm../../x' is not a CID: multibase prefix 'Q'")]
    [InlineData("""{"image_name":"b","docker_image_cid":"bafyreiaaaa"}""", "config.docker_image_cid 'bafyreiaaaa' is not a CID:")]
    [InlineData("""{"image_name":"b","docker_image_cid":"QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR","docker_image_url":"https://example.org/i.tar"}""", "config: give docker_image_url or docker_image_cid, not both")]
    public void A_bad_docker_image_cid_is_refused_naming_the_field(string config, string expected) =>
        Assert.StartsWith(expected, Assert.Throws<TaskConfigException>(() => DockerTaskConfig.Parse(Task(config))).Message);

    [Fact]
    public void Digest_references_pull_by_digest()
    {
        var image = "busybox@sha256:" + new string('a', 64);
        Assert.Equal((image, (string?)null), DockerTaskConfig.Parse(Task($$"""{"image_name":"{{image}}"}""")).PullReference());
    }

    [Theory]
    [InlineData(null, null, "config is required for docker tasks")]
    [InlineData("[1]", null, "config must be a JSON object")]
    [InlineData("{}", null, "config.image_name is required")]
    [InlineData("""{"image_name":5}""", null, "config.image_name must be a string")]
    [InlineData("""{"image_name":"Busy Box"}""", null, "config.image_name 'Busy Box' is not a valid image reference")]
    [InlineData("""{"image_name":"UPPER/case"}""", null, "config.image_name 'UPPER/case' is not a valid image reference")]
    [InlineData("""{"image_name":"b","docker_image_url":"ftp://x/y.tar"}""", null, "config.docker_image_url must be an http(s) URL")]
    [InlineData("""{"image_name":"b","resources":{"cpu":0}}""", null, "config.resources.cpu must be a number of CPUs of at least 0.01, got 0")]
    [InlineData("""{"image_name":"b","resources":{"memory":"lots"}}""", null, "config.resources.memory must be a size of at least 6m")]
    [InlineData("""{"image_name":"b","resources":{"memory":1024}}""", null, "config.resources.memory must be a size of at least 6m")]
    [InlineData("""{"image_name":"b","resources":[1]}""", null, "config.resources must be an object")]
    [InlineData("""{"image_name":"b","network":"no such"}""", null, "config.network must be a network name")]
    [InlineData("""{"image_name":"b","network":"host"}""", null, "config.network 'host' is never allowed: it would share the runner's own network")]
    [InlineData("""{"image_name":"b","network":"container:abc"}""", null, "config.network 'container:…' is never allowed")]
    [InlineData("""{"image_name":"b","image_digest":"abc"}""", null, "config.image_digest must be sha256:<64 lowercase hex> (the image ID), got 'abc'")]
    [InlineData("""{"image_name":"b","image_digest":"sha256:ABCDEF"}""", null, "config.image_digest must be sha256:<64 lowercase hex>")]
    [InlineData("""{"image_name":"b","image_digest":7}""", null, "config.image_digest must be a string")]
    [InlineData("""{"image_name":"b","timeout_seconds":-1}""", null, "config.timeout_seconds must be a positive integer, got -1")]
    [InlineData("""{"image_name":"b"}""", "\"x\"", "environment.config must be a JSON object")]
    [InlineData("""{"image_name":"b"}""", """{"command":"echo hi"}""", "environment.config.command must be an array of strings")]
    [InlineData("""{"image_name":"b"}""", """{"command":["echo",3]}""", "environment.config.command[1] must be a string")]
    [InlineData("""{"image_name":"b"}""", """{"env":["NOEQUALS"]}""", "environment.config.env[0] must look like NAME=value, got 'NOEQUALS'")]
    [InlineData("""{"image_name":"b"}""", """{"workdir":"relative/dir"}""", "environment.config.workdir must be an absolute path")]
    public void Invalid_configs_name_the_field(string? config, string? environmentConfig, string expected)
    {
        var error = Assert.Throws<TaskConfigException>(() => DockerTaskConfig.Parse(Task(config, environmentConfig)));
        Assert.StartsWith(expected, error.Message);
    }

    [Fact]
    public void The_task_validator_rejects_a_bad_docker_task_before_it_is_stored()
    {
        using var json = System.Text.Json.JsonDocument.Parse(
            """{"id":"d1","title":"t","type":"docker","config":{"image_name":"b"},"environment":{"type":"docker","config":{"command":"ls"}}}""");
        var error = Assert.Throws<TaskConfigException>(() => TaskValidator.Parse(json.RootElement, "payload", DateTimeOffset.UtcNow, TaskSource.Upstream));
        Assert.Equal("payload.environment.config.command must be an array of strings", error.Message);
    }
}
