import CTimex
import Glibc

/// Whether the system clock is synchronized: the kernel's NTP state from `adjtimex(2)`, the same bit `timedatectl`
/// shows as "System clock synchronized" (set by systemd-timesyncd, chrony or ntpd). TLS certificates and every
/// timestamp the device publishes depend on it.
enum ClockSync {
    static func check() -> CheckItem {
        var state = timex()
        let result = adjtimex(&state)
        guard result >= 0 else {
            return CheckItem(
                area: "clock", name: "system clock", status: .fail,
                detail: "adjtimex: \(String(cString: strerror(errno)))", fix: "check the clock with timedatectl")
        }
        guard result != TIME_ERROR, state.status & STA_UNSYNC == 0 else {
            return CheckItem(
                area: "clock", name: "system clock", status: .fail,
                detail: "not synchronized (adjtimex state \(result), status \(hexStatus(state.status)))",
                fix: "enable time sync (timedatectl set-ntp true, with systemd-timesyncd or chrony) and let the board "
                    + "reach an NTP server")
        }
        return CheckItem(
            area: "clock", name: "system clock", status: .pass,
            detail: "synchronized (estimated error \(state.esterror / 1000) ms)")
    }

    static func hexStatus(_ status: Int32) -> String { "0x" + String(status, radix: 16) }
}
