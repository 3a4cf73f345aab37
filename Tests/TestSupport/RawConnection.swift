import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A raw TCP connection to the local server: what a hostile client can do that an HTTP client will not.
public final class RawConnection: @unchecked Sendable {
    let socket: Int32

    /// When the last `receive()` or `drain()` ended, read on the thread that did the reading: a
    /// test's clock after the `await` would also count the time the test waited to be resumed,
    /// which a loaded suite can stretch by a minute.
    public private(set) var finishedAt: ContinuousClock.Instant?

    /// The server closed (or reset) the connection, rather than the read timing out.
    public private(set) var closedByServer = false

    /// A connection to 127.0.0.1:`port`, from `source` (another loopback address, e.g. 127.0.0.2,
    /// to play a second client) when given.
    public init(port: Int, readTimeout: Int = 30, source: String? = nil, receiveBuffer: Int32? = nil) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var receiveBuffer {  // set before connecting, so the window is small from the start
            setsockopt(socket, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, socklen_t(MemoryLayout<Int32>.size))
        }
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        var timeout = timeval(tv_sec: readTimeout, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    private var open = true

    deinit { close() }

    /// Closes the connection (once).
    public func close() {
        if open { Glibc.close(socket) }
        open = false
    }

    public func send(_ text: String) {
        let bytes = Array(text.utf8)
        let fd = socket
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
    }

    /// What the server sends until it closes or 30 s pass; nil when nothing came. The
    /// blocking reads run on a thread of their own: on the concurrency pool they would starve
    /// the server under test of the threads its handlers need (and Dispatch's global queues
    /// have a thread per core too).
    public func receive() async -> String? {
        await withCheckedContinuation { done in
            Thread.detachNewThread {
                let received = self.receiveBlocking()
                self.finishedAt = ContinuousClock.now
                done.resume(returning: received)
            }
        }
    }

    /// Reads and discards everything until the server closes the connection or a read times
    /// out; returns the bytes read.
    public func drain() async -> Int {
        await withCheckedContinuation { done in
            Thread.detachNewThread {
                var total = 0
                var buffer = [UInt8](repeating: 0, count: 65_536)
                while true {
                    let fd = self.socket
                    let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 65_536, 0) }
                    if count == 0 || (count < 0 && errno == ECONNRESET) { self.closedByServer = true }
                    if count <= 0 { break }
                    total += count
                }
                self.finishedAt = ContinuousClock.now
                done.resume(returning: total)
            }
        }
    }

    func receiveBlocking() -> String? {
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let fd = socket
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 4096, 0) }
            // An orderly close, or a reset (the server closed with our bytes unread).
            if count == 0 || (count < 0 && errno == ECONNRESET) { closedByServer = true }
            if count <= 0 { break }
            received += buffer.prefix(count)
            if let text = String(bytes: received, encoding: .utf8), text.contains("\r\n\r\n"), text.contains("}") { break }
        }
        return received.isEmpty ? nil : String(decoding: received, as: UTF8.self)
    }
}
