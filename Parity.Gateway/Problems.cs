using Microsoft.AspNetCore.WebUtilities;

namespace Parity.Gateway;

/// <summary>RFC 7807 problem responses with a detail that names what was wrong.</summary>
public static class Problems
{
    public static IResult BadRequest(string detail) => Make(StatusCodes.Status400BadRequest, "Bad request", detail);
    public static IResult NotFound(string detail) => Make(StatusCodes.Status404NotFound, "Not found", detail);
    public static IResult Conflict(string detail) => Make(StatusCodes.Status409Conflict, "Conflict", detail);
    /// <param name="extensions">Members a client reads instead of parsing the detail (e.g. the task's status).</param>
    public static IResult Conflict(string detail, IDictionary<string, object?> extensions) =>
        Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: detail, extensions: extensions);
    public static IResult Unauthorized(string detail) => Make(StatusCodes.Status401Unauthorized, "Unauthorized", detail);
    public static IResult Unprocessable(string detail) => Make(StatusCodes.Status422UnprocessableEntity, "Unprocessable", detail);
    public static IResult TooLarge(string detail) => Make(StatusCodes.Status413PayloadTooLarge, "Payload too large", detail);
    public static IResult RequestTimeout(string detail) => Make(StatusCodes.Status408RequestTimeout, "Request timeout", detail);
    /// <summary>Any status, titled with its standard reason phrase.</summary>
    public static IResult Status(int status, string detail) =>
        Make(status, ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error", detail);

    private static IResult Make(int status, string title, string detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail);
}
