import Locking

/// Collects whatever a stream yields during `duration`, then stops listening (for "exactly one event, then
/// nothing more" assertions on edge-event streams).
public func collect<Element: Sendable>(
    _ stream: AsyncThrowingStream<Element, any Error>, for duration: Duration
) async -> [Element] {
    let box = CollectedElements<Element>()
    let listener = Task {
        do {
            for try await element in stream { box.append(element) }
        } catch {}
    }
    try? await Task.sleep(for: duration)
    listener.cancel()
    return box.elements
}

private final class CollectedElements<Element: Sendable>: Sendable {
    private let storage = Lock<[Element]>([])
    func append(_ element: Element) { storage.withLock { $0.append(element) } }
    var elements: [Element] { storage.withLock { $0 } }
}

/// Waits (up to `within`, generous so a loaded machine does not fail the test) until `count` elements have
/// arrived, then keeps listening for `quiet` to catch extra ones. Returns everything seen.
///
/// Unlike a fixed window this cannot fail because the machine was slow: delay only shortens the quiet check.
public func collect<Element: Sendable>(
    _ stream: AsyncThrowingStream<Element, any Error>, expecting count: Int, within: Duration = .seconds(30),
    thenQuiet quiet: Duration = .milliseconds(300)
) async -> [Element] {
    let box = CollectedElements<Element>()
    let listener = Task {
        do {
            for try await element in stream { box.append(element) }
        } catch {}
    }
    let deadline = ContinuousClock.now + within
    while box.elements.count < count, ContinuousClock.now < deadline {
        try? await Task.sleep(for: .milliseconds(5))
    }
    try? await Task.sleep(for: quiet)
    listener.cancel()
    return box.elements
}
