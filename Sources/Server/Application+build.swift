import Certification
import FaceEngine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Ledger
import Liveness
import Logging
import NIOCore
import ServiceLifecycle

/// What every route needs: the configuration, the stores, the face engine, the metrics, and the
/// certification services the routes call.
struct ServiceDependencies: Sendable {
    let configuration: ServerConfiguration
    let stores: Stores
    let engine: FaceEngine
    let metrics: ServiceMetrics
    let authenticator: Authenticator
    let verifier: VerificationService
    let enroller: Enroller
    /// Where the heavy reads run (``HeavyLane``).
    let heavyReads: HeavyLane
}

/// Wires the service: the router with every route of ``APIRoute/all``, the error and metrics
/// middleware, the HTTP server, and the long-lived work beside it (the duplicate-identity index,
/// filled from the sealed templates as a service of the application's group, so the first
/// enrollment does not wait for it), and `services` of the caller's (the notice sender).
/// `fastcert serve` only reads its configuration and runs this.
public func buildApplication(
    configuration: ServerConfiguration, stores: Stores, engine: FaceEngine, logger: Logger, services extra: [any Service] = []
) -> some ApplicationProtocol {
    let enroller = makeEnroller(configuration: configuration, stores: stores, engine: engine)
    let router = buildRouter(configuration: configuration, stores: stores, engine: engine, enroller: enroller)
    // Each connection gets its own guard: its address's share of connections, and its head deadline.
    // A share as large as the whole cap is no share: the cap alone applies (further connections
    // wait in the backlog rather than being closed).
    let perAddress = configuration.maxConnectionsPerAddress
    let addresses = AddressConnections(
        limit: perAddress < configuration.maxConnections ? perAddress : .max, exempt: Set(configuration.connectionShareExempt))
    let headTimeout = TimeAmount.milliseconds(Int64(configuration.headerTimeoutSeconds * 1000))
    let idleTimeout = TimeAmount.milliseconds(Int64(configuration.idleTimeoutSeconds * 1000))
    return Application(
        router: router,
        server: .http1(
            configuration: .init(
                additionalChannelHandlers: [
                    ConnectionGuard(headTimeout: headTimeout, nextHeadTimeout: idleTimeout, addresses: addresses)
                ],
                idleTimeout: idleTimeout)),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "fastcert",
            availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections)),
        services: [DuplicateIndexLoader(enroller: enroller, logger: logger) as any Service]
            + (configuration.dailySweep
                ? [
                    DailySweep(
                        daily: stores.daily, coordinator: stores.coordinator, hour: configuration.sweepHour, logger: logger,
                        retention: configuration.retention)
                ] : []) + extra,
        logger: logger)
}

/// The enroller of the configuration: its thresholds, and the cohort sample's size the cohort rule
/// was calibrated with (the verification service scores against the enroller's cohort).
public func makeEnroller(configuration: ServerConfiguration, stores: Stores, engine: FaceEngine) -> Enroller {
    Enroller(
        store: stores.enrollment, coordinator: stores.coordinator, engine: engine, matchThreshold: configuration.matchThreshold,
        duplicateThreshold: configuration.duplicateThreshold, passiveAttackBelow: configuration.enrollmentPassiveAttackBelow,
        cohortCapacity: configuration.cohort?.members ?? FaceCohort.defaultCapacity)
}

