using System.ComponentModel;
using System.Text.Json;
using Parity.Tasks;

namespace Parity.Gateway.Contracts;

/// <summary>
/// The body of <c>POST /api/v1/tasks</c> and of a webhook task, as the API documents it. The handlers parse the raw body
/// strictly (TaskValidator), so this type only describes it; the answer is the stored <see cref="ParityTask"/>.
/// </summary>
[Description("A task to run. POST /api/v1/tasks refuses any other field, naming it, and the fields the cluster sets " +
             "(status, created_at, updated_at, completed_at, runner, attempt, error, client_id); a webhook push ignores " +
             "fields it does not know and replaces those the cluster sets with its own values.")]
public sealed record TaskSubmission
{
    [Description("1-128 letters, digits, '-', '_', '.' or ':'; not starting with 'fl-'. Optional on POST /api/v1/tasks (a UUID is chosen), required in a webhook push.")]
    public string? Id { get; init; }
    [Description("At most 256 characters.")]
    public string? Title { get; init; }
    [Description("At most 8192 characters.")]
    public string? Description { get; init; }
    public required TaskType Type { get; init; }
    [Description("The type's settings, a JSON object: command {command, timeout_seconds, …}; docker {image, command, …}; llm {model, prompt | messages, max_tokens, …}; federated_learning (sessions create these).")]
    public required JsonElement Config { get; init; }
    public TaskEnvironment? Environment { get; init; }
    [Description("64 hex characters; chosen when absent.")]
    public string? Nonce { get; init; }
    [Description("Not negative. The reward in tokens the runner that completes it earns (GET /api/v1/rewards); absent or 0: the metered formula over the result's metrics.")]
    public decimal? Reward { get; init; }
    public string? CreatorAddress { get; init; }
    [Description("The creator's device id in the StakeWallet, whose stake pays the reward (1-128 characters). Absent: the reward is recorded and never paid.")]
    public string? CreatorDeviceId { get; init; }
}
