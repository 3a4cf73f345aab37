import ArgumentParser

/// `fastcert face ...`: run the face engine on image files.
struct FaceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "face",
        abstract: "Analyse and compare face photos with the face engine.",
        subcommands: [FaceAnalyzeCommand.self, FaceCompareCommand.self, FaceBenchCommand.self]
    )
}
