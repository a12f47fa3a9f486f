using Parity.Network;
using Parity.Tasks;

namespace Parity.Tests.Network;

/// <summary>What a finished task owes the upstream server, in its TaskResult shape.</summary>
public sealed class UpstreamResultReportTests
{
    private static readonly ParityTask Finished = new()
    {
        Id = "t-1", Type = TaskType.Command, Status = TaskState.Completed, CompletedAt = DateTimeOffset.UnixEpoch,
        Upstream = new UpstreamOrigin { DeviceId = "d" },
    };

    [Fact]
    public void A_result_becomes_the_upstream_shape_with_stdout_then_stderr_as_output()
    {
        var report = UpstreamResultReport.For(Finished, new TaskResult
        {
            Stdout = "out\n", Stderr = "err\n", ExitCode = 3, ExecutionTime = 42, ResultHash = "h", CpuSeconds = 1.5, PromptTokens = null,
        }, "d")!;

        Assert.Equal("t-1", report.TaskId);
        Assert.Equal("d", report.DeviceId);
        Assert.Equal("out\nerr\n", report.Output);
        Assert.Equal(3, report.ExitCode);
        Assert.Equal(42, report.ExecutionTime);
        Assert.Equal("h", report.ResultHash);
        Assert.Equal(1.5, report.CpuSeconds);
        Assert.Null(report.PromptTokens);
    }

    [Fact]
    public void A_failure_without_a_run_reports_its_reason()
    {
        var report = UpstreamResultReport.For(Finished with { Status = TaskState.Failed, Error = "no runner could take it" }, null, "d")!;

        Assert.Equal("no runner could take it", report.Error);
        Assert.Equal(-1, report.ExitCode);
        Assert.Equal("", report.Output);
    }

    [Fact]
    public void A_cancelled_task_owes_no_report()
    {
        Assert.Null(UpstreamResultReport.For(Finished with { Status = TaskState.Cancelled }, null, "d"));
    }
}
