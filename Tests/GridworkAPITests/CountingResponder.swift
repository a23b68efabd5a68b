import GridworkAPI
import HTTP1
import HTTPResponder
import HTTPTypes

/// Plays the server's part for in-process tests: tells the metrics of every response, after
/// every layer of the API has had its say, as `ServerConfiguration.observer` does in a server.
struct CountingResponder: Responder {
    let inner: any Responder
    let metrics: MetricsCollector

    func respond(to request: Request) -> Response {
        let started = ContinuousClock.now
        let response = inner.respond(to: request)
        metrics.responded(
            method: request.method.rawValue, path: request.path, route: response.route, status: response.status.code,
            duration: ContinuousClock.now - started)
        return response
    }
}
