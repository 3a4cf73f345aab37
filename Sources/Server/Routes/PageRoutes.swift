import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// The operator console (`/console/`) and the reference kiosk page (`/kiosk/`): static files
/// shipped in the binary's resources, read once at start. The pages hold no data and no key; they
/// only call the API, which checks the key and its scope on every request. Every page response
/// carries a strict Content-Security-Policy (scripts and styles from this origin only, nothing
/// inline, no frames), so an injected string cannot run.
struct PageRoutes {
    /// A file of the pages: its bytes, media type and entity tag.
    struct Asset: Sendable {
        var body: ByteBuffer
        var contentType: String
        var etag: String
    }

    /// The files under `Resources/web`, by name.
    static let assets: [String: Asset] = {
        guard let folder = Bundle.module.url(forResource: "web", withExtension: nil),
            let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
        else { return [:] }
        var assets: [String: Asset] = [:]
        for name in names {
            guard let data = try? Data(contentsOf: folder.appending(path: name)) else { continue }
            let digest = SHA256.hash(data: data).prefix(12).map { String(format: "%02x", $0) }.joined()
            assets[name] = Asset(body: ByteBuffer(bytes: data), contentType: contentType(name), etag: "\"\(digest)\"")
        }
        return assets
    }()

    static func contentType(_ name: String) -> String {
        switch name.split(separator: ".").last {
        case "html": "text/html; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        case "json": "application/json"
        default: "application/octet-stream"
        }
    }

    /// Scripts, styles, images and API calls from this origin only; the camera's stream and the
    /// frames drawn from it as blob: URLs; no inline script or style, no plugins, no frames.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
        + "media-src 'self' blob: mediastream:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    static func headers(_ asset: Asset, camera: Bool) -> HTTPFields {
        var headers: HTTPFields = [
            .contentType: asset.contentType,
            .contentSecurityPolicy: contentSecurityPolicy,
            .xContentTypeOptions: "nosniff",
            HTTPField.Name("Referrer-Policy")!: "no-referrer",
            HTTPField.Name("X-Frame-Options")!: "DENY",
            HTTPField.Name("Permissions-Policy")!: camera ? "camera=(self), microphone=()" : "camera=(), microphone=()",
            // Revalidated on each load (a 304 when unchanged): small, cached, never stale after an upgrade.
            .cacheControl: "no-cache",
            .eTag: asset.etag,
        ]
        if asset.contentType.hasPrefix("text/html") { headers[.cacheControl] = "no-store" }
        return headers
    }

    static func serve(_ name: String, _ request: Request, camera: Bool) throws -> Response {
        guard let asset = assets[name] else {
            throw APIError(.notFound, "no such page: \(request.uri.path)")
        }
        if request.headers[.ifNoneMatch] == asset.etag {
            return Response(status: .notModified, headers: headers(asset, camera: camera))
        }
        return Response(status: .ok, headers: headers(asset, camera: camera), body: .init(byteBuffer: asset.body))
    }

    /// A file name of the pages: letters, digits, '-' and one '.', nothing that walks folders.
    static func fileName(_ context: APIContext) -> String {
        let name = context.parameters.get("file") ?? ""
        guard name.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }),
            !name.hasPrefix(".")
        else { return "" }
        return name
    }

    func register(_ router: Router<APIContext>) {
        router.get("/") { _, _ in
            Response(status: .seeOther, headers: [.location: "/console/"])
        }
        for (page, camera) in [("console", false), ("kiosk", true)] {
            // `/console` and `/console/` are one path to the router; the page's links are absolute.
            router.get(RouterPath(stringLiteral: "/\(page)/")) { request, _ in
                try Self.serve("\(page).html", request, camera: camera)
            }
        }
        // The scripts, styles and images both pages share.
        router.get("/assets/{file}") { request, context in
            let name = Self.fileName(context)
            guard !name.hasSuffix(".html") else { throw APIError(.notFound, "no such asset: \(request.uri.path)") }
            return try Self.serve(name, request, camera: false)
        }
    }
}
