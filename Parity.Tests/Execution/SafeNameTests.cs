using Parity.Execution;

namespace Parity.Tests.Execution;

/// <summary>
/// A task id becomes part of a cgroup directory and a container name: whatever the id, the name has only letters,
/// digits, '-' and '_' (no '/', '..' or NUL to walk out of the cgroup tree), is never empty and at most 64 characters.
/// </summary>
public sealed class SafeNameTests
{
    [Theory]
    [InlineData("task-1_A", "task-1_A")]
    [InlineData("../../etc", "______etc")]
    [InlineData("a/b\0c d", "a_b_c_d")]
    [InlineData("é", "_")]
    [InlineData("", "task")]
    public void Only_letters_digits_dash_and_underscore_remain(string id, string name) => Assert.Equal(name, SafeName.Of(id));

    [Fact]
    public void A_long_id_is_cut_to_64_characters()
    {
        Assert.Equal(new string('x', 64), SafeName.Of(new string('x', 64)));
        Assert.Equal(new string('x', 64), SafeName.Of(new string('x', 65)));
        Assert.Equal(new string('x', 63), SafeName.Of(new string('x', 63)));
    }
}
