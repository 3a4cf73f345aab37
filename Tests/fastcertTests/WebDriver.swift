import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import TestSupport

/// A small W3C WebDriver client for Debian's `chromedriver` driving headless `chromium`: enough to
/// open pages, type, click, read text and run a script, as a person's browser would.
final class WebDriver: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let chromium = "/usr/bin/chromium"
    static let chromedriver = "/usr/bin/chromedriver"
    static let elementKey = "element-6066-11e4-a52e-4f735466cecf"

    let driver: Subprocess
    let base: URL
    let session: String
    let log: URL

    /// Starts chromedriver on a free port and a headless Chromium session with `arguments` added.
    init(folder: URL, arguments: [String] = []) async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.chromium), FileManager.default.isExecutableFile(atPath: Self.chromedriver)
        else {
            throw Failure(description: "chromium and chromium-driver are needed (scripts/setup.sh installs them)")
        }
        let port = try Self.freePort()
        log = folder.appending(path: "chromedriver-\(port).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = URL(filePath: Self.chromedriver)
        process.arguments = ["--port=\(port)"]
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = process.standardOutput
        driver = try await Subprocess.start(process)
        // Chromium is chromedriver's child, not ours: it gets its own parent-death signal through a
        // wrapper, so a killed driver takes its browser along. (chromedriver starts the browser
        // from the session's thread, which lives until the session ends.)
        let browser = folder.appending(path: "chromium-\(port)")
        try Data("#!/bin/sh\nexec \(Subprocess.setpriv.path) --pdeathsig KILL -- \(Self.chromium) \"$@\"\n".utf8).write(to: browser)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: browser.path)
        base = URL(string: "http://127.0.0.1:\(port)")!
        var ready = false
        var problem = "no answer"
        for _ in 0..<100 {
            do {
                _ = try await Self.request(base.appending(path: "status"), method: "GET", body: nil)
                ready = true
                break
            } catch {
                problem = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        guard ready else {
            driver.terminate()
            throw Failure(
                description: "chromedriver did not start on \(base): \(problem); \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        }
        let capabilities: [String: Any] = [
            "capabilities": [
                "alwaysMatch": [
                    "browserName": "chrome",
                    "goog:chromeOptions": [
                        "binary": browser.path,
                        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"]
                            + arguments,
                    ],
                ]
            ]
        ]
        do {
            let value = try await Self.request(base.appending(path: "session"), method: "POST", body: capabilities)
            guard let id = (value as? [String: Any])?["sessionId"] as? String else {
                throw Failure(description: "chromedriver gave no session: \(value)")
            }
            session = id
        } catch {
            driver.terminate()
            throw error
        }
    }

    /// Runs `body` with a browser, which is closed afterwards whether `body` succeeds or throws.
    static func with(folder: URL, arguments: [String] = [], _ body: (WebDriver) async throws -> Void) async throws {
        let browser = try await WebDriver(folder: folder, arguments: arguments)
        do {
            try await body(browser)
        } catch {
            await browser.quit()
            throw error
        }
        await browser.quit()
    }

    /// Ends the browser session and the driver.
    func quit() async {
        _ = try? await Self.request(base.appending(path: "session/\(session)"), method: "DELETE", body: nil)
        driver.terminate()
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "no socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw Failure(description: "cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// One WebDriver command; returns its `value`, or throws the driver's error. (AsyncHTTPClient:
    /// Foundation's URLSession on Linux fails on chromedriver's responses with "Failed writing header".)
    static func request(_ url: URL, method: String, body: Any?) async throws -> Any {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = HTTPMethod(rawValue: method)
        if let body {
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        let data = Data(buffer: try await response.body.collect(upTo: 64 << 20))
        let object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        let value = (object as? [String: Any])?["value"] ?? NSNull()
        if response.status.code >= 400 {
            let message = (value as? [String: Any])?["message"] as? String ?? "\(value)"
            throw Failure(description: "WebDriver \(method) \(url.path): \(message.prefix(400))")
        }
        return value
    }

    @discardableResult
    func command(_ method: String, _ path: String, _ body: Any? = nil) async throws -> Any {
        try await Self.request(
            base.appending(path: "session/\(session)/\(path)"), method: method, body: method == "POST" ? (body ?? [:]) : nil)
    }

    func go(_ url: String) async throws { try await command("POST", "url", ["url": url]) }

    /// Runs `script` in the page (its `arguments` are `args`) and returns what it returns.
    @discardableResult
    func run(_ script: String, _ args: [Any] = []) async throws -> Any {
        try await command("POST", "execute/sync", ["script": script, "args": args])
    }

    /// Waits until `script` returns true in the page, or fails with `what` and the page's text.
    func wait(_ what: String, seconds: Double = 30, _ script: String) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try? await run(script)) as? Bool == true { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        let text = (try? await run("return document.body.innerText")) as? String ?? ""
        throw Failure(description: "timed out waiting for \(what); the page shows: \(text.prefix(1500))")
    }

    /// The element matching a CSS selector.
    func element(_ selector: String) async throws -> String {
        let value = try await command("POST", "element", ["using": "css selector", "value": selector])
        guard let id = (value as? [String: Any])?[Self.elementKey] as? String else {
            throw Failure(description: "no element \(selector)")
        }
        return id
    }

    func click(_ selector: String) async throws {
        try await command("POST", "element/\(try await element(selector))/click")
    }

    /// Types `text` into the element (as keystrokes).
    func type(_ selector: String, _ text: String) async throws {
        try await command("POST", "element/\(try await element(selector))/value", ["text": text])
    }

    func text(_ selector: String) async throws -> String {
        (try await command("GET", "element/\(try await element(selector))/text")) as? String ?? ""
    }
}
