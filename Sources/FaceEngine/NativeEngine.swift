internal import CBridge
import Foundation

/// Owns one native engine handle (models loaded once). Not thread-safe: exactly one worker thread
/// uses each instance, for its whole life.
final class NativeEngine {
    private let handle: OpaquePointer
    private let maxFaces: Int

    /// Loads the models; throws ``FaceEngineError/modelLoadFailure(_:)`` with the bridge's reason.
    init(configuration: FaceEngineConfiguration) throws(FaceEngineError) {
        var options = fc_engine_options()
        options.max_bytes = UInt64(configuration.maxBytes)
        options.max_pixels = UInt64(configuration.maxPixels)
        options.detection_size = Int32(configuration.detectionSize)
        options.detector = Int32(configuration.detector == .cnn ? FC_DETECTOR_CNN.rawValue : FC_DETECTOR_HOG.rawValue)
        options.passive_box_scale = Float(configuration.passiveBoxScale)
        options.mirror = configuration.mirrorEmbedding ? 1 : 0
        options.cnn_fallback = configuration.cnnFallback ? 1 : 0
        options.jitters = Int32(configuration.jitters)
        var message = [CChar](repeating: 0, count: 512)
        var created: OpaquePointer?
        let status = configuration.modelDirectory.path.withCString { directory in
            options.model_directory = directory
            return fc_engine_create(&options, &created, &message, message.count)
        }
        guard status == FC_OK, let created else {
            throw Self.error(status, message: message)
        }
        handle = created
        maxFaces = configuration.maxFacesPerImage
    }

    deinit {
        fc_engine_destroy(handle)
    }

    /// Runs the whole pipeline on encoded image bytes; for video frames, searching near
    /// `searchRegion` first and, without `embed`, leaving the embedding zero; with `passive`, the
    /// primary face gets its passive anti-spoofing scores. Without `cnnFallback` the image is never
    /// searched by the CNN fallback (a video frame, even a session's first, without a search region).
    func analyze(_ image: Data, searchRegion: FaceBox? = nil, embed: Bool = true, passive: Bool = false, cnnFallback: Bool = true)
        throws(FaceEngineError) -> FaceAnalysis
    {
        var faces = [fc_face](repeating: fc_face(), count: maxFaces)
        var written: Int32 = 0
        var info = fc_image_info()
        var timings = fc_stage_timings()
        var message = [CChar](repeating: 0, count: 512)
        let status = image.withUnsafeBytes { raw in
            faces.withUnsafeMutableBufferPointer { buffer in
                let region: [Float]? = searchRegion.map { [Float($0.x), Float($0.y), Float($0.width), Float($0.height)] }
                return fc_engine_analyze_frame(
                    handle, raw.baseAddress, raw.count, region,
                    (embed ? Int32(FC_ANALYZE_EMBEDDING) : 0) | (passive ? Int32(FC_ANALYZE_PASSIVE) : 0)
                        | (cnnFallback ? 0 : Int32(FC_ANALYZE_NO_CNN_FALLBACK)),
                    buffer.baseAddress, Int32(buffer.count), &written, &info, &timings, &message, message.count)
            }
        }
        guard status == FC_OK else { throw Self.error(status, message: message) }
        return FaceAnalysis(
            format: info.format == Int32(FC_FORMAT_JPEG.rawValue) ? .jpeg : info.format == Int32(FC_FORMAT_PNG.rawValue) ? .png : .unknown,
            width: Int(info.width),
            height: Int(info.height),
            exifOrientation: Int(info.exif_orientation),
            faces: faces.prefix(Int(written)).map(Self.face),
            facesFound: Int(info.faces_found),
            detectionPasses: Int(info.detection_passes),
            timings: StageTimings(
                decode: timings.decode_ms, detect: timings.detect_ms, align: timings.landmarks_ms,
                embed: timings.embed_ms, passive: timings.passive_ms, queued: 0))
    }

    /// One passive model's three outputs for a prepared 80x80 BGR crop (the converter's check).
    func passiveCrop(_ bgr: [UInt8], model: Int) throws(FaceEngineError) -> [Float] {
        var out = [Float](repeating: 0, count: 3)
        var message = [CChar](repeating: 0, count: 512)
        let status = bgr.withUnsafeBufferPointer { pixels in
            fc_engine_passive_crop(handle, pixels.baseAddress!, pixels.count, Int32(model), &out, &message, message.count)
        }
        guard status == FC_OK else { throw Self.error(status, message: message) }
        return out
    }

    private static func face(_ native: fc_face) -> DetectedFace {
        let landmarks = withUnsafeBytes(of: native.landmarks) { Array($0.bindMemory(to: Float.self)) }
        let values = withUnsafeBytes(of: native.embedding) { Array($0.bindMemory(to: Float.self)) }
        let q = native.quality
        return DetectedFace(
            box: FaceBox(x: Double(native.left), y: Double(native.top), width: Double(native.width), height: Double(native.height)),
            score: Double(native.score),
            landmarks: stride(from: 0, to: landmarks.count, by: 2).map { Point(x: Double(landmarks[$0]), y: Double(landmarks[$0 + 1])) },
            quality: FaceQuality(
                interEyePixels: Double(q.inter_eye_pixels), sharpness: Double(q.sharpness),
                brightness: Double(q.brightness), contrast: Double(q.contrast),
                yaw: Double(q.yaw_degrees), pitch: Double(q.pitch_degrees), roll: Double(q.roll_degrees)),
            embedding: FaceEmbedding(values: values)!,
            passive: native.passive_real.0 < 0 || native.passive_real.1 < 0
                ? nil : PassiveScore(v2: Double(native.passive_real.0), v1se: Double(native.passive_real.1)))
    }

    static func error(_ status: fc_status, message buffer: [CChar]) -> FaceEngineError {
        let message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch status {
        case FC_BAD_ARGUMENT: return .badArgument(message)
        case FC_UNDECODABLE_IMAGE: return .undecodableImage(message)
        case FC_UNSUPPORTED_FORMAT: return .unsupportedFormat(message)
        case FC_IMAGE_TOO_LARGE: return .imageTooLarge(message)
        case FC_NO_FACE: return .noFace(message)
        case FC_MODEL_LOAD_FAILURE: return .modelLoadFailure(message)
        default: return .internalError(message.isEmpty ? "native status \(status.rawValue)" : message)
        }
    }
}
