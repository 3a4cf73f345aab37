import ArgumentParser
import FaceEngine
import Foundation
import Ledger

/// A failure a command reports as one line on standard error, with an exit code scripts can test:
/// 3 no face, 4 bad input (an image missing, corrupt, unsupported or too large; a malformed file; an
/// unknown id), 5 models missing or broken, 1 anything else.
enum CommandFailure: Error {
    case engine(FaceEngineError, subject: String?)
    case input(String)

    var exitCode: Int32 {
        switch self {
        case .engine(let error, _):
            switch error {
            case .noFace: 3
            case .undecodableImage, .unsupportedFormat, .imageTooLarge, .badArgument: 4
            case .modelLoadFailure: 5
            default: 1
            }
        case .input: 4
        }
    }

    var line: String {
        switch self {
        case .engine(let error, let subject?): "\(subject): \(error.message) [\(error.code)]"
        case .engine(let error, nil): "\(error.message) [\(error.code)]"
        case .input(let message): message
        }
    }
}

extension AsyncParsableCommand {
    /// Runs `body`; a ``CommandFailure`` becomes its line on standard error and its exit code.
    func reportingFailures(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("fastcert: \(failure.line)\n".utf8))
            throw ExitCode(failure.exitCode)
        } catch let error as LedgerError {
            FileHandle.standardError.write(Data("fastcert: \(error.message) [\(error.code.rawValue)]\n".utf8))
            throw ExitCode(4)
        } catch let error as StorageError {
            FileHandle.standardError.write(Data("fastcert: \(error.message) [\(error.code.rawValue)]\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// Prints a value as pretty JSON with sorted keys.
func printJSON<Value: Encodable>(_ value: Value) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
