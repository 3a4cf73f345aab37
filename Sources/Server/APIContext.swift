import Hummingbird
import Ledger

/// The request context of every route: Hummingbird's core storage plus the authenticated
/// caller, set by ``RouteRegistrar`` before a route with roles runs (``Authenticator`` checks the key).
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller's key; nil before authentication and on public routes.
    public var caller: APIKey?

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// The authenticated caller (``RouteRegistrar`` guarantees one on routes with roles).
    func requireCaller() throws -> APIKey {
        guard let caller else { throw APIError(.unauthenticated, "send Authorization: Bearer <key>") }
        return caller
    }
}
