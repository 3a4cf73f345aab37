import Certification
import Ledger
import Logging
import ServiceLifecycle

/// Fills the enrollment duplicate-identity index from the sealed templates when the service
/// starts (a city of 2,000,000 takes seconds), as a service of the application's group: it is
/// cancelled with the group, and after loading it waits for the group's shutdown (a service that
/// returned would stop the application). A failed load is logged and retried by the next enrollment.
struct DuplicateIndexLoader: Service {
    let enroller: Enroller
    let logger: Logger

    func run() async throws {
        let started = ContinuousClock.now
        do {
            let loaded = try await enroller.load()
            if loaded.unreadable > 0 {
                logger.error(
                    "enrolled templates the template key cannot open: the duplicate check cannot see them, verifications against them fail",
                    metadata: ["unreadable": "\(loaded.unreadable)"])
            }
            logger.info(
                "duplicate-identity index loaded",
                metadata: [
                    "templates": "\(loaded.templates)", "unreadable": "\(loaded.unreadable)",
                    "seconds": "\((ContinuousClock.now - started).components.seconds)",
                ])
        } catch {
            logger.error(
                "duplicate-identity index not loaded; it is retried at the next enrollment", metadata: ["error": "\(error)"])
        }
        try? await gracefulShutdown()
    }
}
