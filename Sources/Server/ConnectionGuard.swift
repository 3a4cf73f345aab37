import NIOCore
import NIOHTTPTypes
import Synchronization

/// Open connections by client address, shared by every connection of one server: one address
/// (an IPv6 client by its /64, which one subscriber usually holds whole) may hold at most `limit`.
final class AddressConnections: Sendable {
    let limit: Int
    /// Addresses without a share of their own (a reverse proxy's): only the connection cap applies.
    let exempt: Set<String>
    private let counts = Mutex<[String: Int]>([:])

    init(limit: Int, exempt: Set<String> = []) {
        self.limit = limit
        self.exempt = exempt
    }

    /// Counts a new connection from `address`; false (nothing counted) when it already holds `limit`.
    func admit(_ address: String) -> Bool {
        counts.withLock { counts in
            let open = counts[address, default: 0]
            guard open < limit else { return false }
            counts[address] = open + 1
            return true
        }
    }

    func release(_ address: String) {
        counts.withLock { counts in
            let open = counts[address, default: 1] - 1
            counts[address] = open > 0 ? open : nil
        }
    }

    /// The client an address counts against: the IPv4 address (an IPv4-mapped IPv6 one too), the
    /// first 64 bits of an IPv6 one; nil for an exempt address (as written, e.g. `::1`, or as its
    /// IPv4 form) and for a Unix socket, which count against no share.
    func client(_ address: SocketAddress?) -> String? {
        let key: String
        switch address {
        case .v4(let v4): key = v4.host
        case .v6(let v6):
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            if bytes.prefix(10).allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
                key = bytes[12...].map(String.init).joined(separator: ".")
            } else {
                key = bytes.prefix(8).map { String($0, radix: 16) }.joined(separator: ":") + "::/64"
            }
        default: return nil
        }
        if exempt.contains(key) || address?.ipAddress.map(exempt.contains) == true { return nil }
        return key
    }
}

/// Guards each connection against clients that hold it without asking anything: a connection
/// beyond its address's share is closed at once, and one whose first request head is not
/// complete within `headTimeout` of opening is closed (slowloris). After a response, the next
/// head must be complete within `nextHeadTimeout` (the idle timeout: a keep-alive client that
/// waits keeps its connection as long as before, but trickling bytes no longer holds it for
/// ever). A response whose writing stalls (the client stops reading, the socket stays full) for
/// `nextHeadTimeout` closes the connection too: no other timer runs while a response is being
/// written. Sits after the HTTP decoder, so a head counts as complete when the decoder has parsed
/// all of it.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let headTimeout: TimeAmount
    let nextHeadTimeout: TimeAmount
    let addresses: AddressConnections
    private var started = false
    private var counted: String?
    private var deadline: Scheduled<Void>?
    private var stalled: Scheduled<Void>?
    /// Request heads read whose response has not ended (pipelined requests are read ahead).
    private var outstanding = 0

    init(headTimeout: TimeAmount, nextHeadTimeout: TimeAmount, addresses: AddressConnections) {
        self.headTimeout = headTimeout
        self.nextHeadTimeout = nextHeadTimeout
        self.addresses = addresses
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            outstanding += 1
            deadline?.cancel()
            deadline = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // The last response asked for is complete: the next request's head has its own deadline.
        if case .end = unwrapOutboundIn(data) {
            outstanding = max(0, outstanding - 1)
            if outstanding == 0 { arm(context, nextHeadTimeout) }
        }
        context.write(data, promise: promise)
    }

    /// The outbound buffer filled (the client is not reading) or drained again.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        stalled?.cancel()
        stalled = nil
        if !context.channel.isWritable {
            stalled = closing(context, after: nextHeadTimeout)
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { finish() }

    private func start(_ context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        if let client = addresses.client(context.channel.remoteAddress) {
            guard addresses.admit(client) else {
                context.close(promise: nil)
                return
            }
            counted = client
        }
        arm(context, headTimeout)
    }

    private func arm(_ context: ChannelHandlerContext, _ timeout: TimeAmount) {
        deadline?.cancel()
        deadline = closing(context, after: timeout)
    }

    /// Closes the connection after `timeout` unless cancelled.
    private func closing(_ context: ChannelHandlerContext, after timeout: TimeAmount) -> Scheduled<Void> {
        let channel = context.channel
        return context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    private func finish() {
        deadline?.cancel()
        deadline = nil
        stalled?.cancel()
        stalled = nil
        if let counted { addresses.release(counted) }
        counted = nil
    }
}
