import Foundation

/// The CSV of every photo not enrolled, and why: written row by row (nothing to lose on a crash).
final class EnrollmentReport: Sendable {
    let handle: FileHandle?

    init(path: String?) throws(CommandFailure) {
        guard let path else {
            handle = nil
            return
        }
        guard FileManager.default.createFile(atPath: path, contents: Data("person_id,photo_path,status,codes,reason\n".utf8)),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw .input("cannot write the report \(path)") }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    func row(_ person: String, _ path: String, status: String, codes: [String], reason: String) {
        guard let handle else { return }
        let fields = [person, path, status, codes.joined(separator: ";"), reason].map(Self.field)
        handle.write(Data((fields.joined(separator: ",") + "\n").utf8))
    }

    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    func close() { try? handle?.close() }
}
