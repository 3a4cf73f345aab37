import Certification
import FaceEngine
import Foundation
import Ledger
import Liveness

extension ServerConfiguration {
    /// Refuses values that cannot work, naming the setting.
    public func validate() throws {
        if rules != nil {
            throw ConfigurationError(
                "the rules setting (--rules, FASTCERT_RULES, \"rules\" in the configuration file) is gone: the service decides under the "
                    + "rules in force in the database (fastcert rules show); change them with fastcert rules propose FILE --reason ... "
                    + "and a second operator's fastcert rules approve ID")
        }
        guard (0...65535).contains(port) else { throw ConfigurationError("port must be 0 to 65535 (got \(port))") }
        guard (1...64).contains(workers) else { throw ConfigurationError("workers must be 1 to 64 (got \(workers))") }
        guard (1...10_000).contains(engineQueue) else { throw ConfigurationError("engine queue must be 1 to 10000") }
        // At most four: GRDB's pool has five readers, and one must stay free for everything else.
        guard (1...4).contains(heavyReads), (0...1000).contains(heavyReadQueue) else {
            throw ConfigurationError("heavy reads must be 1 to 4, and the heavy read queue 0 to 1000")
        }
        guard (1024...(512 << 20)).contains(maxBodyBytes) else { throw ConfigurationError("max body bytes must be 1 KiB to 512 MiB") }
        guard maxPixels > 0 else { throw ConfigurationError("max pixels must be positive") }
        // Finite and at most a day: the answers print them as whole seconds (and infinity is no deadline).
        let timeouts = [requestTimeoutSeconds, bodyTimeoutSeconds, idleTimeoutSeconds, headerTimeoutSeconds]
        guard timeouts.allSatisfy({ $0 > 0 && $0 <= 86_400 }) else {
            throw ConfigurationError("the request, body, idle and header timeouts must be more than 0 and at most 86400 seconds")
        }
        guard (1...100_000).contains(maxConnections) else { throw ConfigurationError("max connections must be 1 to 100000") }
        guard (1...100_000).contains(maxConnectionsPerAddress) else {
            throw ConfigurationError("max connections per address must be 1 to 100000 (more than max connections means no cap of its own)")
        }
        guard (1...10_000).contains(livenessSessionsPerMinute), (1...1000).contains(openLivenessSessionsPerDevice),
            (1...1_000_000).contains(livenessSessionsPerKeyPerMinute)
        else {
            throw ConfigurationError(
                "liveness sessions per minute must be 1 to 10000, open sessions per device 1 to 1000, per key per minute 1 to 1000000")
        }
        guard maxFramePixels > 0, maxRequestPixels >= maxFramePixels else {
            throw ConfigurationError("max frame pixels must be positive, and max request pixels at least as many")
        }
        guard (0.1...1.5).contains(matchThreshold) else { throw ConfigurationError("the match threshold must be 0.1 to 1.5") }
        guard (0...1).contains(deskPassiveAttackBelow), (0...1).contains(enrollmentPassiveAttackBelow) else {
            throw ConfigurationError("the passive attack thresholds (desk, enrollment) must be 0 to 1")
        }
        let sighting = sightingPolicy
        guard sighting.confirmThreshold > 0, sighting.confirmThreshold <= matchThreshold else {
            throw ConfigurationError(
                "the sighting confirm threshold must be above 0 and at most the match threshold (\(matchThreshold)): an unattended still is never held to a laxer bar than a verification"
            )
        }
        guard sighting.otherFaceThreshold > sighting.confirmThreshold, sighting.otherFaceThreshold <= 2 else {
            throw ConfigurationError("the sighting other-face threshold must be above the confirm threshold and at most 2")
        }
        guard (0...1).contains(sightingPassiveAttackBelow) else {
            throw ConfigurationError("the sighting passive threshold must be 0 to 1")
        }
        guard (0.1...1.5).contains(duplicateThreshold) else { throw ConfigurationError("the duplicate threshold must be 0.1 to 1.5") }
        guard (1...20).contains(maxPhotosPerEnrollment) else { throw ConfigurationError("max photos per enrollment must be 1 to 20") }
        guard lockoutFailures >= 1, lockoutSeconds > 0 else { throw ConfigurationError("lockout settings must be positive") }
        guard (10...3600).contains(livenessSessionSeconds) else { throw ConfigurationError("liveness session seconds must be 10 to 3600") }
        guard signatureWindowSeconds >= 1 else { throw ConfigurationError("the signature window must be positive") }
        if !(0...23).contains(sweepHour) { throw ConfigurationError("the sweep hour must be 0 to 23 (got \(sweepHour))") }
        if (noticeWebhook == nil) != (noticeSecretFile == nil) {
            throw ConfigurationError(
                "the notice webhook and its secret file (FASTCERT_NOTICE_WEBHOOK, FASTCERT_NOTICE_SECRET_FILE) go together")
        }
        if !(1...50).contains(noticeMaxAttempts) {
            throw ConfigurationError("notice max attempts must be 1 to 50 (got \(noticeMaxAttempts))")
        }
        if let why = retention.belowFloor { throw ConfigurationError(why) }
        if let testChallenges {
            let names = testChallenges.split(separator: ",").map(String.init)
            guard (1...4).contains(names.count), names.allSatisfy({ LivenessChallenge(rawValue: $0) != nil }) else {
                throw ConfigurationError(
                    "FASTCERT_TEST_CHALLENGES must be 1 to 4 of \(LivenessChallenge.allCases.map(\.rawValue).joined(separator: ", ")), comma-separated"
                )
            }
        }
    }
}
