import ArgumentParser
import Foundation
import Ledger

/// `fastcert persons import FILE [--strict] [--today DATE]`
struct PersonsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "persons", abstract: "Pension recipients.", subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import persons from CSV.",
            discussion: """
                Header: resident_id,name,birth_date,unit_code,benefit_level,monthly_amount,phone,wechat_id,lives_alone,immobile \
                (enrolled_on optional). Each person enters the ledger active, with the service period of their benefit level \
                counted from enrolled_on (default: today). Bad rows are reported by line and skipped; the rest are committed. \
                Each person records who entered them (the key's holder, or this machine's account without a key) and when; \
                an operator key imports only into communities of its unit.
                """)

        @Argument(help: ArgumentHelp("The CSV file.", valueName: "file")) var file: String
        @Flag(help: "All or nothing: write no row if any row is bad.") var strict = false
        @Option(help: ArgumentHelp("Enrolment day for rows without enrolled_on (default: today).", valueName: "YYYY-MM-DD"))
        var today: String?
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var key: KeyOptions

        func run() async throws {
            try await reportingFailures {
                let store = try ledger.open()
                let acting = try await key.acting(store, roles: [.operator], to: "import persons")
                let day = try parseDay(today, option: "--today")
                try finish(
                    try await store.registry.importPersons(
                        CSVReader(bytes: try readInput(file)), strict: strict, today: day, by: acting.actor, scope: acting.scope),
                    what: "persons")
            }
        }
    }
}

/// `fastcert person show ID [--json]`
struct PersonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "person", abstract: "One person's ledger.", subcommands: [Show.self, Export.self, ConsentCommand.self])

    /// `fastcert person export ID`: a subject-access request's answer.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A person's whole record as JSON, for a subject-access request (docs/privacy.md).",
            discussion: """
                The person's row and, from every table with a person column, that person's rows only (ledger events, \
                evidence with its payload, decisions, tasks, notices, attempts, appeals, consent, sightings, payroll lines...). \
                Never face templates nor anything computed from images; binary values are withheld; other persons' resident IDs \
                in any text are masked. An operator key exports only persons of its unit; an auditor key any person.
                """)
        @Argument(help: ArgumentHelp("The person's resident ID.", valueName: "id")) var id: String
        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var key: KeyOptions

        func run() async throws {
            try await reportingFailures {
                let stores = try ledger.open()
                let acting = try await key.acting(stores, roles: [.operator, .auditor], to: "export a person's record")
                guard let privacy = stores.privacy else { throw CommandFailure.input("this ledger keeps no such record") }
                let data = try await privacy.export(person: try parseResidentID(id), scope: acting.scope)
                print(String(decoding: data, as: UTF8.self))
            }
        }
    }

    /// `fastcert person consent withdraw ID --reason TEXT`
    struct ConsentCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "consent", abstract: "Consent to the processing of a person's face.", subcommands: [Show.self, Withdraw.self])

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The consents recorded for a person.")
            @Argument(help: ArgumentHelp("The person's resident ID.", valueName: "id")) var id: String
            @OptionGroup var ledger: LedgerOptions

            func run() async throws {
                try await reportingFailures {
                    guard let privacy = try ledger.open().privacy else { throw CommandFailure.input("this ledger keeps no consent") }
                    let consents = try await privacy.consents(of: try parseResidentID(id))
                    for c in consents {
                        var line = "consent \(c.id)  given \(c.givenOn) by \(c.givenBy.rawValue)"
                        if let guardian = c.guardianName { line += " (\(guardian))" }
                        line += "  purpose: \(c.purpose)  recorded by \(c.recordedBy)"
                        if let withdrawn = c.withdrawnOn {
                            line += "  withdrawn \(withdrawn) by \(c.withdrawnBy ?? "?"): \(c.withdrawalReason ?? "")"
                        }
                        print(line)
                    }
                    print("\(consents.count) consent(s)")
                }
            }
        }

        struct Withdraw: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Record a withdrawal of consent: the person's face template is deleted at once.",
                discussion: """
                    The person then certifies by the other channels (a counter, a home visit, departments' evidence); a face \
                    verification answers not_enrolled_consent_withdrawn. A new enrollment (with consent) enrolls them again. \
                    Needs a named operator's key; an operator key reaches only persons of its unit.
                    """)
            @Argument(help: ArgumentHelp("The person's resident ID.", valueName: "id")) var id: String
            @Option(help: "Why (as the person or their guardian said it).") var reason: String
            @OptionGroup var ledger: LedgerOptions
            @OptionGroup var key: KeyOptions

            func run() async throws {
                try await reportingFailures {
                    let stores = try ledger.open()
                    let acting = try await key.acting(stores, roles: [.operator], to: "record a withdrawal of consent")
                    guard let privacy = stores.privacy else { throw CommandFailure.input("this ledger keeps no consent") }
                    let person = try parseResidentID(id)
                    let deleted = try await privacy.withdrawConsent(
                        person: person, reason: reason, on: ServiceClock.today(), by: acting.actor, scope: acting.scope)
                    print("consent of \(person.value) withdrawn; \(deleted ? "face template deleted" : "no face template was enrolled")")
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "State, deadline, and the timeline of evidence and state changes with their causes.")

        @Argument(help: ArgumentHelp("The person's resident ID.", valueName: "id")) var id: String
        @OptionGroup var ledger: LedgerOptions

        func run() async throws {
            try await reportingFailures {
                let residentID: ResidentID
                do throws(LedgerError) {
                    residentID = try ResidentID(id)
                } catch {
                    throw CommandFailure.input(error.message)
                }
                guard let view = try await ledger.open().queries.person(residentID) else {
                    throw CommandFailure.input("no person \(residentID) in the ledger")
                }
                let l = view.ledger
                print(
                    "\(view.id.value)  \(view.name)  unit \(view.unitCode)  level \(view.benefitLevel)  \(String(format: "%.2f", Double(view.monthlyAmountFen) / 100)) yuan/month"
                )
                print(
                    "status \(l.status.rawValue), deadline \(l.deadline), service period \(l.servicePeriodMonths) months, last certified \(l.lastCertified?.description ?? "never")"
                )
                if let death = l.deathDay { print("died \(death)") }
                if let suspended = l.suspendedOn { print("suspended since \(suspended)") }
                print(
                    view.enteredBy.map { "entered \(view.enteredAt ?? "?") by \($0)" }
                        ?? "entered by: not recorded (entered before v25-person-entry)")
                for entry in view.timeline {
                    print(
                        "  \(entry.day)  \(entry.kind.padding(toLength: 14, withPad: " ", startingAt: 0))  \(entry.detail)\(provenance(entry))\(entry.rulesVersion.map { "  [rules v\($0)]" } ?? "")"
                    )
                }
            }
        }
    }
}

/// A resident ID typed on the command line.
func parseResidentID(_ text: String) throws -> ResidentID {
    do throws(LedgerError) {
        return try ResidentID(text)
    } catch {
        throw CommandFailure.input(error.message)
    }
}

/// Who recorded a timeline entry and when: `[recorded AT by WHO]`, or `[by WHO]` for entries
/// dated only by day.
func provenance(_ entry: PersonView.Entry) -> String {
    switch (entry.recordedAt, entry.actor) {
    case (let at?, let actor): "  [recorded \(at) by \(actor ?? "unknown")]"
    case (nil, let actor?): "  [by \(actor)]"
    case (nil, nil): ""
    }
}
