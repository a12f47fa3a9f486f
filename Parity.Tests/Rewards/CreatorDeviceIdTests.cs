using System.Text.Json;
using System.Text.Json.Nodes;
using Parity.Tasks;

namespace Parity.Tests.Rewards;

/// <summary>A task's creator_device_id (whose stake pays its reward): kept as given, refused when it cannot be a device id.</summary>
public class CreatorDeviceIdTests
{
    private static ParityTask Parse(JsonNode? creatorDeviceId)
    {
        var body = new JsonObject { ["id"] = "t-1", ["type"] = "command", ["config"] = new JsonObject { ["command"] = "true" }, ["reward"] = 2.5 };
        if (creatorDeviceId is not null) body["creator_device_id"] = creatorDeviceId;
        using var document = JsonDocument.Parse(body.ToJsonString());
        return TaskValidator.Parse(document.RootElement, "task", DateTimeOffset.UtcNow, TaskSource.Api);
    }

    [Fact]
    public void It_is_kept_as_given_and_optional()
    {
        Assert.Equal("creator-device-1", Parse("creator-device-1").CreatorDeviceId);
        Assert.Null(Parse(null).CreatorDeviceId);
        Assert.Equal(2.5m, Parse(null).Reward);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" padded")]
    [InlineData("line\nbreak")]
    [InlineData("nul\u0000")]
    public void One_that_cannot_be_a_device_id_is_refused_naming_the_field(string value)
    {
        var error = Assert.Throws<TaskConfigException>(() => Parse(value));
        Assert.StartsWith("task.creator_device_id must be 1-128 characters", error.Message);
    }

    [Fact]
    public void One_too_long_or_not_a_string_is_refused()
    {
        Assert.StartsWith("task.creator_device_id must be 1-128", Assert.Throws<TaskConfigException>(() => Parse(new string('a', 129))).Message);
        Assert.StartsWith("task.creator_device_id", Assert.Throws<TaskConfigException>(() => Parse(42)).Message);
    }
}
