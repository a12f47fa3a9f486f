using Parity.Gateway;

namespace Parity.Tests.Gateway;

/// <summary>The rewording of ASP.NET's binding message; the routes' own 400s are in ApiTests.Bad_query_parameters_get_400.</summary>
public sealed class QueryBindingFailureTests
{
    [Theory]
    [InlineData("""Failed to bind parameter "Nullable<int> limit" from "ten".""", "limit must be an integer, got 'ten'")]
    [InlineData("""Failed to bind parameter "int offset" from "-".""", "offset must be an integer, got '-'")]
    [InlineData("""Failed to bind parameter "Nullable<long> since" from "x".""", "since could not be read from 'x'")]
    [InlineData("""Failed to bind parameter "bool all" from "maybe".""", "all could not be read from 'maybe'")]
    [InlineData("""Failed to bind parameter "Guid id" from "".""", "id could not be read from ''")]
    public void A_binding_failure_names_the_field_and_the_value(string message, string expected) =>
        Assert.Equal(expected, QueryBindingFailure.Describe(message));

    [Theory]
    [InlineData("Request body too large.")]
    [InlineData("""Failed to bind parameter "Nullable<int> limit" from "1" and more.""")]
    public void Any_other_message_is_kept_as_it_is(string message) =>
        Assert.Equal(message, QueryBindingFailure.Describe(message));
}
