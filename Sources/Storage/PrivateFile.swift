import Foundation
import Ledger

#if canImport(Glibc)
    import Glibc
#endif

/// Files only their owner may read: created with `O_EXCL` and mode 0600, the mode set again with
/// `fchmod` (the umask cannot widen or narrow it), written in full and synced before they are used.
enum PrivateFile {
    /// Creates `path` (which must not exist) holding `contents`, mode 0600.
    static func create(_ path: String, contents: Data, what: String, code: StorageError.Code = .database) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure(what, path, code: code) }
        defer { close(descriptor) }
        guard fchmod(descriptor, 0o600) == 0 else { throw failure(what, path, code: code) }
        var written = 0
        while written < contents.count {
            let count = contents.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, contents.count - written) }
            guard count > 0 else { throw failure(what, path, code: code) }
            written += count
        }
        guard fsync(descriptor) == 0 else { throw failure(what, path, code: code) }
    }

    /// Creates an empty `path`, mode 0600, unless it exists (a database file before SQLite opens it).
    static func createEmptyIfMissing(_ path: String, what: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST { return }
            throw failure(what, path)
        }
        defer { close(descriptor) }
        guard fchmod(descriptor, 0o600) == 0 else { throw failure(what, path) }
    }

    /// Up to `limit` bytes of `path`, or nil when there is no such file; any other failure (permission,
    /// I/O, a folder) is an error naming the file.
    static func readIfExists(_ path: String, limit: Int, what: String, code: StorageError.Code) throws -> Data? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw StorageError(
                code,
                "cannot read \(what) \(path): \(String(cString: strerror(errno))); fix its permissions or restore it (it is never replaced)"
            )
        }
        defer { close(descriptor) }
        // A secret others can read is no longer a secret: refuse it rather than use it silently.
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw StorageError(code, "cannot read \(what) \(path): \(String(cString: strerror(errno)))")
        }
        guard status.st_mode & S_IFMT == S_IFREG else { throw StorageError(code, "\(what) \(path) is not a regular file") }
        guard status.st_mode & 0o077 == 0 else {
            throw StorageError(
                code,
                "\(what) \(path) may be read or written by others (mode \(String(status.st_mode & 0o777, radix: 8))): run chmod 600 \(path) as its owner, and consider the key exposed"
            )
        }
        var data = Data(count: limit)
        let count = data.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, limit) }
        guard count >= 0 else { throw StorageError(code, "cannot read \(what) \(path): \(String(cString: strerror(errno)))") }
        return data.prefix(count)
    }

    static func failure(_ what: String, _ path: String, code: StorageError.Code = .database) -> StorageError {
        StorageError(code, "cannot create \(what) \(path): \(String(cString: strerror(errno)))")
    }
}
