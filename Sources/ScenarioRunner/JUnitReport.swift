import HAL

/// JUnit XML, the format CI systems read: one `testcase` per scenario, a `failure` for the first failed step.
public enum JUnitReport {
    public static func xml(_ results: [ScenarioResult], suite: String = "curb-rig scenarios") -> String {
        let failures = results.filter { !$0.passed }.count
        let total = results.reduce(Duration.zero) { $0 + $1.duration }
        var text = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        text += #"<testsuites tests="\#(results.count)" failures="\#(failures)" time="\#(seconds(total))">"# + "\n"
        text +=
            #"  <testsuite name="\#(escape(suite))" tests="\#(results.count)" failures="\#(failures)" "#
            + #"errors="0" skipped="0" time="\#(seconds(total))">"# + "\n"
        for result in results {
            text +=
                #"    <testcase name="\#(escape(result.name))" classname="\#(escape(result.file))" "#
                + #"time="\#(seconds(result.duration))">"# + "\n"
            if let failure = result.failure {
                text += #"      <failure message="\#(escape(failure))">\#(escape(steps(result)))</failure>"# + "\n"
            }
            text += "      <system-out>\(escape(steps(result) + "\n" + result.daemonOutput))</system-out>\n"
            text += "    </testcase>\n"
        }
        text += "  </testsuite>\n</testsuites>\n"
        return text
    }

    /// One line per step: `✔ set walkButton high`, `✘ expect …: why`, `- skipped step`.
    public static func steps(_ result: ScenarioResult) -> String {
        result.steps.map { step in
            switch step.outcome {
            case .passed: "✔ \(step.summary)"
            case .failed(let why): "✘ \(step.summary): \(why)"
            case .skipped: "- \(step.summary)"
            }
        }.joined(separator: "\n")
    }

    static func seconds(_ duration: Duration) -> String {
        String(Double(Int(duration.totalSeconds * 1000)) / 1000)
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            // XML 1.0 forbids most control characters even when escaped.
            case _ where scalar.value < 0x20 && scalar != "\n" && scalar != "\t" && scalar != "\r": out += "?"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
