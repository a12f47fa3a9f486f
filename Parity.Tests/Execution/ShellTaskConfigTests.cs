using Parity.Tasks;
using Parity.Execution;

namespace Parity.Tests.Execution;

public sealed class ShellTaskConfigTests
{
    [Fact]
    public void Parses_every_field()
    {
        var config = ShellTaskConfig.Parse("""
            {"command": "echo hi", "working_dir": "src/app", "environment": {"A": "1", "_b2": "two"},
             "timeout_seconds": 42, "unknown_extra": [1, 2]}
            """);

        Assert.Equal("echo hi", config.Command);
        Assert.Equal("src/app", config.WorkingDir);
        Assert.Equal(new Dictionary<string, string> { ["A"] = "1", ["_b2"] = "two" }, config.Environment);
        Assert.Equal(42, config.TimeoutSeconds);
    }

    [Fact]
    public void Optional_fields_default_to_empty()
    {
        var config = ShellTaskConfig.Parse("""{"command": "true", "working_dir": null, "timeout_seconds": null}""");

        Assert.Equal("true", config.Command);
        Assert.Equal("", config.WorkingDir);
        Assert.Empty(config.Environment);
        Assert.Null(config.TimeoutSeconds);
    }

    [Theory]
    [InlineData(null, "config is required for command tasks")]
    [InlineData("", "config is required for command tasks")]
    [InlineData("null", "config is required for command tasks")]
    [InlineData("[]", "config must be a JSON object")]
    [InlineData("\"echo hi\"", "config must be a JSON object")]
    [InlineData("{not json", "config must be a JSON object")]
    [InlineData("{}", "config.command is required")]
    [InlineData("""{"command": null}""", "config.command is required")]
    [InlineData("""{"command": 5}""", "config.command must be a string")]
    [InlineData("""{"command": ["ls"]}""", "config.command must be a string")]
    [InlineData("""{"command": ""}""", "config.command must not be empty")]
    [InlineData("""{"command": "   "}""", "config.command must not be empty")]
    [InlineData("""{"command": "ls", "working_dir": "/etc"}""",
        "config.working_dir must be a relative path inside the task's directory, got '/etc'")]
    [InlineData("""{"command": "ls", "working_dir": ".."}""",
        "config.working_dir must be a relative path inside the task's directory, got '..'")]
    [InlineData("""{"command": "ls", "working_dir": "a/../../b"}""",
        "config.working_dir must be a relative path inside the task's directory, got 'a/../../b'")]
    [InlineData("""{"command": "ls", "working_dir": 3}""", "config.working_dir must be a string")]
    [InlineData("""{"command": "ls", "environment": ["A=1"]}""", "config.environment must be an object of strings")]
    [InlineData("""{"command": "ls", "environment": "A=1"}""", "config.environment must be an object of strings")]
    [InlineData("""{"command": "ls", "environment": {"BAD-NAME": "x"}}""",
        "config.environment: 'BAD-NAME' is not a valid variable name")]
    [InlineData("""{"command": "ls", "environment": {"1ABC": "x"}}""",
        "config.environment: '1ABC' is not a valid variable name")]
    [InlineData("""{"command": "ls", "environment": {"": "x"}}""",
        "config.environment: '' is not a valid variable name")]
    [InlineData("""{"command": "ls", "environment": {"X": 1}}""", "config.environment.X must be a string")]
    [InlineData("""{"command": "ls", "environment": {"X": null}}""", "config.environment.X must be a string")]
    [InlineData("""{"command": "ls", "timeout_seconds": -1}""", "config.timeout_seconds must be a positive integer, got -1")]
    [InlineData("""{"command": "ls", "timeout_seconds": 0}""", "config.timeout_seconds must be a positive integer, got 0")]
    [InlineData("""{"command": "ls", "timeout_seconds": 1.5}""", "config.timeout_seconds must be a positive integer, got 1.5")]
    [InlineData("""{"command": "ls", "timeout_seconds": "10"}""", "config.timeout_seconds must be a positive integer, got \"10\"")]
    [InlineData("""{"command": "ls", "timeout_seconds": 99999999999}""",
        "config.timeout_seconds must be a positive integer, got 99999999999")]
    public void Rejects_invalid_config_naming_the_field(string? json, string expected)
    {
        var error = Assert.Throws<TaskConfigException>(() => ShellTaskConfig.Parse(json));
        Assert.StartsWith(expected, error.Message);
    }

    [Fact]
    public void Rejects_overlong_command()
    {
        var json = $$"""{"command": "{{new string('x', ShellTaskConfig.MaxCommandLength + 1)}}"}""";

        var error = Assert.Throws<TaskConfigException>(() => ShellTaskConfig.Parse(json));
        Assert.Equal("config.command exceeds 65536 characters", error.Message);
    }

    [Fact]
    public void Accepts_command_of_exactly_the_maximum_length()
    {
        var json = $$"""{"command": "{{new string('x', ShellTaskConfig.MaxCommandLength)}}"}""";

        Assert.Equal(ShellTaskConfig.MaxCommandLength, ShellTaskConfig.Parse(json).Command.Length);
    }

    [Theory]
    [InlineData("sub")]
    [InlineData("a/b/c")]
    [InlineData("./x")]
    [InlineData("a..b")]
    public void Accepts_relative_working_dirs(string dir)
    {
        var config = ShellTaskConfig.Parse($$"""{"command": "ls", "working_dir": "{{dir}}"}""");

        Assert.Equal(dir, config.WorkingDir);
    }
}
