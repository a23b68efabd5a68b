import Hummingbird

/// A 422 with an RFC 9457 body listing every invalid field, shaped like Gridwork's.
struct UnprocessableRecord: HTTPResponseError {
    var problems: [FieldProblem]

    var status: HTTPResponse.Status { .unprocessableContent }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Problem(
            type: "about:blank",
            title: "Unprocessable Content",
            status: 422,
            detail: problems.count == 1 ? "One field is invalid." : "\(problems.count) fields are invalid.",
            errors: problems
        )
        var response = try context.responseEncoder.encode(body, from: request, context: context)
        response.status = status
        response.headers[.contentType] = "application/problem+json"
        return response
    }

    private struct Problem: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String
        var errors: [FieldProblem]
    }
}

/// One invalid field: a JSON pointer and what is wrong with it.
struct FieldProblem: Codable, Sendable {
    var field: String
    var message: String
}
