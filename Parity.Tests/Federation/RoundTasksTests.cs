using Parity.Federation;
using Parity.Tasks;

namespace Parity.Tests.Federation;

/// <summary>Round task ids name (session, round, part) and are read back only when they are exactly such a name.</summary>
public sealed class RoundTasksTests
{
    private const string GuidSession = "3f2b1c9e-7a41-4d0b-9a57-2f64c1e0b8d3";

    [Theory]
    [InlineData(GuidSession, 1, 0)]
    [InlineData(GuidSession, 10_000, 255)]
    [InlineData("x", 7, 3)]
    [InlineData("session-r2-p3", 4, 5)] // a session id that itself looks like a round suffix
    [InlineData("a-p1", 1, 1)]
    public void A_task_id_round_trips(string session, int round, int part)
    {
        var id = RoundTasks.TaskId(session, round, part);
        Assert.True(RoundTasks.TryParse(id, out var parsedSession, out var parsedRound, out var parsedPart), id);
        Assert.Equal((session, round, part), (parsedSession, parsedRound, parsedPart));
    }

    [Theory]
    [InlineData(GuidSession, 1, 0, 1)]
    [InlineData("a-p1-a2", 3, 2, 7)] // a session id that itself looks like an attempt suffix
    public void A_restarted_rounds_task_id_round_trips_and_differs_from_the_first_attempts(string session, int round, int part, int attempt)
    {
        var id = RoundTasks.TaskId(session, round, part, attempt);
        Assert.EndsWith($"-p{part}-a{attempt}", id);
        Assert.NotEqual(RoundTasks.TaskId(session, round, part), id);
        Assert.True(RoundTasks.TryParse(id, out var parsedSession, out var parsedRound, out var parsedPart), id);
        Assert.Equal((session, round, part), (parsedSession, parsedRound, parsedPart));
        // Attempt 0 is never written out, so "-a0" is not a name the sessions make.
        Assert.False(RoundTasks.TryParse(RoundTasks.TaskId(session, round, part) + "-a0", out _, out _, out _));
    }

    [Fact]
    public void Every_guid_sessions_ids_round_trip()
    {
        for (var i = 0; i < 200; i++)
        {
            var session = Guid.NewGuid().ToString();
            var (round, part) = (1 + i * 37 % 10_000, i % 256);
            var id = RoundTasks.TaskId(session, round, part);
            Assert.True(RoundTasks.TryParse(id, out var s, out var r, out var p), id);
            Assert.Equal((session, round, part), (s, r, p));
        }
    }

    [Fact]
    public void The_format_is_fixed()
    {
        Assert.Equal($"fl-{GuidSession}-r12-p3", RoundTasks.TaskId(GuidSession, 12, 3));
        Assert.Equal($"{GuidSession}:r12", RoundTasks.RoundId(GuidSession, 12));
    }

    [Theory]
    [InlineData("")]
    [InlineData("fl-")]
    [InlineData("fl")]
    [InlineData("task-1")]
    [InlineData("fl-x")]
    [InlineData("fl-x-r1")]
    [InlineData("fl-x-p1")]
    [InlineData("fl-x-rA-p1")]
    [InlineData("fl-x-r1-pB")]
    [InlineData("fl-x-r-p1")]
    [InlineData("fl-x-r1-p")]
    [InlineData("fl--r1-p1")]
    [InlineData("fl-x-r-1-p1")]
    [InlineData("fl-x-r1-p-1")]
    [InlineData("fl-x-r+1-p1")]
    [InlineData("fl-x-r1-p 1")]
    [InlineData("fl-x-r 1-p1")]
    [InlineData("fl-x-r99999999999-p1")]
    [InlineData("fl-x-r1-p99999999999")]
    [InlineData("FL-x-r1-p1")]
    [InlineData("xfl-x-r1-p1")]
    [InlineData("fl-x-p1-r1")]
    [InlineData("fl-x-r٣-p1")] // an Arabic-Indic digit
    [InlineData("fl-x-r01-p1")] // not the id the session would have made for round 1
    [InlineData("fl-x-r1-p01")]
    public void Ids_that_are_not_round_tasks_are_refused(string id) =>
        Assert.False(RoundTasks.TryParse(id, out _, out _, out _), id);

    [Fact]
    public void A_round_task_id_for_a_guid_session_is_a_valid_task_id()
    {
        Assert.True(TaskValidator.IsValidId(RoundTasks.TaskId(GuidSession, FlSessionRequest.MaxRounds, FlSessionRequest.MaxParticipants - 1)));
        Assert.True(TaskValidator.IsValidId(RoundTasks.TaskId(Guid.NewGuid().ToString(), 1, 0)));
        // The gateway's session ids are the same kind of name (its routes check them with IsValidId).
        Assert.True(TaskValidator.IsValidId(GuidSession));
    }
}