/// The router alone (tests drive it without a socket; `now` is the verification service's clock).
public func buildRouter(
    configuration: ServerConfiguration, stores: Stores, engine: FaceEngine, enroller: Enroller? = nil,
    now: @escaping @Sendable () -> Date = { Date() }
) -> Router<APIContext> {
    let metrics = ServiceMetrics { [engine] in
        [
            ("fastcert_engine_queue_depth", "Images waiting for a face-engine worker.", Double(engine.queueDepth)),
            ("fastcert_engine_active_workers", "Face-engine workers busy now.", Double(engine.activeWorkers)),
            ("fastcert_engine_workers", "Face-engine workers.", Double(engine.configuration.workers)),
        ]
    }
    var policy = VerificationService.Policy(
        matchThreshold: configuration.matchThreshold, lockout: configuration.lockout, allowMatchOnly: configuration.allowMatchOnly,
        sessionSeconds: configuration.livenessSessionSeconds)
    policy.deskPassiveAttackBelow = configuration.deskPassiveAttackBelow
    policy.fixedChallenges = configuration.fixedChallenges
    policy.cohort = configuration.cohort
    policy.sessionLimits = LivenessSessionLimits(
        perMinute: configuration.livenessSessionsPerMinute, open: configuration.openLivenessSessionsPerDevice,
        perKeyPerMinute: configuration.livenessSessionsPerKeyPerMinute)
    let enroller = enroller ?? makeEnroller(configuration: configuration, stores: stores, engine: engine)
    let dependencies = ServiceDependencies(
        configuration: configuration, stores: stores, engine: engine, metrics: metrics,
        authenticator: Authenticator(keys: stores.keys, windowSeconds: configuration.signatureWindowSeconds),
        verifier: VerificationService(
            store: stores.verification, coordinator: stores.coordinator, engine: engine, liveness: LivenessAnalyzer(engine: engine),
            policy: policy,
            cohort: enroller.cohort, now: now),
        enroller: enroller, heavyReads: HeavyLane(width: configuration.heavyReads, queue: configuration.heavyReadQueue))
    let router = Router(context: APIContext.self)
    router.add(middleware: ObservabilityMiddleware(metrics: metrics))
    let routes = RouteRegistrar(router: router, dependencies: dependencies)
    HealthRoutes(dependencies: dependencies).register(routes)
    PersonRoutes(dependencies: dependencies).register(routes)
    VerificationRoutes(dependencies: dependencies).register(routes)
    LedgerRoutes(dependencies: dependencies).register(routes)
    DecisionRoutes(dependencies: dependencies).register(routes)
    MoneyRoutes(dependencies: dependencies).register(routes)
    AuditRoutes(dependencies: dependencies).register(routes)
    SightingRoutes(dependencies: dependencies).register(routes)
    AppealRoutes(dependencies: dependencies).register(routes)
    PageRoutes().register(router)
    return router
}

/// Adds routes from ``APIRoute``: identifies the caller and checks their role from the headers,
/// then reads the body within the size limit and checks a signed request's signature, before the
/// handler runs.
struct RouteRegistrar {
    typealias Handler = @Sendable (Request, APIContext, ByteBuffer) async throws -> Response
    let router: Router<APIContext>
    let dependencies: ServiceDependencies

    func add(_ route: APIRoute, _ handler: @escaping Handler) {
        let limit = dependencies.configuration.maxBodyBytes
        let timeout = dependencies.configuration.requestTimeoutSeconds
        let bodyTimeout = dependencies.configuration.bodyTimeoutSeconds
        let authenticator = dependencies.authenticator
        router.on(RouterPath(stringLiteral: route.path), method: route.method) { incoming, incomingContext in
            let request = incoming
            var context = incomingContext
            // The caller first, from the headers: an unknown key or a role that may not call the route is
            // refused before the body is read (it is then discarded as it arrives, never buffered).
            var caller: APIKey?
            if let roles = route.roles {
                let key = try await authenticator.identify(request)
                guard roles.contains(key.role) else {
                    throw APIError(.forbiddenRole, "a \(key.role.rawValue) key cannot call \(route)")
                }
                caller = key
                context.caller = key
                context.logger[metadataKey: "key"] = "\(key.id)"
            }
            // A route that takes no body refuses one before reading a byte of it (what was sent is
            // then discarded as it arrives, never buffered): an anonymous GET cannot make the
            // service hold megabytes.
            let length = request.headers[.contentLength].flatMap(Int.init)
            if !route.takesBody, (length ?? 0) > 0 || request.headers[.transferEncoding] != nil {
                throw APIError(.bodyNotAllowed, "\(route) takes no request body; send none")
            }
            if let length, length > limit {
                throw APIError(.bodyTooLarge, "the body has \(length) bytes; the limit is \(limit)")
            }
            // The body within its deadline (a client trickling bytes holds a connection, not the service).
            let incomingBody = request
            let body = try await Deadline.run(
                seconds: bodyTimeout,
                onTimeout: APIError(.bodyTimeout, "the request body did not arrive within \(Int(bodyTimeout)) s; send it at once")
            ) {
                do {
                    var reading = incomingBody
                    return try await reading.collectBody(upTo: route.takesBody ? limit : 0)
                } catch {
                    throw APIError(.bodyTooLarge, "the body is over the limit of \(limit) bytes")
                }
            }
            if let caller, authenticator.mustVerify(request, key: caller) {
                try await authenticator.verifySignature(request, body: body, key: caller)
            }
            let (ready, readyContext) = (request, context)
            return try await Deadline.run(
                seconds: timeout,
                onTimeout: APIError(
                    .timeout, "the request took longer than \(Int(timeout)) s; retry later", headers: [.retryAfter: "5"])
            ) {
                try await handler(ready, readyContext, body)
            }
        }
    }
}
