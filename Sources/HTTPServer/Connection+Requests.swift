import HTTP1
import HTTPResponder
import HTTPTypes

/// Requests: parse what was read, answer each in order, hold the next while a response waits on
/// its gate, and record every response sent (metrics and the access log).
extension Connection {
    static var continueLine: [UInt8] { Array("HTTP/1.1 100 Continue\r\n\r\n".utf8) }

    func processInput() {
        var pausedAtHighWater: Bool
        repeat {
            pausedAtHighWater = false
            parsing: while !machine.closeAfterFlush && !machine.awaitingResponse {
                guard output.count < highWater else {
                    pausedAtHighWater = true
                    break
                }
                let event: RequestParser.Event
                do {
                    event = try parser.next()
                } catch {
                    writeError(error)
                    break
                }
                switch event {
                case .needMoreData:
                    break parsing
                case .continueExpected:
                    output.append { $0.append(contentsOf: Self.continueLine) }
                case .request(let request):
                    handle(request)
                }
            }
            machine.parserAdvanced(to: parser.phase, now: host.now)
            flush()
            // If the socket took everything, no EPOLLOUT will come to resume the requests that
            // are still buffered, so keep going here.
        } while pausedAtHighWater && !isClosed && output.count < highWater
    }

    private func handle(_ incoming: Request) {
        var request = incoming
        let started = MonotonicInstant.now()
        request.id = RequestIDGenerator.clientSupplied(request.headerFields[.requestID]) ?? host.nextRequestID()
        var response = host.context.responder.respond(to: request)
        guard let gate = response.gate else {
            send(response, to: request, started: started)
            return
        }
        response.gate = nil
        machine.responseDeferred()
        // Confined to the host: the closure only hands the connection back to its own thread.
        nonisolated(unsafe) let connection = self
        let host = self.host
        gate.whenOpen { [response, request] replacement in
            host.execute { connection.gateOpened(replacement ?? response, to: request, started: started) }
        }
    }

    /// A deferred response may go: write it, then answer the requests that queued behind it.
    private func gateOpened(_ response: Response, to request: Request, started: MonotonicInstant) {
        machine.deferredResponseReady()
        guard !isClosed else { return }
        send(response, to: request, started: started)
        processInput()
        updateInterest()
    }

    private func send(_ incoming: Response, to request: Request, started: MonotonicInstant) {
        var response = incoming
        let responderKeepAlive = !(response.headerFields[.connection]?.lowercased().contains("close") ?? false)
        let keepAlive = machine.requestCompleted(
            // An HTTP/1.0 client learns where a streamed body ends only from the close.
            clientKeepAlive: request.keepAlive && (response.stream == nil || request.version != .http1_0),
            responderKeepAlive: responderKeepAlive
        )
        if response.headerFields.contains(.requestID) {
            response.headerFields[.requestID] = request.id
        } else {
            response.headerFields.append(HTTPField(name: .requestID, value: request.id))
        }
        let framing = ResponseSerializer.Framing(
            date: host.date,
            keepAlive: keepAlive,
            requestVersion: request.version,
            omitBody: request.method == .head
        )
        let before = output.count
        if let body = response.stream {
            output.append {
                ResponseSerializer.writeHead(
                    status: response.status, headerFields: response.headerFields, framing: framing,
                    contentLength: nil, into: &$0)
            }
            if framing.omitBody || !ResponseSerializer.mayHaveBody(response.status) {
                body.cancel()
            } else {
                startStream(body, chunked: request.version != .http1_0)
            }
        } else {
            enqueue(response, framing: framing)
        }
        host.context.responded(
            to: request, response: response, bytes: output.count - before, started: started, peer: peer, host: host)
    }

    private func enqueue(_ response: Response, framing: ResponseSerializer.Framing) {
        if response.body.count >= 64 * 1024 && !framing.omitBody && ResponseSerializer.mayHaveBody(response.status) {
            output.append {
                ResponseSerializer.writeHead(
                    status: response.status, headerFields: response.headerFields, framing: framing,
                    contentLength: response.body.count, into: &$0)
            }
            output.appendShared(response.body)
        } else {
            output.append {
                ResponseSerializer.write(
                    status: response.status, headerFields: response.headerFields, body: response.body,
                    framing: framing, into: &$0)
            }
        }
    }

    /// Answers a request that could not be parsed (or timed out), once, then closes.
    func writeError(_ error: HTTPParseError) {
        machine.protocolError()
        var response = Response.problem(error.status, detail: error.detail)
        let requestID = host.nextRequestID()
        response.headerFields[.requestID] = requestID
        let framing = ResponseSerializer.Framing(
            date: host.date,
            keepAlive: false,
            requestVersion: .http1_1,
            omitBody: false
        )
        let before = output.count
        enqueue(response, framing: framing)
        host.context.refused(
            status: error.status, bytes: output.count - before, requestID: requestID, peer: peer, host: host)
    }
}
