import HTTP1
import HTTPResponder
import HTTPTypes

extension Response {
    /// A resource held encoded both ways, each with its own strong validator. `If-None-Match`
    /// naming either tag (weak comparison) gets a 304; otherwise `identity`, with `gzip` as the
    /// alternative `CompressionResponder` sends to clients that accept it. `fields` go on both
    /// answers, the content type only on the 200; they name neither validator nor type, so those
    /// are appended, not looked for first.
    static func representations(
        for request: Request, identity: [UInt8], gzip: [UInt8], etag: String, gzipETag: String, contentType: String,
        fields: HTTPFields
    ) -> Response {
        var response = Response(status: .ok, headerFields: fields)
        response.headerFields.append(HTTPField(name: .eTag, value: etag))
        if let tags = request.headerFields[.ifNoneMatch], EntityTag.matches(tags, any: [etag, gzipETag], weak: true) {
            response.status = .notModified
            response.gzipAlternative = GzipAlternative(body: [], etag: gzipETag)
            return response
        }
        response.headerFields.append(HTTPField(name: .contentType, value: contentType))
        response.body = identity
        response.gzipAlternative = GzipAlternative(body: gzip, etag: gzipETag)
        return response
    }
}
