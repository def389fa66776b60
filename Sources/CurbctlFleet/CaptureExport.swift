public import FoundationEssentials
public import VibrationLogic

/// A downloaded capture as a file people can open: CSV (a spreadsheet, pandas) or WAV (an audio editor, scipy).
public enum CaptureExport {
    /// The file formats `curbctl capture get` writes.
    public enum Format: String, Sendable, CaseIterable {
        /// `t_s,x_g,y_g,z_g`, one row per sample, time from the trigger (negative before it).
        case csv
        /// 3 channels (x, y, z), 32-bit IEEE float in g, at the output data rate rounded to whole hertz.
        case wav
        /// The daemon's own `.vcap` file, as stored on the device.
        case vcap
    }

    /// The file's bytes in `format`; `vcap` is the bytes as downloaded.
    public static func encode(_ vcap: Data, as format: Format, id: String) throws(FleetError) -> Data {
        if format == .vcap { return vcap }
        let capture: Capture
        do {
            capture = try Capture(decoding: vcap, what: id)
        } catch {
            throw FleetError(.corrupt, detail: "\(error)")
        }
        return format == .csv ? csv(capture) : wav(capture)
    }

    /// One header row, then one row per sample: seconds from the trigger and the three axes in g.
    public static func csv(_ capture: Capture) -> Data {
        var text = "t_s,x_g,y_g,z_g\n"
        text.reserveCapacity(40 * capture.sampleCount)
        for index in 0..<capture.sampleCount {
            let t = Double(index - capture.triggerIndex) / capture.outputDataRateHz
            text +=
                "\(Text.number(t, digits: 6)),\(capture.samples.x[index]),\(capture.samples.y[index]),\(capture.samples.z[index])\n"
        }
        return Data(text.utf8)
    }

    /// RIFF/WAVE with `WAVE_FORMAT_IEEE_FLOAT` (3) and its `fact` chunk.
    public static func wav(_ capture: Capture) -> Data {
        let channels = 3
        let rate = max(1, Int(capture.outputDataRateHz.rounded()))
        let dataBytes = capture.sampleCount * channels * 4
        var data = Data()
        func append(_ text: String) { data.append(contentsOf: Array(text.utf8)) }
        func append32(_ value: Int) { withUnsafeBytes(of: UInt32(value).littleEndian) { data.append(contentsOf: $0) } }
        func append16(_ value: Int) { withUnsafeBytes(of: UInt16(value).littleEndian) { data.append(contentsOf: $0) } }
        append("RIFF")
        append32(4 + (8 + 18) + (8 + 4) + (8 + dataBytes))
        append("WAVE")
        append("fmt ")
        append32(18)
        append16(3)
        append16(channels)
        append32(rate)
        append32(rate * channels * 4)
        append16(channels * 4)
        append16(32)
        append16(0)
        append("fact")
        append32(4)
        append32(capture.sampleCount)
        append("data")
        append32(dataBytes)
        for index in 0..<capture.sampleCount {
            for value in [capture.samples.x[index], capture.samples.y[index], capture.samples.z[index]] {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            }
        }
        return data
    }
}
