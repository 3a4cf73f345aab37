import Foundation
import Ledger

/// One person's photos to enroll, from the command line or a batch.
struct EnrollmentJob: Sendable {
    /// The resident ID as written in the input (checked when the job runs, so one bad line is one
    /// reported failure, not a refused batch).
    var personText: String
    var photos: [String]
}

/// Reads a batch: a CSV file (`person_id,photo_path`, paths relative to the file's folder) or a
/// folder of `PERSON_ID/` subfolders holding that person's JPEG and PNG photos. Photos are grouped
/// per person, in input order (one enrollment per person, so their photos are checked together).
enum EnrollmentBatch {
    static let photoExtensions: Set<String> = ["jpg", "jpeg", "png"]

    static func read(_ path: String) throws(CommandFailure) -> [EnrollmentJob] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw .input("no batch file or folder at \(path)")
        }
        return isFolder.boolValue ? try folder(URL(filePath: path)) : try csv(URL(filePath: path))
    }

    static func folder(_ root: URL) throws(CommandFailure) -> [EnrollmentJob] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() } catch {
            throw .input("cannot list \(root.path)")
        }
        var jobs: [EnrollmentJob] = []
        for name in names where !name.hasPrefix(".") {
            var isFolder: ObjCBool = false
            let folder = root.appending(path: name)
            guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else { continue }
            let photos = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
                .filter { photoExtensions.contains(URL(filePath: $0).pathExtension.lowercased()) }
                .map { folder.appending(path: $0).path }
            jobs.append(EnrollmentJob(personText: name, photos: photos))
        }
        guard !jobs.isEmpty else { throw .input("\(root.path) holds no PERSON_ID/ folders (expected PERSON_ID/*.jpg)") }
        return jobs
    }

    static func csv(_ file: URL) throws(CommandFailure) -> [EnrollmentJob] {
        guard let data = FileManager.default.contents(atPath: file.path) else { throw .input("cannot read \(file.path)") }
        let base = file.deletingLastPathComponent()
        var order: [String] = []
        var photos: [String: [String]] = [:]
        for record in CSVReader(bytes: [UInt8](data)) {
            let fields = record.fields.map(\.trimmedASCIISpaces)
            if fields.allSatisfy(\.isEmpty) || fields.first?.hasPrefix("#") == true { continue }
            if record.line == 1 && fields.first?.lowercased().hasPrefix("person") == true { continue }  // the header
            guard fields.count == 2, !fields[0].isEmpty, !fields[1].isEmpty else {
                throw .input("\(file.lastPathComponent) line \(record.line): expected person_id,photo_path")
            }
            let photo = fields[1].hasPrefix("/") ? fields[1] : base.appending(path: fields[1]).path
            if photos[fields[0]] == nil { order.append(fields[0]) }
            photos[fields[0], default: []].append(photo)
        }
        guard !order.isEmpty else { throw .input("\(file.path) lists no photos (expected person_id,photo_path lines)") }
        return order.map { EnrollmentJob(personText: $0, photos: photos[$0]!) }
    }
}
