import ArgumentParser

/// `fastcert`: the operator's command line for FastCert.
@main
struct FastCert: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fastcert",
        abstract: "FastCert: proof-of-life certification for pension recipients.",
        subcommands: [
            FaceCommand.self, EvalCommand.self, DatabaseCommand.self, UnitsCommand.self, PersonsCommand.self, PersonCommand.self,
            EvidenceCommand.self, LedgerCommand.self, AlertsCommand.self, TasksCommand.self, OutboxCommand.self,
            PayrollCommand.self, StatsCommand.self, SimulateCommand.self, DemoCommand.self, CalibrateCommand.self,
            EvalEnrollmentCommand.self, ServeCommand.self,
            KeysCommand.self,
            LivenessCommand.self,
            EnrollCommand.self, EnrollmentsCommand.self, ConflictsCommand.self, DecisionsCommand.self, RecoveriesCommand.self,
            RulesCommand.self,
            AuditCommand.self, SightingsCommand.self, AppealsCommand.self,
        ]
    )
}
