import AgentRuntime
import Foundation
import HAL
import Logging
import ServiceLifecycle
import StreetlightDevice
import StreetlightLogic

/// The controller's periodic steps and the motion sensor's events, as one service. On shutdown the lamp goes to its
/// safe state (on, full level) and the counters are saved.
struct StreetlightLoops: Service {
    let controller: StreetlightController
    let motion: (any GPIOInputLine)?
    let counters: LampCounterStore
    let environmentInterval: Duration
    let logger: Logger

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await every(.milliseconds(200)) { await controller.controlStep() } }
            group.addTask { await every(.seconds(2)) { await controller.luxStep() } }
            group.addTask { await every(.seconds(1)) { await controller.powerStep() } }
            group.addTask { await every(environmentInterval) { await controller.environmentStep() } }
            group.addTask {
                await every(.seconds(60)) { save(await controller.counters) }
            }
            if let motion {
                group.addTask {
                    do {
                        for try await _ in motion.events().cancelOnGracefulShutdown() {
                            await controller.motionDetected()
                        }
                    } catch {
                        logger.error("motion sensor events ended", metadata: ["error": "\(error)"])
                    }
                }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
        await controller.enterSafeState()
        save(await controller.counters)
    }

    private func save(_ values: LampCounters) {
        do {
            try counters.save(values)
        } catch {
            logger.error("lamp counters not saved", metadata: ["error": "\(error)"])
        }
    }

    private func every(_ period: Duration, _ body: () async -> Void) async {
        while !Task.isCancelled {
            await body()
            try? await Task.sleep(for: period)
        }
    }
}
