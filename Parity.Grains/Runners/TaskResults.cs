using System.Security.Cryptography;
using System.Text;
using Parity.Execution;
using Parity.Tasks;

namespace Parity.Runners;

/// <summary>Maps an execution's outcome and captured output to the upstream result record, every field kept.</summary>
public static class TaskResults
{
    public static TaskResult Of(ParityTask task, int attempt, string runner, object? config, ExecutionOutcome outcome,
        ExecutionOutput captured)
    {
        var stdout = captured.Stdout.Text();
        var stderr = captured.Stderr.Text();
        var output = stdout.Length == 0 || stdout.EndsWith('\n') ? stdout + stderr : stdout + "\n" + stderr;
        var error = outcome.Error ?? "";
        var elapsed = outcome.Elapsed;
        return new TaskResult
        {
            Id = Guid.NewGuid().ToString(),
            TaskId = task.Id,
            DeviceId = runner,
            DeviceIdHash = Sha256Hex(runner),
            RunnerAddress = runner,
            SolverDeviceId = runner,
            Error = error,
            ExitCode = outcome.ExitCode,
            ExecutionTime = Math.Max(1, (long)Math.Ceiling(elapsed.TotalMilliseconds)),
            ResultHash = Sha256Hex(output + error + outcome.ExitCode),
            ImageHashVerified = outcome.ImageHash ?? "",
            CommandHashVerified = outcome.CommandHash ?? (config is ShellTaskConfig shell ? Sha256Hex(shell.Command) : ""),
            CreatedAt = DateTimeOffset.UtcNow,
            CpuSeconds = outcome.CpuSeconds,
            MemoryGbHours = outcome.MemoryGbHours ?? outcome.PeakMemoryBytes / (double)(1L << 30) * elapsed.TotalHours,
            NetworkDataGb = outcome.NetworkBytes / (double)(1L << 30),
            StorageGb = outcome.StorageBytes / (double)(1L << 30),
            Stdout = stdout,
            Stderr = stderr,
            StdoutTruncated = captured.Stdout.Truncated,
            StderrTruncated = captured.Stderr.Truncated,
            PeakMemoryBytes = outcome.PeakMemoryBytes,
            PromptTokens = outcome.PromptTokens,
            ResponseTokens = outcome.ResponseTokens,
            InferenceTimeMs = outcome.InferenceTimeMs,
            Usage = outcome.Usage,
            Runner = runner,
            Attempt = attempt,
        };
    }

    private static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
