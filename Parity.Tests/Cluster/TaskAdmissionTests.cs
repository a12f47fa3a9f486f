using Parity.Tasks;
using Parity.Tests.Support;

namespace Parity.Tests.Cluster;

/// <summary>
/// A silo's admissions under a burst: tasks submitted while a call to the queue is out go together in the next call,
/// each gets its own answer in order, and a failed call fails only the tasks it carried.
/// </summary>
public sealed class TaskAdmissionTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_lone_task_is_sent_at_once_and_those_arriving_meanwhile_share_the_next_call()
    {
        var queue = FakeQueue.Create();
        var admission = new TaskAdmission(queue.Factory);

        var first = admission.TryAdmit(Summary("t0"));
        await queue.WaitForCalls(1);
        var burst = Enumerable.Range(1, 5).Select(i => admission.TryAdmit(Summary($"t{i}"))).ToList();
        // Nothing more is sent while the first call is out.
        await Task.Delay(100);
        Assert.Equal(1, queue.Calls);
        Assert.Equal(["t0"], queue.Carried(0));

        queue.Answer(0, [true]);
        Assert.True(await first.WaitAsync(Limit));
        await queue.WaitForCalls(2);
        Assert.Equal(["t1", "t2", "t3", "t4", "t5"], queue.Carried(1));
        Assert.All(burst, t => Assert.False(t.IsCompleted));

        // The queue's answer for each task reaches that task's submitter: here the limit is reached after t3.
        queue.Answer(1, [true, true, true, false, false]);
        var answers = await Task.WhenAll(burst).WaitAsync(Limit);
        Assert.Equal([true, true, true, false, false], answers);
        Assert.Equal(2, queue.Calls);
    }

    [Fact]
    public async Task A_failed_call_fails_only_its_own_tasks_and_the_next_ones_are_still_sent()
    {
        var queue = FakeQueue.Create();
        var admission = new TaskAdmission(queue.Factory);

        var first = admission.TryAdmit(Summary("a"));
        await queue.WaitForCalls(1);
        var second = admission.TryAdmit(Summary("b"));
        queue.Fail(0, new TimeoutException("the queue's silo did not answer"));

        await Assert.ThrowsAsync<TimeoutException>(() => first.WaitAsync(Limit));
        await queue.WaitForCalls(2);
        Assert.Equal(["b"], queue.Carried(1));
        queue.Answer(1, [true]);
        Assert.True(await second.WaitAsync(Limit));
    }

    [Fact]
    public async Task An_answer_of_the_wrong_length_fails_its_tasks_instead_of_guessing()
    {
        var queue = FakeQueue.Create();
        var admission = new TaskAdmission(queue.Factory);

        var first = admission.TryAdmit(Summary("a"));
        await queue.WaitForCalls(1);
        queue.Answer(0, [true, true]);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => first.WaitAsync(Limit));
        Assert.Contains("2 admissions for 1 tasks", error.Message);
    }

    [Fact]
    public async Task A_burst_larger_than_a_batch_goes_in_several_calls_in_submission_order()
    {
        var queue = FakeQueue.Create();
        var admission = new TaskAdmission(queue.Factory);

        var first = admission.TryAdmit(Summary("first"));
        await queue.WaitForCalls(1);
        var burst = Enumerable.Range(0, TaskAdmission.MaxBatch + 3).Select(i => admission.TryAdmit(Summary($"b{i:D4}"))).ToList();
        queue.Answer(0, [true]);
        await first.WaitAsync(Limit);

        await queue.WaitForCalls(2);
        Assert.Equal(TaskAdmission.MaxBatch, queue.Carried(1).Count);
        queue.Answer(1, Enumerable.Repeat(true, TaskAdmission.MaxBatch).ToArray());
        await queue.WaitForCalls(3);
        Assert.Equal(["b0512", "b0513", "b0514"], queue.Carried(2));
        queue.Answer(2, [true, true, true]);
        Assert.All(await Task.WhenAll(burst).WaitAsync(Limit), Assert.True);
    }

    private static TaskSummary Summary(string id) => new()
    {
        Id = id,
        Type = TaskType.Command,
        Status = TaskState.Pending,
        CreatedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };

    /// <summary>A grain factory whose task queue answers each admission call when the test says so.</summary>
    public sealed class FakeQueue
    {
        private readonly HeldCalls<IReadOnlyList<TaskSummary>, bool[]> _calls = new("the queue was called");

        private FakeQueue() =>
            Factory = FakeGrainFactory.Handing(_ => FakeGrain.Of<ITaskQueueGrain>((method, args) => method == nameof(ITaskQueueGrain.TryAdmit)
                ? _calls.Hold(((IReadOnlyList<TaskSummary>)args[0]!).ToList())
                : throw new NotSupportedException(method)));

        public IGrainFactory Factory { get; }
        public int Calls => _calls.Count;

        public static FakeQueue Create() => new();

        public List<string> Carried(int call) => _calls[call].Select(t => t.Id).ToList();

        public void Answer(int call, bool[] admitted) => _calls.Answer(call, admitted);

        public void Fail(int call, Exception failure) => _calls.Fail(call, failure);

        public Task WaitForCalls(int count) => _calls.WaitFor(count);
    }
}
