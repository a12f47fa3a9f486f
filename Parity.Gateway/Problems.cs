namespace Parity.Gateway;

/// <summary>RFC 7807 problem responses with a detail that names what was wrong.</summary>
public static class Problems
{
    public static IResult BadRequest(string detail) => Make(StatusCodes.Status400BadRequest, "Bad request", detail);
    public static IResult NotFound(string detail) => Make(StatusCodes.Status404NotFound, "Not found", detail);
    public static IResult Conflict(string detail) => Make(StatusCodes.Status409Conflict, "Conflict", detail);
    public static IResult Unauthorized(string detail) => Make(StatusCodes.Status401Unauthorized, "Unauthorized", detail);
    public static IResult Unprocessable(string detail) => Make(StatusCodes.Status422UnprocessableEntity, "Unprocessable", detail);
    public static IResult TooLarge(string detail) => Make(StatusCodes.Status413PayloadTooLarge, "Payload too large", detail);

    private static IResult Make(int status, string title, string detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail);
}
