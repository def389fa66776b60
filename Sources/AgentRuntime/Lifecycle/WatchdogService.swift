public import ServiceLifecycle

/// Tells systemd we are alive (`WATCHDOG=1`) at half the watchdog interval, but only while the session still
/// answers: a wedged event loop stops the pings and systemd restarts the daemon.
public struct WatchdogService: Service {
    let notifier: SystemdNotifier
    let session: AgentSession

    public init(notifier: SystemdNotifier, session: AgentSession) {
        self.notifier = notifier
        self.session = session
    }

    public func run() async throws {
        notifier.notify("READY=1\nSTATUS=running")
        guard let interval = notifier.watchdogInterval else {
            try? await gracefulShutdown()
            notifier.notify("STOPPING=1")
            return
        }
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if await session.isResponsive() { notifier.notify("WATCHDOG=1") }
                try await Task.sleep(for: interval / 2)
            }
        }
        notifier.notify("STOPPING=1")
    }
}
