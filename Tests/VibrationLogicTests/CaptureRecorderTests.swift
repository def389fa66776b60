import HAL
import Testing
import VibrationLogic

@Suite struct CaptureRecorderTests {
    /// Sample `i` carries `i` on X, so a capture shows exactly which samples it kept.
    static func numbered(_ range: Range<Int>) -> [AccelerationSample] {
        range.map { AccelerationSample(x: Double($0), y: -Double($0), z: 1) }
    }

    static func feed(_ recorder: inout CaptureRecorder, _ range: Range<Int>, batch: Int = 37) -> [Capture] {
        var captures: [Capture] = []
        var index = range.lowerBound
        while index < range.upperBound {
            let end = min(index + batch, range.upperBound)
            captures += recorder.append(
                numbered(index..<end), firstSampleAt: Signals.t0.adding(seconds: Double(index) / 100))
            index = end
        }
        return captures
    }

    @Test func holdsPreAndPostSecondsWithTheTriggerAtThePreTriggerOffset() throws {
        var recorder = CaptureRecorder(outputDataRateHz: 100, preTriggerSeconds: 2, postTriggerSeconds: 5)
        #expect(recorder.preTriggerSampleCount == 200)
        #expect(recorder.postTriggerSampleCount == 500)
        #expect(Self.feed(&recorder, 0..<600).isEmpty)
        let first = recorder.trigger(reason: "alarm")
        #expect(first)
        // A second trigger during the capture is ignored.
        let second = recorder.trigger(reason: "again")
        #expect(!second)
        #expect(Self.feed(&recorder, 600..<1_099).isEmpty)
        let captures = Self.feed(&recorder, 1_099..<1_300)
        #expect(captures.count == 1)
        let capture = try #require(captures.first)
        #expect(capture.sampleCount == 700)
        #expect(capture.triggerIndex == 200)
        #expect(capture.samples.x[200] == 600)
        #expect(capture.samples.x.first == 400)
        #expect(capture.samples.x.last == 1_099)
        #expect(capture.samples.y[200] == -600)
        #expect(capture.samples.x == (400..<1_100).map { Float($0) })
        #expect(abs(capture.start.seconds(since: Signals.t0) - 4) < 1e-9)
        #expect(abs(capture.triggeredAt.seconds(since: Signals.t0) - 6) < 1e-9)
        #expect(capture.reason == "alarm")
        #expect(capture.id == "capture-00\(Signals.t0.adding(seconds: 6).millisecondsSinceEpoch)")
        #expect(!recorder.isCapturing)
        // Ready for the next one, with a full pre-trigger history again.
        let third = recorder.trigger(reason: "capture-now")
        #expect(third)
        let next = try #require(Self.feed(&recorder, 1_300..<1_800).first)
        #expect(next.triggerIndex == 200)
        #expect(next.samples.x[200] == 1_300)
    }

    @Test func earlyTriggerKeepsWhatHistoryThereIs() throws {
        var recorder = CaptureRecorder(outputDataRateHz: 100, preTriggerSeconds: 2, postTriggerSeconds: 1)
        _ = Self.feed(&recorder, 0..<50)
        recorder.trigger(reason: "early")
        let capture = try #require(Self.feed(&recorder, 50..<200).first)
        #expect(capture.triggerIndex == 50)
        #expect(capture.sampleCount == 150)
        #expect(capture.samples.x[50] == 50)
        #expect(capture.start == Signals.t0)
    }

    @Test func newLengthsLeaveTheRunningCaptureAndKeepTheNewestHistory() throws {
        var recorder = CaptureRecorder(outputDataRateHz: 100, preTriggerSeconds: 2, postTriggerSeconds: 1)
        _ = Self.feed(&recorder, 0..<300)
        recorder.trigger(reason: "command")
        _ = Self.feed(&recorder, 300..<350)
        recorder.setLengths(preTriggerSeconds: 0.5, postTriggerSeconds: 3)
        #expect(recorder.isCapturing)
        // The running capture ends as it was triggered: 2 s before, 1 s from the trigger sample (300) on.
        let running = try #require(Self.feed(&recorder, 350..<400).first)
        #expect(running.triggerIndex == 200)
        #expect(running.samples.x == (100..<400).map { Float($0) })
        // The next one has the new lengths and the newest half second of history.
        recorder.trigger(reason: "alarm")
        let next = try #require(Self.feed(&recorder, 400..<700).first)
        #expect(next.triggerIndex == 50)
        #expect(next.samples.x == (350..<700).map { Float($0) })
    }

    @Test func longerHistoryGrowsFromWhatIsKept() throws {
        var recorder = CaptureRecorder(outputDataRateHz: 100, preTriggerSeconds: 1, postTriggerSeconds: 1)
        _ = Self.feed(&recorder, 0..<250)
        recorder.setLengths(preTriggerSeconds: 2, postTriggerSeconds: 1)
        _ = Self.feed(&recorder, 250..<300)
        recorder.trigger(reason: "command")
        let capture = try #require(Self.feed(&recorder, 300..<400).first)
        #expect(capture.triggerIndex == 150)
        #expect(capture.samples.x == (150..<400).map { Float($0) })
    }

    @Test func endingEarlyKeepsWhatWasRecordedOrSaysNothingWas() throws {
        var recorder = CaptureRecorder(outputDataRateHz: 100, preTriggerSeconds: 1, postTriggerSeconds: 5)
        #expect(recorder.endEarly() == nil)
        _ = Self.feed(&recorder, 0..<200)
        recorder.trigger(reason: "command")
        #expect(recorder.endEarly() == .empty(reason: "command"))
        #expect(!recorder.isCapturing)
        recorder.trigger(reason: "alarm")
        _ = Self.feed(&recorder, 200..<230)
        guard case .truncated(let capture)? = recorder.endEarly() else {
            Issue.record("a capture with its trigger sample recorded was not kept")
            return
        }
        #expect(capture.triggerIndex == 100)
        #expect(capture.samples.x == (100..<230).map { Float($0) })
        #expect(abs(capture.triggeredAt.seconds(since: Signals.t0) - 2) < 1e-9)
        #expect(!recorder.isCapturing)
    }
}
