using System.Text;
using Microsoft.Extensions.Logging;
using Parity.Configuration;
using Parity.Storage;
using Parity.Tasks;

namespace Parity.Runners;

/// <summary>
/// Moves a result's long streams into this runner's <see cref="OutputStore"/>, so the task's record (and every copy
/// of it in grain storage) holds a bounded head and a reference instead of megabytes. Runs on the runner, before the
/// result is reported: the bytes cross no grain call.
/// </summary>
public sealed class LongOutputs(OutputStore store, RetentionOptions retention, ILogger<LongOutputs> logger)
{
    public OutputStore Store => store;

    public async Task<TaskResult> StoreAsync(TaskType type, TaskResult result, CancellationToken cancellation)
    {
        if (!TaskTypes.Of(type).StoresLongOutput) return result;
        var (stdout, stdoutFile) = await Keep(result, "stdout", result.Stdout, cancellation);
        var (stderr, stderrFile) = await Keep(result, "stderr", result.Stderr, cancellation);
        return result with { Stdout = stdout, StdoutFile = stdoutFile, Stderr = stderr, StderrFile = stderrFile };
    }

    private async Task<(string Head, OutputFile? File)> Keep(TaskResult result, string stream, string text, CancellationToken cancellation)
    {
        // Short text in UTF-16 is short in UTF-8 too (at most three bytes a char): most results skip the encoding.
        if (text.Length * 3L <= retention.InlineLimit) return (text, null);
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length <= retention.InlineLimit) return (text, null);
        try
        {
            var stored = await store.PutAsync(result.TaskId, result.Attempt, stream, bytes, cancellation);
            var file = new OutputFile
            {
                Cid = stored.Cid.ToString(),
                Bytes = stored.Bytes,
                Url = $"/api/v1/tasks/{Uri.EscapeDataString(result.TaskId)}/output/{stream}",
            };
            return (Head(bytes, retention.InlineLimit), file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A full or unwritable disk must not lose the result: it keeps the head, and says what was lost.
            logger.LogWarning(e, "Could not store the {Stream} of task {TaskId} in {Directory}", stream, result.TaskId, store.Root);
            return (Head(bytes, retention.InlineLimit) + $"\n[output cut to {retention.InlineLimit} bytes: the runner could not store the rest: {e.Message}]\n", null);
        }
    }

    /// <summary>The longest prefix of at most <paramref name="limit"/> bytes that ends on a whole UTF-8 character.</summary>
    public static string Head(ReadOnlySpan<byte> utf8, int limit)
    {
        if (utf8.Length <= limit) return Encoding.UTF8.GetString(utf8);
        var end = limit;
        // Step back over continuation bytes (10xxxxxx) to the start of the character the limit cuts.
        while (end > 0 && (utf8[end] & 0xC0) == 0x80) end--;
        return Encoding.UTF8.GetString(utf8[..end]);
    }
}
